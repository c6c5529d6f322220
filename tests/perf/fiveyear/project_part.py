"""The projects part of the five-year data set: the planned projects (``project_plan``) written
in bulk as the services would have left them, then scored.

Projects with their S-curve (one baseline), checkpoints, yearly allocations, tender numbers,
districts and co-agencies, and the status log (納入列管, phase changes, 暫緩列管, 解除列管). Each
monthly report holds what the filing and review services write: the planned % and allocation
snapshotted from the S-curve, 落後原因 and 解決對策 whenever actual is below planned or the work
stopped, the transitions (送出, 退回, 審核) with who and when, the late flag against the filing
deadline, one history row. Up to 115.1 one report in twenty was returned once before it was
accepted, and a few were filed late (a quarter of them for the habitually late filers).

The follow-up (meetings, directives, PCC imports) is ``followup_part``'s. Then
``projects.scoring.compute_year`` scores 111–114 (110 began in April: its first quarter's
filings are not in the set).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from projects.demo.catalogue import DELISTING_REASON, LISTING_REASON
from projects.demo.plans import first_of, last_day, month_index
from tests.perf.fiveyear import TODAY, Timer, stamp, wipe
from tests.perf.fiveyear.followup_part import FollowupWriter
from tests.perf.fiveyear.project_plan import (
    BATCH,
    LAST,
    SCORED_YEARS,
    Plan,
    Report,
    current_counts,
    expected_counts,
    plan_projects,
    working_moment,
)

REVIEW_COMMENT_SERIOUS = (
    "本案進度嚴重落後或停工，列入本月重大建設暨基本設施檢討會議追蹤，請於會中報告趕工計畫。"
)
REVIEW_COMMENT_BEHIND = "請依解決對策確實趕工，並於下月填報改善情形。"


# -- writing -----------------------------------------------------------------------------------


def _project_models():
    from django.apps import apps

    return list(apps.get_app_config("projects").get_models())


def ensure(n: int, cast) -> float | None:
    """Make the projects part hold ``n`` planned projects; the seconds it took when it had to be
    written, None when it was reused."""
    from django.db import transaction

    from tainan_rdec.models import Agency

    agencies = {a.code: a for a in Agency.objects.active()}
    plans = plan_projects(n, agencies)
    wanted, have = expected_counts(plans), current_counts()
    if wanted == have:
        print(f"  projects: reusing {have['projects']:,} projects, {have['reports']:,} reports")
        return None
    if have["projects"] or have["reports"]:
        print(f"  projects: {have} in the tables, {wanted} wanted: emptying the projects tables")
        wipe(_project_models())
    timer = Timer("projects")
    with transaction.atomic():
        follow_up = Writer(plans, agencies, cast).run()
    return timer.done(
        f"{wanted['projects']:,} projects, {wanted['reports']:,} monthly reports, {follow_up}, "
        f"scores of {SCORED_YEARS[0] - 1911}–{SCORED_YEARS[-1] - 1911}"
    )


class Writer:
    """Writes the planned projects and their reports (see the module docstring)."""

    def __init__(self, plans: list[Plan], agencies: dict, cast):
        from projects.models import ControlSettings

        self.plans = plans
        self.agencies = agencies
        self.cast = cast
        self.rules = ControlSettings.get()
        self.deadlines: dict[int, date] = {}

    def deadline(self, month: int) -> date:
        if month not in self.deadlines:
            self.deadlines[month] = self.rules.filing_deadline(first_of(month))
        return self.deadlines[month]

    def run(self):
        from projects.scoring import compute_year

        projects = self.projects()
        baselines = self.plans_and_money(projects)
        self.milestones(projects)
        self.status_log(projects)
        self.reports(projects, baselines)
        follow_up = FollowupWriter(self.plans, self.agencies, self.cast).run(projects)
        for year in SCORED_YEARS:
            compute_year(year, today=TODAY)
        return follow_up

    # -- projects, curves, money

    def projects(self):
        from simple_history.utils import bulk_create_with_history

        from projects.choices import ExecutionPhase, FundingSource, ProjectKind
        from projects.demo.catalogue import STOP_REASONS, SUSPEND_REASONS, WORK_ITEMS
        from projects.models import Project, TenderNumber
        from tainan_rdec.models import District

        rows = []
        for plan in self.plans:
            phase = plan.phases.get(plan.last_month, ExecutionPhase.PLANNING)
            if plan.delist_month is not None:
                phase = ExecutionPhase.CLOSED
            funding = {
                ProjectKind.FORWARD: FundingSource.FORWARD_BUDGET,
                ProjectKind.GENERAL_SUBSIDY: FundingSource.GENERAL_SUBSIDY,
            }.get(plan.kind, FundingSource.MIXED if plan.rng.random() < 0.5 else FundingSource.CITY)
            place = "、".join(plan.districts) or "全市"
            items = "、".join(WORK_ITEMS[plan.work][:3])
            stop_reason = ""
            if plan.stop_month is not None:
                stop_reason = STOP_REASONS.get(plan.work, STOP_REASONS["building"])
            project = Project(
                control_number=plan.control_number,
                name=plan.name,
                host_agency=self.agencies[plan.agency],
                kind=plan.kind,
                forward_category=plan.category,
                total_budget=plan.budget,
                funding_source=funding,
                summary=f"辦理{plan.name}，範圍位於{place}，主要工作項目包括{items}等。",
                planned_start=first_of(plan.start).replace(day=plan.rng.randint(1, 20)),
                planned_completion=last_day(plan.end),
                actual_completion=plan.completion,
                phase=phase,
                control_status=plan.status,
                in_annual_evaluation=not (
                    plan.kind == ProjectKind.KEY_BUSINESS and plan.rng.random() < 0.4
                ),
                stop_reason=stop_reason,
                planned_resumption=TODAY + timedelta(days=plan.rng.randint(30, 100))
                if stop_reason
                else None,
                created_by=self.cast.staff[plan.agency],
            )
            project._history_date = working_moment(plan.added_on, plan.rng)
            project._history_user = self.cast.staff[plan.agency]
            rows.append(project)
            plan.suspend_reason = SUSPEND_REASONS[plan.number % len(SUSPEND_REASONS)]
        projects = bulk_create_with_history(rows, Project, batch_size=BATCH)
        stamp(Project, projects, "created_at", [p._history_date for p in rows])

        districts = {d.name: d for d in District.objects.all()}
        through_d = Project.districts.through
        through_d.objects.bulk_create(
            [
                through_d(project_id=p.pk, district_id=districts[name].pk)
                for p, plan in zip(projects, self.plans, strict=True)
                for name in plan.districts
                if name in districts
            ],
            batch_size=BATCH,
        )
        through_a = Project.co_agencies.through
        through_a.objects.bulk_create(
            [
                through_a(project_id=p.pk, agency_id=self.agencies[plan.co_agency].pk)
                for p, plan in zip(projects, self.plans, strict=True)
                if plan.co_agency and plan.co_agency in self.agencies
            ],
            batch_size=BATCH,
        )
        tenders = []
        for project, plan in zip(projects, self.plans, strict=True):
            award = plan.start + max(0, round(plan.n * 0.15) - 1)
            if plan.work == "program" or award > month_index(LAST) or plan.rng.random() < 0.25:
                continue
            day = first_of(award).replace(day=plan.rng.randint(1, 28))
            tenders.append(
                TenderNumber(
                    project=project,
                    number=f"{day.year - 1911}{day:%m%d}-{plan.agency}-{plan.number:05d}",
                    title=plan.name,
                )
            )
        TenderNumber.objects.bulk_create(tenders, batch_size=BATCH)
        return projects

    def plans_and_money(self, projects):
        from simple_history.utils import bulk_create_with_history

        from projects.models import BudgetAllocation, PlanBaseline, PlannedPoint

        baselines = PlanBaseline.objects.bulk_create(
            [
                PlanBaseline(
                    project=p, version=1, is_current=True, created_by=self.cast.staff[plan.agency]
                )
                for p, plan in zip(projects, self.plans, strict=True)
            ],
            batch_size=BATCH,
        )
        stamp(
            PlanBaseline,
            baselines,
            "created_at",
            [working_moment(plan.added_on + timedelta(days=3), plan.rng) for plan in self.plans],
        )
        points, allocations = [], []
        for project, plan, baseline in zip(projects, self.plans, baselines, strict=True):
            totals: dict[int, int] = {}
            for i in range(plan.n):
                month = first_of(plan.start + i)
                points.append(
                    PlannedPoint(
                        baseline=baseline,
                        month=month,
                        planned_percent=plan.percents[i],
                        planned_allocation=plan.allocations[i],
                    )
                )
                totals[month.year] = plan.allocations[i]  # cumulative at the year's last month
            before = 0
            for year in sorted(totals):
                if totals[year] > before:
                    allocation = BudgetAllocation(
                        project=project, year=year, amount=totals[year] - before
                    )
                    allocation._history_date = working_moment(plan.added_on, plan.rng)
                    allocations.append(allocation)
                before = totals[year]
        PlannedPoint.objects.bulk_create(points, batch_size=BATCH)
        bulk_create_with_history(allocations, BudgetAllocation, batch_size=BATCH)
        return baselines

    def milestones(self, projects):
        from simple_history.utils import bulk_create_with_history

        from projects.choices import MilestoneStatus
        from projects.demo.catalogue import MILESTONES
        from projects.demo.plans import judge_milestone, milestone_family
        from projects.models import Milestone

        rows = []
        for project, plan in zip(projects, self.plans, strict=True):
            rng, template = plan.rng, MILESTONES[milestone_family(plan.work)]
            for position, (name, share) in enumerate(reversed(template)):
                month = plan.start + max(0, math.ceil(share * plan.n) - 1)
                final = position == 0
                planned = last_day(month) if final else first_of(month).replace(day=15)
                milestone = Milestone(project=project, name=name, planned_date=planned)
                if planned >= TODAY or plan.start > month_index(LAST):
                    pass  # still ahead: 預定
                elif final and plan.completion is not None:
                    milestone.status = MilestoneStatus.MET
                    milestone.actual_date = plan.completion
                elif month > plan.last_month or month not in plan.actual:
                    pass  # fell due after the project was suspended or stopped reporting
                elif final:
                    pass  # the work is not done: the checkpoint is overdue
                else:
                    diff = plan.actual[month] - plan.planned(month)[0]
                    stopped = plan.stop_month is not None and month >= plan.stop_month
                    judge_milestone(milestone, diff, stopped=stopped, rng=rng)
                milestone._history_date = working_moment(plan.added_on, rng)
                rows.append(milestone)
        bulk_create_with_history(rows, Milestone, batch_size=BATCH)

    def status_log(self, projects):
        """納入列管, phase changes, 暫緩列管 and 解除列管 with who and when (StatusChange)."""
        from projects.choices import ControlStatus, ExecutionPhase, StatusField
        from projects.demo.catalogue import PHASE_REASONS
        from projects.models import StatusChange

        reviewer = self.cast.reviewer
        rows, moments = [], []

        def change(project, field_name, old, new, reason, by, moment):
            rows.append(
                StatusChange(
                    project=project,
                    field=field_name,
                    old_value=old,
                    new_value=new,
                    reason=reason,
                    by=by,
                )
            )
            moments.append(moment)

        control, phase_field = StatusField.CONTROL_STATUS, StatusField.PHASE
        for project, plan in zip(projects, self.plans, strict=True):
            if plan.status == ControlStatus.NEW:
                continue
            rng, manager = plan.rng, self.cast.managers[plan.agency]
            listed_at = working_moment(plan.added_on + timedelta(days=rng.randint(7, 20)), rng)
            change(
                project,
                control,
                ControlStatus.NEW,
                ControlStatus.LISTED,
                LISTING_REASON,
                reviewer,
                listed_at,
            )
            previous = ExecutionPhase.PLANNING
            for month in range(plan.start, plan.last_month + 1):
                phase = plan.phases[month]
                if phase == previous:
                    continue
                reason = (
                    project.stop_reason
                    if phase == ExecutionPhase.STOPPED
                    else (PHASE_REASONS.get(phase, ""))
                )
                moment = working_moment(first_of(month).replace(day=rng.randint(3, 26)), rng)
                change(project, phase_field, previous, phase, reason, manager, moment)
                previous = phase
            if plan.suspend_month is not None:
                moment = working_moment(
                    first_of(plan.suspend_month).replace(day=rng.randint(5, 25)), rng
                )
                change(
                    project,
                    control,
                    ControlStatus.LISTED,
                    ControlStatus.SUSPENDED,
                    plan.suspend_reason,
                    reviewer,
                    moment,
                )
            if plan.delist_month is not None:
                moment = working_moment(
                    first_of(plan.delist_month).replace(day=rng.randint(5, 19)), rng
                )
                change(
                    project,
                    phase_field,
                    previous,
                    ExecutionPhase.CLOSED,
                    PHASE_REASONS[ExecutionPhase.CLOSED],
                    manager,
                    moment - timedelta(days=2),
                )
                change(
                    project,
                    control,
                    ControlStatus.LISTED,
                    ControlStatus.DELISTED,
                    DELISTING_REASON,
                    reviewer,
                    moment,
                )
        rows = StatusChange.objects.bulk_create(rows, batch_size=BATCH)
        stamp(StatusChange, rows, "at", moments)

    # -- monthly reports

    def reports(self, projects, baselines):
        from simple_history.utils import bulk_create_with_history

        from projects.choices import ReportState
        from projects.demo.catalogue import HELP_NEEDED, LAG_REASONS, REMEDIES, RETURN_COMMENTS
        from projects.demo.plans import reason_family
        from projects.models import MonthlyReport, ReportTransition

        reviewer = self.cast.reviewer
        reports, created, steps = [], [], []
        for project, plan, baseline in zip(projects, self.plans, baselines, strict=True):
            rng = plan.rng
            staff, manager = self.cast.staff[plan.agency], self.cast.managers[plan.agency]
            reasons = LAG_REASONS[reason_family(plan.work)]
            remedies = REMEDIES[reason_family(plan.work)]
            pick = rng.randrange(len(reasons))
            for r in plan.reports:
                if not r.state:
                    continue  # never filed: a missing month is a fact, not a row
                diff = r.actual - r.planned
                stopped = plan.stop_month is not None and r.month >= plan.stop_month
                report = MonthlyReport(
                    project=project,
                    period=first_of(r.month),
                    baseline=baseline,
                    planned_percent=r.planned,
                    actual_percent=r.actual,
                    allocated_to_date=r.allocated,
                    paid=r.paid,
                    payable_unpaid=r.payable,
                    savings=r.savings,
                    progress_text=_progress_text(plan, r),
                    created_by=staff,
                )
                if diff < 0 or stopped:
                    report.lag_reasons = project.stop_reason if stopped else reasons[pick]
                    report.remedies = remedies[(pick + r.month) % len(remedies)]
                    if diff <= -10 or stopped:
                        report.help_needed = HELP_NEEDED[plan.number % len(HELP_NEEDED)]
                following = first_of(r.month + 1)
                started = working_moment(following.replace(day=rng.randint(1, 4)), rng)
                if r.month == month_index(LAST):
                    started = working_moment(TODAY - timedelta(days=rng.randint(1, 18)), rng)
                last, last_by = started, staff
                report.state = r.state

                def step(old, new, by, moment, comment="", report=report):
                    steps.append((report, old, new, by, moment, comment))

                if r.state != ReportState.DRAFT:
                    deadline = self.deadline(r.month)
                    late = rng.random() < (0.25 if plan.late_filer else 0.03)
                    day = (
                        rng.randint(deadline.day + 1, 25) if late else rng.randint(2, deadline.day)
                    )
                    submitted = working_moment(following.replace(day=day), rng, not_before=started)
                    report.is_late = submitted.date() > deadline
                    report.submitted_by, report.submitted_at = manager, submitted
                    step(ReportState.DRAFT, ReportState.SUBMITTED, manager, submitted)
                    last, last_by = submitted, manager
                    returned_once = r.state == ReportState.RETURNED or (
                        r.state == ReportState.ACCEPTED and rng.random() < 0.05
                    )
                    if returned_once:
                        comment = RETURN_COMMENTS[(plan.number + r.month) % len(RETURN_COMMENTS)]
                        back = working_moment(
                            (last + timedelta(days=rng.randint(1, 3))).date(), rng, last
                        )
                        step(ReportState.SUBMITTED, ReportState.RETURNED, reviewer, back, comment)
                        report.return_count = 1
                        report.reviewer_comment = comment
                        report.reviewed_by, report.reviewed_at = reviewer, back
                        last, last_by = back, reviewer
                        if r.state == ReportState.ACCEPTED:
                            again = working_moment(
                                (back + timedelta(days=rng.randint(1, 4))).date(), rng, back
                            )
                            step(ReportState.RETURNED, ReportState.SUBMITTED, manager, again)
                            report.submitted_at = last = again
                            last_by = manager
                    if r.state == ReportState.ACCEPTED:
                        comment = ""
                        if stopped or diff <= -10:
                            comment = REVIEW_COMMENT_SERIOUS
                        elif diff < 0:
                            comment = REVIEW_COMMENT_BEHIND
                        accepted = working_moment(
                            (last + timedelta(days=rng.randint(1, 6))).date(), rng, last
                        )
                        step(
                            ReportState.SUBMITTED, ReportState.ACCEPTED, reviewer, accepted, comment
                        )
                        report.reviewer_comment = comment or report.reviewer_comment
                        report.reviewed_by, report.reviewed_at = reviewer, accepted
                        last, last_by = accepted, reviewer
                report._history_date = last
                report._history_user = last_by
                report._change_reason = "效能測試資料"
                reports.append(report)
                created.append(started)
        reports = bulk_create_with_history(reports, MonthlyReport, batch_size=BATCH)
        stamp(MonthlyReport, reports, "created_at", created)
        transitions = ReportTransition.objects.bulk_create(
            [
                ReportTransition(report=rep, from_state=f, to_state=t, by=by, comment=c)
                for rep, f, t, by, _at_, c in steps
            ],
            batch_size=BATCH,
        )
        stamp(ReportTransition, transitions, "at", [step[4] for step in steps])


def _progress_text(plan: Plan, report: Report) -> str:
    from projects.choices import ExecutionPhase
    from projects.demo.catalogue import WORK_ITEMS

    phase = report.phase
    if phase == ExecutionPhase.PLANNING:
        doing = "辦理規劃設計及用地取得作業"
    elif phase == ExecutionPhase.TENDERING:
        doing = "工程上網公告招標，辦理開標及決標作業"
    elif phase == ExecutionPhase.STOPPED:
        doing = "停工中，工區維持安全圍籬及排水設施，定期巡查"
    elif phase == ExecutionPhase.COMPLETION_REPORTED:
        doing = "承商已申報竣工，辦理竣工查驗"
    elif phase == ExecutionPhase.ACCEPTANCE:
        doing = "辦理驗收作業，驗收缺失改善中"
    elif phase == ExecutionPhase.SETTLEMENT:
        doing = "驗收合格，辦理結算及付款作業"
    else:
        items = WORK_ITEMS[plan.work]
        item = items[min(len(items) - 1, int(report.actual / 100 * len(items)))]
        doing = f"{'執行中' if plan.work == 'program' else '施工中'}，本月辦理{item}"
    diff = report.actual - report.planned
    return (
        f"{doing}。累計實際進度{report.actual}%，預定進度{report.planned}%，"
        f"差異{diff:+.2f}個百分點。"
    )
