"""Writes the planned demo projects: the project rows with their tenders, allocations,
checkpoints, baselines and status changes, and the monthly reports through their review cycle,
with the timestamps of the story rather than of the seeding."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from projects import services
from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    FundingSource,
    MilestoneStatus,
    ProjectKind,
    ReportState,
    StatusField,
)
from projects.demo.catalogue import (
    DELISTING_REASON,
    DEMO_PASSWORD,
    GIVEN_NAMES,
    HELP_NEEDED,
    KNOWN_FILERS,
    LAG_REASONS,
    LISTING_REASON,
    MILESTONES,
    PHASE_REASONS,
    REMEDIES,
    REPORT_MONTHS,
    RETURN_COMMENT_LAG,
    RETURN_COMMENTS,
    SEED,
    STOP_REASONS,
    SURNAMES,
    SUSPEND_REASONS,
    TENDER_CODES,
    TENDERED_WORKS,
    TERMINATION_REASON,
    WORK_ITEMS,
)
from projects.demo.plans import (
    Plan,
    Spec,
    build_plan,
    catalogue_specs,
    first_of,
    judge_milestone,
    last_day,
    month_index,
)
from projects.models import (
    BudgetAllocation,
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    Project,
    ReportTransition,
    StatusChange,
    TenderNumber,
)
from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, District, User


class Seeder:
    def __init__(self, stdout, today: date):
        self.stdout = stdout
        self.today = today
        self.now = timezone.now()
        self.anchor = month_index(today) - 1
        self.rules = ControlSettings.get()
        self.master = random.Random(SEED)
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.districts = {d.name: d for d in District.objects.all()}
        self.reviewer = (
            User.objects.filter(username="reviewer").first()
            or User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk").first()
        )
        self.users: dict[str, tuple[User, User]] = {}
        self.reports: list[MonthlyReport] = []
        self.steps: list[tuple] = []  # (report, from, to, by, at, comment)
        self.changes: list[tuple[StatusChange, datetime]] = []
        self.report_dates: list[tuple[MonthlyReport, datetime]] = []
        self.created = 0

    # -- helpers

    def at(self, day: date, rng: random.Random, *, not_before: datetime | None = None):
        moment = timezone.make_aware(
            datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        )
        if not_before is not None and moment <= not_before:
            moment = not_before + timedelta(minutes=rng.randint(20, 180))
        return min(moment, self.now - timedelta(minutes=1))

    def filers(self, code: str) -> tuple[User, User]:
        """(filer, manager) of an agency: the seed_demo users, or ``<code>_staff/_manager``."""
        if code in self.users:
            return self.users[code]
        agency = self.agencies[code]
        names = KNOWN_FILERS.get(code, (f"{code.lower()}_staff", f"{code.lower()}_manager"))
        district_office = code.startswith("D")
        pair = []
        for position, (username, role) in enumerate(
            zip(names, (Role.BUREAU_STAFF, Role.BUREAU_MANAGER), strict=True)
        ):
            user = User.objects.filter(username=username).first()
            if user is None:
                seq = int(code[1:]) * 2 + position
                title = ("課員", "課長") if district_office else ("技士", "科長")
                user = User(
                    username=username,
                    last_name=SURNAMES[seq % len(SURNAMES)],
                    first_name=GIVEN_NAMES[seq % len(GIVEN_NAMES)],
                    title=title[position],
                    role=role,
                    agency=agency,
                    email=f"{username}@demo.tainan.gov.tw",
                    is_active=True,
                )
                user.password = self.password_hash
                user.save()
            pair.append(user)
        self.users[code] = (pair[0], pair[1])
        return self.users[code]

    @property
    def password_hash(self) -> str:
        if not hasattr(self, "_password_hash"):
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    # -- the run

    def run(self):
        specs = catalogue_specs()
        seeds = [self.master.getrandbits(32) for _ in specs]
        # Last month's state per catalogue row (used when the project reports that month).
        last_states = self.master.choices(
            ["accepted", "submitted", "returned", "draft", "missing"],
            weights=[22, 34, 14, 20, 10],
            k=len(specs),
        )
        plans = [
            build_plan(s, seed, self.anchor, self.today)
            for s, seed in zip(specs, seeds, strict=True)
        ]
        existing_numbers = set(Project.objects.values_list("control_number", flat=True))
        existing_names = set(Project.objects.values_list("name", flat=True))
        sequence: dict[str, int] = {}
        tender_sequence: dict[str, int] = {}
        for plan, last_state in zip(plans, last_states, strict=True):
            code = plan.spec.agency
            sequence[code] = sequence.get(code, 0) + 1
            tender_sequence.setdefault(code, 0)
            start = first_of(plan.start).replace(day=plan.start_day)
            number = f"{plan.added_on.year - 1911}-{code}-{sequence[code]:04d}"
            if number in existing_numbers or plan.spec.name in existing_names:
                continue
            if code not in self.agencies:
                continue
            self.create_project(plan, number, start, last_state, tender_sequence)
            self.created += 1
        self.flush()

    def create_project(self, plan: Plan, number: str, start: date, last_state, tender_sequence):
        spec, rng = plan.spec, plan.rng
        staff, manager = self.filers(spec.agency)
        completion = last_day(plan.end)
        status = {
            "new": ControlStatus.NEW,
            "suspended": ControlStatus.SUSPENDED,
            "delisted": ControlStatus.DELISTED,
        }.get(spec.scenario, ControlStatus.LISTED)
        phase = plan.phases.get(plan.last_month, ExecutionPhase.PLANNING)
        funding = {
            ProjectKind.FORWARD: FundingSource.FORWARD_BUDGET,
            ProjectKind.GENERAL_SUBSIDY: FundingSource.GENERAL_SUBSIDY,
        }.get(spec.kind)
        if funding is None:
            funding = rng.choice(
                [
                    FundingSource.MIXED,
                    FundingSource.MIXED,
                    FundingSource.CENTRAL,
                    FundingSource.CITY,
                ]
                if spec.kind == ProjectKind.MAJOR
                else [FundingSource.CITY, FundingSource.CITY, FundingSource.MIXED]
            )
        stop_reason = ""
        resumption = None
        if spec.scenario == "stopped":
            stop_reason = STOP_REASONS.get(spec.work, STOP_REASONS["building"])
            resumption = self.today + timedelta(days=rng.randint(30, 100))
        elif spec.scenario == "terminated":
            stop_reason = TERMINATION_REASON
        project = Project.objects.create(
            control_number=number,
            name=spec.name,
            host_agency=self.agencies[spec.agency],
            kind=spec.kind,
            forward_category=spec.category,
            total_budget=spec.budget,
            funding_source=funding,
            summary=self.summary(spec),
            planned_start=start,
            planned_completion=completion,
            actual_completion=plan.actual_completion,
            phase=phase,
            control_status=status,
            in_annual_evaluation=not (spec.kind == ProjectKind.KEY_BUSINESS and rng.random() < 0.4),
            stop_reason=stop_reason,
            planned_resumption=resumption,
            created_by=staff,
        )
        Project.objects.filter(pk=project.pk).update(created_at=self.at(plan.added_on, rng))
        listed_at = self.at(plan.added_on + timedelta(days=rng.randint(7, 20)), rng)
        if spec.districts:
            project.districts.set([self.districts[name] for name in spec.districts])
        if spec.co_agencies:
            project.co_agencies.set([self.agencies[c] for c in spec.co_agencies])
        self.add_tenders(project, plan, tender_sequence)
        self.add_allocations(project, plan)
        self.add_milestones(project, plan)
        self.add_baselines(project, plan, staff, listed_at)
        self.add_status_changes(project, plan, manager, listed_at)
        self.add_reports(project, plan, staff, manager, last_state)

    def summary(self, spec: Spec) -> str:
        place = "、".join(spec.districts) or "全市"
        items = "、".join(WORK_ITEMS[spec.work][:3])
        return f"辦理{spec.name}，範圍位於{place}，主要工作項目包括{items}等。"

    def add_tenders(self, project, plan: Plan, tender_sequence):
        spec, rng = plan.spec, plan.rng
        if spec.work not in TENDERED_WORKS or (
            spec.kind != ProjectKind.MAJOR and rng.random() < 0.3
        ):
            return
        code = TENDER_CODES.get(spec.agency, spec.agency)
        awards = [(plan.start + max(0, round(plan.curve.n * 0.15) - 1), "")]
        if spec.scenario == "terminated":
            awards.append((plan.stop_month + 1, "（重新招標）"))
        rows = []
        for month, suffix in awards:
            day = first_of(month).replace(day=rng.randint(1, 28))
            if day >= self.today:
                continue
            tender_sequence[spec.agency] += 1
            rows.append(
                TenderNumber(
                    project=project,
                    number=f"{day.year - 1911}{day:%m%d}-{code}-{tender_sequence[spec.agency]:02d}",
                    title=spec.name + suffix,
                )
            )
        TenderNumber.objects.bulk_create(rows)

    def add_allocations(self, project, plan: Plan):
        curve, totals = plan.curve, {}
        for i, amount in enumerate(curve.allocations):
            totals[first_of(curve.start + i).year] = amount  # cumulative at the year's last month
        rows, before = [], 0
        for year in sorted(totals):
            if totals[year] > before:  # no row for a year with nothing left to allocate
                amount = totals[year] - before
                rows.append(BudgetAllocation(project=project, year=year, amount=amount))
            before = totals[year]
        BudgetAllocation.objects.bulk_create(rows)

    def add_milestones(self, project, plan: Plan):
        spec, rng = plan.spec, plan.rng
        template = list(MILESTONES[spec.family])
        if len(template) > 3 and rng.random() < 0.4:
            del template[rng.randrange(1, len(template) - 1)]
        if spec.kind == ProjectKind.GENERAL_SUBSIDY and len(template) > 2 and rng.random() < 0.5:
            template = [template[1], template[-1]]
        overdue_left = spec.scenario == "serious" and spec.number % 3 == 1
        rows = []
        for position, (name, share) in enumerate(reversed(template)):
            month = plan.start + max(0, math.ceil(share * plan.curve.n) - 1)
            is_final = position == 0
            planned = last_day(month) if is_final else first_of(month).replace(day=15)
            milestone = Milestone(project=project, name=name, planned_date=planned)
            if spec.scenario in {"delisted", "finishing"} and planned < self.today:
                milestone.status = MilestoneStatus.MET
                milestone.actual_date = (
                    plan.actual_completion
                    if is_final
                    else planned - timedelta(days=rng.randint(0, 20))
                )
            elif (
                planned >= self.today
                or spec.scenario == "new"
                or (spec.scenario == "suspended" and month > plan.last_month)
            ):
                milestone.status = MilestoneStatus.SCHEDULED
            else:
                month = min(month, plan.last_month)  # due this month: judged on last month
                diff = plan.actual[month] - plan.curve.at(month)[0]
                stopped = plan.stop_month is not None and month >= plan.stop_month
                if overdue_left:
                    # The most recent checkpoint the bureau has not reported on yet.
                    overdue_left = False
                    milestone.status = MilestoneStatus.SCHEDULED
                else:
                    judge_milestone(milestone, diff, stopped=stopped, rng=rng)
            rows.append(milestone)
        Milestone.objects.bulk_create(reversed(rows))

    def add_baselines(self, project, plan: Plan, staff, listed_at):
        if plan.first_curve is not None:
            first = services.create_baseline(project, plan.first_curve.points(), by=staff)
            PlanBaseline.objects.filter(pk=first.pk).update(created_at=listed_at)
            plan.first_baseline = first
            second = services.create_baseline(
                project, plan.curve.points(), by=staff, reason=plan.replan_reason
            )
            replanned_at = self.at(first_of(plan.replan_month), plan.rng)
            PlanBaseline.objects.filter(pk=second.pk).update(created_at=replanned_at)
            plan.baseline = second
        else:
            plan.baseline = services.create_baseline(project, plan.curve.points(), by=staff)
            PlanBaseline.objects.filter(pk=plan.baseline.pk).update(created_at=listed_at)
            plan.first_baseline = plan.baseline

    def change(self, project, field_name, old, new, reason, by, moment):
        row = StatusChange(
            project=project, field=field_name, old_value=old, new_value=new, reason=reason, by=by
        )
        self.changes.append((row, moment))

    def add_status_changes(self, project, plan: Plan, manager, listed_at):
        spec, rng = plan.spec, plan.rng
        reviewer = self.reviewer
        control = StatusField.CONTROL_STATUS
        if spec.scenario == "new":
            return
        self.change(
            project,
            control,
            ControlStatus.NEW,
            ControlStatus.LISTED,
            LISTING_REASON,
            reviewer,
            listed_at,
        )
        if plan.resume_window is not None:
            first, last = plan.resume_window
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.SUSPENDED,
                "中央補助款尚未核定，暫緩列管。",
                reviewer,
                self.at(first_of(first).replace(day=3), rng),
            )
            self.change(
                project,
                control,
                ControlStatus.SUSPENDED,
                ControlStatus.LISTED,
                "中央補助款已核定，恢復列管。",
                reviewer,
                self.at(first_of(last + 1).replace(day=2), rng),
            )
        if plan.suspend_month is not None:
            reason = SUSPEND_REASONS[spec.number % len(SUSPEND_REASONS)]
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.SUSPENDED,
                reason,
                reviewer,
                self.at(first_of(plan.suspend_month).replace(day=rng.randint(5, 25)), rng),
            )
        # Execution phase, as the bureau recorded it.
        previous = ExecutionPhase.PLANNING
        for month in range(plan.start, plan.last_month + 1):
            phase = plan.phases[month]
            if phase == previous:
                continue
            if phase in {ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED}:
                reason = project.stop_reason
            elif spec.work in {"program", "study", "system"} and phase == "construction":
                reason = "完成採購程序，開始執行。"
            else:
                reason = PHASE_REASONS.get(phase, "")
            self.change(
                project,
                StatusField.PHASE,
                previous,
                phase,
                reason,
                manager,
                self.at(first_of(month).replace(day=rng.randint(3, 26)), rng),
            )
            previous = phase
        if plan.delist_month is not None:
            moment = self.at(first_of(plan.delist_month).replace(day=rng.randint(5, 20)), rng)
            if previous != ExecutionPhase.CLOSED:
                self.change(
                    project,
                    StatusField.PHASE,
                    previous,
                    ExecutionPhase.CLOSED,
                    PHASE_REASONS[ExecutionPhase.CLOSED],
                    manager,
                    moment - timedelta(days=2),
                )
                Project.objects.filter(pk=project.pk).update(phase=ExecutionPhase.CLOSED)
            self.change(
                project,
                control,
                ControlStatus.LISTED,
                ControlStatus.DELISTED,
                DELISTING_REASON,
                reviewer,
                moment,
            )

    # -- reports

    def add_reports(self, project, plan: Plan, staff, manager, last_state):
        spec, rng = plan.spec, plan.rng
        first = max(plan.start, self.anchor - REPORT_MONTHS + 1)
        months = list(range(first, plan.last_month + 1))
        if plan.resume_window is not None:
            months = [m for m in months if not plan.resume_window[0] <= m <= plan.resume_window[1]]
        # A month or two never filed (the last three months always are, for the lag status).
        if len(months) > 8 and rng.random() < 0.12:
            months.remove(rng.choice(months[1:-3]))
        late_share = 0.25 if rng.random() < 0.15 else 0.04
        rate = rng.uniform(0.86, 0.99)
        if spec.scenario in {"stopped", "terminated"} or (
            spec.scenario == "serious" and spec.number % 2 == 0
        ):
            rate = rng.uniform(0.58, 0.78)
        paid_share = rng.uniform(0.82, 0.95)
        award_month = plan.start + max(0, round(plan.curve.n * 0.2) - 1)
        savings_share = rng.uniform(0.01, 0.06) if spec.work in TENDERED_WORKS else 0.0
        reasons = LAG_REASONS[spec.reason_family]
        remedies = REMEDIES[spec.reason_family]
        reason_pick = rng.randrange(len(reasons))
        paid_before = 0
        for month in months:
            state = "accepted" if month < self.anchor else last_state
            if state == "missing":
                continue
            planned, allocated, original = plan.planned(month)
            actual = plan.actual[month]
            diff = actual - planned
            phase = plan.phases[month]
            stopped = phase in {ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED}
            # Money: 實支 + 應付未付 + 節餘 never above the allocation to date.
            if plan.actual_completion is not None and month >= month_index(plan.actual_completion):
                share = rng.uniform(0.985, 1.0)
            else:
                share = min(1.0, rate + rng.uniform(-0.02, 0.02))
            spent = int(allocated * share)
            savings = int(allocated * savings_share) if month >= award_month else 0
            savings = min(savings, spent)
            paid = min(spent - savings, max(paid_before, int((spent - savings) * paid_share)))
            if plan.actual_completion is not None and month > month_index(plan.actual_completion):
                paid = spent - savings - int((spent - savings) * rng.uniform(0.0, 0.02))
            paid_before = paid
            report = MonthlyReport(
                project=project,
                period=first_of(month),
                baseline=plan.first_baseline if original else plan.baseline,
                planned_percent=planned,
                actual_percent=actual,
                allocated_to_date=allocated,
                paid=paid,
                payable_unpaid=spent - savings - paid,
                savings=savings,
                progress_text=self.progress_text(plan, month, actual, planned),
                created_by=staff,
            )
            if diff < 0 or stopped:
                if stopped:
                    report.lag_reasons = project.stop_reason
                else:
                    report.lag_reasons = reasons[reason_pick]
                    if diff <= -5 and len(reasons) > 1:
                        report.lag_reasons += reasons[(reason_pick + 1) % len(reasons)]
                report.remedies = remedies[(reason_pick + month) % len(remedies)]
                if diff <= -10 or stopped:
                    report.help_needed = HELP_NEEDED[spec.number % len(HELP_NEEDED)]
            self.add_review(report, plan, month, state, staff, manager, diff, stopped, late_share)

    def progress_text(self, plan: Plan, month: int, actual: Decimal, planned: Decimal) -> str:
        spec = plan.spec
        phase = plan.phases[month]
        items = WORK_ITEMS[spec.work]
        if phase == ExecutionPhase.PLANNING:
            doing = {
                "program": "辦理年度執行計畫研擬及核定作業",
                "study": "辦理委託服務招標文件研擬",
                "system": "辦理系統需求訪談及規格研擬",
            }.get(spec.work, "辦理規劃設計及用地取得作業")
        elif phase == ExecutionPhase.TENDERING:
            doing = (
                "辦理委託服務評選及議價作業"
                if spec.work in {"study", "system"}
                else "工程上網公告招標，辦理開標及決標作業"
            )
        elif phase == ExecutionPhase.STOPPED:
            doing = "停工中，" + plan.spec.name + "工區維持安全圍籬及排水設施，定期巡查"
        elif phase == ExecutionPhase.TERMINATED:
            doing = "已終止契約，辦理已完成部分結算及重新招標作業"
        elif phase == ExecutionPhase.COMPLETION_REPORTED:
            doing = "承商已申報竣工，辦理竣工查驗"
        elif phase == ExecutionPhase.ACCEPTANCE:
            doing = "辦理驗收作業，驗收缺失改善中"
        elif phase in {ExecutionPhase.SETTLEMENT, ExecutionPhase.CLOSED}:
            doing = "驗收合格，辦理結算及付款作業"
        else:
            item = items[min(len(items) - 1, int(actual / 100 * len(items)))]
            verb = "執行中" if spec.work == "program" else "施工中"
            doing = f"{verb}，本月辦理{item}"
        diff = actual - planned
        return f"{doing}。累計實際進度{actual}%，預定進度{planned}%，差異{diff:+.2f}個百分點。"

    def add_review(self, report, plan: Plan, month, state, staff, manager, diff, stopped, late):
        rng = plan.rng
        reviewer = self.reviewer
        following = first_of(month + 1)
        deadline = self.rules.filing_deadline(report.period)
        created = self.at(following.replace(day=rng.randint(1, 4)), rng)
        steps = []
        if state == "draft":
            report.state = ReportState.DRAFT
            self.finish_report(report, created, created, staff, steps)
            return
        is_late = rng.random() < late
        day = rng.randint(deadline.day + 1, 25) if is_late else rng.randint(2, deadline.day)
        submitted = self.at(following.replace(day=day), rng, not_before=created)
        report.is_late = timezone.localdate(submitted) > deadline
        report.submitted_by, report.submitted_at = manager, submitted
        steps.append((ReportState.DRAFT, ReportState.SUBMITTED, manager, submitted, ""))
        returned_once = state == "returned" or (state == "accepted" and rng.random() < 0.06)
        last = submitted
        if returned_once:
            comment = RETURN_COMMENTS[(plan.spec.number + month) % len(RETURN_COMMENTS)]
            if diff < 0 and rng.random() < 0.6:
                comment = RETURN_COMMENT_LAG
            returned = self.at(
                (submitted + timedelta(days=rng.randint(1, 3))).date(), rng, not_before=submitted
            )
            steps.append((ReportState.SUBMITTED, ReportState.RETURNED, reviewer, returned, comment))
            report.return_count = 1
            report.reviewer_comment = comment
            report.reviewed_by, report.reviewed_at = reviewer, returned
            last = returned
            if state == "accepted":
                again = self.at(
                    (returned + timedelta(days=rng.randint(1, 4))).date(), rng, not_before=returned
                )
                steps.append((ReportState.RETURNED, ReportState.SUBMITTED, manager, again, ""))
                report.submitted_at = last = again
        if state == "accepted":
            if stopped or diff <= -10:
                comment = (
                    "本案進度嚴重落後或停工，列入本月重大建設暨基本設施檢討會議追蹤，"
                    "請於會中報告趕工計畫。"
                )
            elif diff < 0:
                comment = "請依解決對策確實趕工，並於下月填報改善情形。"
            else:
                comment = "進度符合預定，請持續辦理。" if rng.random() < 0.3 else ""
            accepted = self.at(
                (last + timedelta(days=rng.randint(1, 6))).date(), rng, not_before=last
            )
            steps.append((ReportState.SUBMITTED, ReportState.ACCEPTED, reviewer, accepted, comment))
            report.reviewer_comment = comment or report.reviewer_comment
            report.reviewed_by, report.reviewed_at = reviewer, accepted
            report.state = ReportState.ACCEPTED
            last = accepted
        elif state == "returned":
            report.state = ReportState.RETURNED
        else:
            report.state = ReportState.SUBMITTED
        self.finish_report(report, created, last, steps[-1][2], steps)

    def finish_report(self, report, created, last, last_by, steps):
        report._history_date = last
        report._history_user = last_by
        report._change_reason = "示範資料"
        self.reports.append(report)
        self.report_dates.append((report, created))
        for from_state, to_state, by, moment, comment in steps:
            self.steps.append((report, from_state, to_state, by, moment, comment))

    def flush(self):
        """Write the rows collected for every new project in a few bulk statements."""
        if self.reports:
            bulk_create_with_history(self.reports, MonthlyReport, batch_size=500)
            for report, created in self.report_dates:
                report.created_at = created
            MonthlyReport.objects.bulk_update(self.reports, ["created_at"], batch_size=500)
        transitions = [
            ReportTransition(report=r, from_state=f, to_state=t, by=by, comment=c)
            for r, f, t, by, _at, c in self.steps
        ]
        ReportTransition.objects.bulk_create(transitions, batch_size=500)
        for row, step in zip(transitions, self.steps, strict=True):
            row.at = step[4]
        ReportTransition.objects.bulk_update(transitions, ["at"], batch_size=500)
        changes = [row for row, _moment in self.changes]
        StatusChange.objects.bulk_create(changes, batch_size=500)
        for row, moment in self.changes:
            row.at = moment
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)
