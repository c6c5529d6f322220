"""The follow-up of the projects part: a monthly review meeting every month with the seriously
behind and stopped projects on its agenda (as ``followup.propose_agenda`` picks them), a quarterly
promotion meeting every quarter, two site visits a month, directives from both with the agencies'
answers (the older ones closed), and a PCC tender-system import every month (the list only; no
figures). Written in bulk with the timestamps of the day they happened."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from projects.demo.plans import first_of, month_index
from tests.perf.fiveyear import TODAY, stamp
from tests.perf.fiveyear.project_plan import BATCH, FIRST, LAST, SEED, working_moment

DIRECTIVE_TEXTS = [
    "請{agency}檢討落後原因，提出具體趕工計畫，並於下次會議報告。",
    "請{agency}督促承商增派人力機具，於一個月內追回進度。",
    "請{agency}儘速完成變更設計報核，並說明對完工期程之影響。",
    "請{agency}協調管線單位加速遷移作業，並每月回報辦理情形。",
]
ANSWERS = [
    "已召開趕工協調會，承商提出增派人力及夜間施工之趕工計畫。",
    "變更設計書圖已送監造單位審查，預計下月報府核定。",
    "已函請管線單位於下月底前完成遷移，並列入每週工務會議追蹤。",
]
VISIT_FINDINGS = "一、工區圍籬及警示設施完整。\n二、主要工項施作中，進度與填報相符。"


class FollowupWriter:
    def __init__(self, plans, agencies, cast):
        self.plans = plans
        self.agencies = agencies
        self.cast = cast
        self.counts = {}

    def run(self, projects) -> str:
        self.followup(projects)
        self.pcc_imports()
        return (
            f"{self.counts['meetings']} meetings, {self.counts['directives']:,} directives "
            f"({self.counts['open']} open)"
        )

    def followup(self, projects):
        from simple_history.utils import bulk_create_with_history

        from projects.choices import AgendaReason, DirectiveStatus, MeetingKind
        from projects.followup import default_meeting_title
        from projects.models import (
            AgendaItem,
            Directive,
            DirectiveResponse,
            ReviewMeeting,
            SiteVisit,
        )

        rng = random.Random(f"{SEED}:followup")
        reviewer = self.cast.reviewer
        meetings, items, directives, answers = [], [], [], []
        for month in range(month_index(FIRST), month_index(LAST) + 1):
            day = _weekday_before(first_of(month).replace(day=20))
            quarterly = first_of(month).month % 3 == 0
            kinds = [MeetingKind.MONTHLY] + ([MeetingKind.QUARTERLY] if quarterly else [])
            agenda = self.seriously_behind(projects, month - 1)
            for kind in kinds:
                when = day if kind == MeetingKind.MONTHLY else _weekday_before(day.replace(day=27))
                if when > TODAY:
                    continue
                title = default_meeting_title(kind, when)
                if kind == MeetingKind.QUARTERLY:
                    q = (first_of(month).month - 1) // 3 + 1
                    title = f"{when.year - 1911}年第{q}季重大公共建設推動會報"
                meeting = ReviewMeeting(
                    kind=kind,
                    date=when,
                    title=title,
                    chair="研考會主任委員" if kind == MeetingKind.MONTHLY else "副市長",
                    minutes="各機關就列管案件執行情形提出報告，決議事項列入管制追蹤。"
                    if when < TODAY
                    else "",
                    created_by=reviewer,
                )
                meeting._created = working_moment(when - timedelta(days=10), rng)
                meetings.append(meeting)
                for order, (project, _plan, reason, note) in enumerate(agenda):
                    if kind == MeetingKind.QUARTERLY:
                        reason, note = AgendaReason.MANUAL, ""
                    items.append((meeting, project, reason, note, order))
                for project, plan, _reason, _note in agenda[:3]:
                    directives.append(self.directive(rng, project, plan, when, meeting=meeting))
        meetings = ReviewMeeting.objects.bulk_create(meetings, batch_size=BATCH)
        stamp(ReviewMeeting, meetings, "created_at", [m._created for m in meetings])
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(meeting=m, project=p, reason=reason, note=note, order=order)
                for m, p, reason, note, order in items
            ],
            batch_size=BATCH,
        )
        visits = []
        listed = [(p, plan) for p, plan in zip(projects, self.plans, strict=True)]
        for month in range(month_index(FIRST), month_index(LAST) + 1):
            running = [(p, plan) for p, plan in listed if plan.start <= month <= plan.last_month]
            for _n in range(2 if running else 0):
                project, plan = rng.choice(running)
                day = first_of(month).replace(day=rng.randint(3, 26))
                if day >= TODAY:
                    continue
                visit = SiteVisit(
                    project=project,
                    date=day,
                    participants=f"研考會管考科張研究員、{self.agencies[plan.agency].name}承辦科長",
                    findings=VISIT_FINDINGS,
                    created_by=reviewer,
                )
                visit._created = working_moment(day, rng)
                visits.append((visit, plan))
        SiteVisit.objects.bulk_create([v for v, _p in visits], batch_size=BATCH)
        stamp(SiteVisit, [v for v, _p in visits], "created_at", [v._created for v, _p in visits])
        for visit, plan in visits:
            directives.append(self.directive(rng, visit.project, plan, visit.date, visit=visit))
        rows = [d for d, _answers in directives]
        rows = bulk_create_with_history(rows, Directive, batch_size=BATCH)
        stamp(Directive, rows, "raised_at", [d._raised for d in rows])
        for directive, texts in directives:
            for text, moment in texts:
                by = self.cast.staff[directive._agency]
                answers.append((DirectiveResponse(directive=directive, text=text, by=by), moment))
        responses = DirectiveResponse.objects.bulk_create(
            [a for a, _m in answers], batch_size=BATCH
        )
        stamp(DirectiveResponse, responses, "at", [m for _a, m in answers])
        self.counts = {
            "meetings": len(meetings),
            "directives": len(rows),
            "open": sum(1 for d in rows if d.status == DirectiveStatus.OPEN),
        }

    def seriously_behind(self, projects, month: int):
        """(project, plan, reason, note) of the listed projects a monthly meeting takes up:
        stopped, or seriously behind in ``month``'s report, worst first."""
        from projects.choices import AgendaReason

        rows = []
        for project, plan in zip(projects, self.plans, strict=True):
            if not plan.start <= month <= plan.last_month or (
                plan.delist_month is not None and (month >= plan.delist_month)
            ):
                continue
            diff = plan.actual[month] - plan.planned(month)[0]
            if plan.stop_month is not None and month >= plan.stop_month:
                rows.append(
                    (Decimal(-1000), project, plan, AgendaReason.STOPPED, project.stop_reason)
                )
            elif diff <= -10:
                note = (
                    f"{first_of(month).year - 1911}年{first_of(month).month}月實際進度"
                    f"{plan.actual[month]}%，預定進度{plan.planned(month)[0]}%，"
                    f"落後{-diff}個百分點。"
                )
                rows.append((diff, project, plan, AgendaReason.SERIOUSLY_BEHIND, note))
        rows.sort(key=lambda row: (row[0], row[1].control_number))
        return [row[1:] for row in rows]

    def directive(self, rng, project, plan, day: date, *, meeting=None, visit=None):
        """A directive raised on ``day`` and the agency's answers to it: (directive, answers)."""
        from projects.choices import DirectiveStatus
        from projects.models import Directive

        agency = self.agencies[plan.agency]
        due = day + timedelta(days=30)
        directive = Directive(
            project=project,
            meeting=meeting,
            site_visit=visit,
            text=rng.choice(DIRECTIVE_TEXTS).format(agency=agency.short_name or agency.name),
            responsible_agency=agency,
            due_date=due,
            raised_by=self.cast.reviewer,
        )
        directive._agency = plan.agency
        directive._raised = working_moment(day, rng)
        texts = []
        if due < TODAY or rng.random() < 0.5:
            answered = working_moment(
                day + timedelta(days=rng.randint(5, 25)), rng, directive._raised
            )
            texts.append((rng.choice(ANSWERS), answered))
            if due < TODAY - timedelta(days=30) and rng.random() < 0.85:
                directive.status = DirectiveStatus.CLOSED
                directive.closed_by = self.cast.reviewer
                directive.closed_at = working_moment(
                    answered.date() + timedelta(days=5), rng, answered
                )
                directive.closing_note = "已提出具體改善作為，解除追蹤。"
        directive._history_date = directive._raised
        return directive, texts

    def pcc_imports(self):
        from projects.models import PccImport

        rng = random.Random(f"{SEED}:pcc")
        rows = []
        for month in range(month_index(FIRST), month_index(LAST)):
            following = first_of(month + 1)
            total = rng.randint(280, 420)
            rows.append(
                PccImport(
                    file_name=f"工程會標案管理系統匯出_{following.year - 1911}{following:%m}.xlsx",
                    sha256=f"{month:064x}",
                    imported_by=self.cast.admin,
                    rows=total,
                    matched_rows=total - rng.randint(5, 30),
                )
            )
        rows = PccImport.objects.bulk_create(rows)
        stamp(
            PccImport,
            rows,
            "imported_at",
            [
                working_moment(first_of(month_index(FIRST) + i + 1).replace(day=6), rng)
                for i in range(len(rows))
            ],
        )


def _weekday_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
