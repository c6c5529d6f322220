"""Builders for the service-quality tests: tests, audits and petition cases made through the
real services, and the rubrics of a year."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

import pytest

from evaluations import rubrics, services
from evaluations.choices import CallRoute, RubricKind
from tainan_rdec.workdays import TAIPEI

_cases = count(1)


def full_points(rubric, route=None, **overrides) -> dict[str, Decimal]:
    """Every applicable item at its maximum, except the codes given."""
    groups = services.applicable_groups(rubric.kind, route)
    points = {i.code: i.max_points for i in rubric.items.all() if i.group in groups}
    points.update({code: Decimal(str(v)) for code, v in overrides.items()})
    return points


def make_phone_test(by, agency, day: date, *, route=CallRoute.DIRECT, **overrides):
    rubric = rubrics.rubric_for(RubricKind.PHONE, day.year)
    return services.record_phone_test(
        by=by,
        rubric=rubric,
        points=full_points(rubric, route, **overrides),
        agency=agency,
        unit="養護工程科",
        route=route,
        phone_number="06-2991111",
        extension="8123",
        tested_on=day,
        tested_at=time(10, 30),
        tester="陳專員",
        rings=3,
    )


def make_audit(by, agency, day: date, **overrides):
    rubric = rubrics.rubric_for(RubricKind.AUDIT, day.year)
    return services.record_audit(
        by=by,
        rubric=rubric,
        points=full_points(rubric, **overrides),
        agency=agency,
        counter="服務櫃台",
        visited_on=day,
        auditor="神秘客A",
        findings="雙語標示不足",
    )


def make_petition(agency, received: datetime, *, closed: datetime | None = None):
    """A 路面坑洞 case (limit 3 working days) registered and, if ``closed``, closed through the
    petitions services so that the daily statistics follow."""
    from petitions.services import close_case, register_case
    from tests.petitions.builders import subcategory

    case = register_case(
        case_number=f"EV{next(_cases):08d}",
        received_at=received,
        subcategory=subcategory("0501"),
        handling_agency=agency,
        channel="hotline",
        description="路面坑洞",
    )
    if closed is not None:
        close_case(case, at=closed)
    return case


def taipei(*args) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


@pytest.fixture
def reviewer(cast):
    return cast["reviewer"]


@pytest.fixture
def district_office(city_agencies):
    from tainan_rdec.models import Agency

    return Agency.objects.get(code="D01")
