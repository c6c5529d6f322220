"""A small city whose figures a briefing can be checked against: a few projects listed in known
years, petition cases in several channels, phone tests, audits, Government Service Award entries
and awards, all made through the apps' own services where they have one.

The briefing is built on ``TODAY`` (frozen by the tests), so its default span is 110–114
(2021–2025); one project listed in 108 lies outside it.
"""

from __future__ import annotations

from datetime import date, datetime

import time_machine

from tainan_rdec.workdays import TAIPEI

TODAY = datetime(2026, 1, 15, 10, 0, tzinfo=TAIPEI)
SPAN = (110, 114)
MAJOR = 120_000_000
MINOR = 30_000_000


def _at(year, month, day):
    return datetime(year, month, day, 10, 0, tzinfo=TAIPEI)


def _list(project, reviewer, day: datetime):
    """納入列管 on ``day``: the status log's date is the listing year."""
    from projects import services

    with time_machine.travel(day, tick=False):
        services.list_project(project, by=reviewer)


def build_projects(cast) -> dict:
    from projects.choices import ForwardCategory, ProjectKind
    from projects.models import PccFigure, PccImport
    from projects.models.pcc import PccOutcome
    from tests.projects.factories import filed_report, make_project

    reviewer = cast["reviewer"]
    a, b = cast["staff_a"].agency, cast["staff_b"].agency
    major = make_project(
        a, listed=False, start=date(2023, 1, 1), end=date(2026, 12, 31), budget=MAJOR
    )
    _list(major, reviewer, _at(2023, 3, 1))
    water = make_project(
        b,
        listed=False,
        start=date(2024, 1, 1),
        end=date(2026, 6, 30),
        budget=MINOR,
        kind=ProjectKind.FORWARD,
        forward_category=ForwardCategory.WATER,
    )
    _list(water, reviewer, _at(2024, 2, 1))
    digital = make_project(
        a,
        listed=False,
        start=date(2025, 1, 1),
        end=date(2026, 12, 31),
        budget=45_500_000,
        kind=ProjectKind.FORWARD,
        forward_category=ForwardCategory.DIGITAL,
        actual_completion=date(2025, 11, 30),
    )
    _list(digital, reviewer, _at(2025, 6, 1))
    # Listed in 108: counted on the dashboard, not among the span's listings.
    old = make_project(
        b, listed=False, start=date(2019, 1, 1), end=date(2026, 12, 31), budget=80_000_000
    )
    _list(old, reviewer, _at(2019, 5, 1))
    make_project(a, listed=False, start=date(2025, 6, 1), end=date(2026, 6, 30))  # a draft
    # December's reports: the water works on schedule, the major one seriously behind.
    report = filed_report(water, date(2025, 12, 1), 80)
    filed_report(major, date(2025, 12, 1), 5)
    batch = PccImport.objects.create(file_name="pcc.xlsx", sha256="1" * 64)
    for field in ("actual_percent", "paid"):
        PccFigure.objects.create(
            pcc_import=batch,
            project=water,
            report=report,
            tender_number="1130000001",
            field=field,
            pcc_value="80",
            outcome=PccOutcome.PREFILLED,
        )
    return {"major": major, "water": water, "digital": digital, "old": old}


def build_cases(cast) -> None:
    """Cases received in 112 and 113 by two agencies through four channels, closed on time but
    for one of 水利局's, closed late."""
    from petitions.choices import Channel
    from petitions.services import close_case, register_case
    from tests.petitions.builders import subcategory

    a, b = cast["staff_a"].agency, cast["staff_b"].agency
    number = iter(range(1, 100))
    plan = [
        (a, Channel.HOTLINE_1999, _at(2023, 3, 6), _at(2023, 3, 7)),
        (a, Channel.HOTLINE_1999, _at(2023, 3, 6), _at(2023, 3, 8)),
        (a, Channel.WEB, _at(2023, 7, 3), _at(2023, 7, 4)),
        (b, Channel.APP, _at(2023, 7, 3), _at(2023, 7, 28)),
        (b, Channel.MAYOR_MAILBOX, _at(2024, 5, 6), _at(2024, 5, 7)),
        (a, Channel.HOTLINE_1999, _at(2024, 9, 2), None),
    ]
    for agency, channel, received, closed in plan:
        case = register_case(
            case_number=f"BR{next(number):08d}",
            received_at=received,
            subcategory=subcategory("0501"),
            handling_agency=agency,
            channel=channel,
            description="路面坑洞",
        )
        if closed is not None:
            close_case(case, at=closed)


def build_service_quality(cast) -> None:
    from evaluations import coaching, evaluation
    from evaluations.choices import AwardCategory, CallRoute, CoachingStage, TargetBasis
    from evaluations.models import PhoneTest
    from tainan_rdec.choices import AgencyKind
    from tainan_rdec.models import Agency
    from tests.evaluations.conftest import make_audit, make_phone_test

    reviewer = cast["reviewer"]
    a, b = cast["staff_a"].agency, cast["staff_b"].agency
    hotline = Agency.objects.get(kind=AgencyKind.HOTLINE_1999)
    make_phone_test(reviewer, a, date(2024, 3, 26))
    # Another unit of the same agency: two units, one agency.
    second = make_phone_test(reviewer, a, date(2024, 3, 27))
    PhoneTest.objects.filter(pk=second.pk).update(unit="工程企劃科")
    make_phone_test(reviewer, b, date(2024, 4, 1), route=CallRoute.SWITCHBOARD)
    make_phone_test(reviewer, hotline, date(2024, 4, 2), route=CallRoute.HOTLINE)
    make_phone_test(reviewer, b, date(2025, 3, 26))
    district = Agency.objects.get(code="D01")
    evaluation.add_audit_target(2024, district, by=reviewer, basis=TargetBasis.DISTRICT_OFFICE)
    make_audit(reviewer, district, date(2024, 5, 7))
    make_audit(reviewer, a, date(2024, 6, 3), E3=0)
    make_audit(reviewer, b, date(2025, 5, 7))
    for i, agency in enumerate([a, b, district]):
        entry = coaching.create_coaching(
            by=reviewer,
            year=2023,
            agency=agency,
            category=AwardCategory.DIGITAL,
            title=f"數位服務第{i + 1}案",
            on_date=date(2023, 3, 1),
        )
        if i == 0:
            coaching.advance_coaching(
                entry, by=reviewer, to_stage=CoachingStage.RECOMMENDED, on_date=date(2023, 5, 1)
            )


def build_awards(cast) -> None:
    from awards.choices import AwardClass, AwardState
    from tests.awards.factories import make_award

    a, b = cast["staff_a"].agency, cast["staff_b"].agency
    make_award(a, roc_year=112, award_class=AwardClass.NATIONAL, is_top=True)
    make_award(b, roc_year=112, award_class=AwardClass.MERIT)
    make_award(a, roc_year=113, award_class=AwardClass.FIRST_PLACE, is_top=True)
    make_award(b, roc_year=113, award_class=AwardClass.OTHER, state=AwardState.REGISTERED)
    make_award(a, roc_year=108, award_class=AwardClass.OTHER)  # before the span


def build_city(cast) -> dict:
    with time_machine.travel(TODAY, tick=False):
        projects = build_projects(cast)
        build_cases(cast)
        build_service_quality(cast)
        build_awards(cast)
    return projects
