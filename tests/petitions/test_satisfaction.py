"""Satisfaction (滿意度, 1–5, 5 = 非常滿意): the number answered, the mean and the share satisfied
(rated 4 or 5), by agency and category, kept in the rollups and shown on the dashboard and on
the agency view (待辦案件)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from petitions import stats
from petitions.models import DailyRollup, MonthlyRollup, YearlyRollup
from petitions.rollups import direct_stats, rebuild_rollups, rollup_table
from petitions.services import close_case
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db

NOW = taipei("2024-06-03 10:00")
MARCH_TO_JUNE = {"start": "113.3", "end": "113.6"}


@pytest.fixture
def rated(make_case, agency_a, agency_b):
    """工務局 closes four 道路維修 cases rated 5, 4, 2 and one unrated, and one 動物救援 case
    rated 1; 水利局 closes two 動物救援 cases rated 5 and 4 (all in March 113)."""
    for score in (5, 4, 2, None):
        close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-05 10:00"), satisfaction=score)
    close_case(
        make_case("2024-03-04 09:00", code="0901"), at=taipei("2024-03-05 10:00"), satisfaction=1
    )
    for score in (5, 4):
        close_case(
            make_case("2024-03-04 09:00", code="0901", agency=agency_b),
            at=taipei("2024-03-05 10:00"),
            satisfaction=score,
        )


def _by(dimension, **kwargs):
    with time_machine.travel(NOW, tick=False):
        rows = stats.timeliness_by(
            dimension, start=taipei("2024-03-01 00:00").date(), end=NOW.date(), **kwargs
        )
    return {row.label: row for row in rows}


def test_satisfied_means_rated_four_or_five_and_unrated_cases_do_not_count(rated, agency_a):
    works = _by("agency")[agency_a.name]

    assert works.satisfaction_count == 4  # the unrated case is not an answer
    assert works.satisfaction_satisfied == 2  # 5 and 4
    assert works.mean_satisfaction == Decimal("3.00")  # (5 + 4 + 2 + 1) ÷ 4
    assert works.satisfied_pct == Decimal("50.0")


def test_satisfaction_by_category_within_one_agency(rated, agency_a):
    rows = _by("category", agency_ids=[agency_a.pk])

    assert (rows["道路維修"].satisfaction_count, rows["道路維修"].satisfied_pct) == (
        3,
        Decimal("66.7"),
    )
    assert (rows["動物救援"].satisfaction_count, rows["動物救援"].satisfied_pct) == (1, Decimal(0))


def test_the_rebuilt_rollups_count_the_satisfied_as_the_services_did(rated):
    kept = rollup_table()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    YearlyRollup.objects.all().delete()

    rebuild_rollups()

    assert rollup_table() == kept == direct_stats()
    city_march = [
        figures
        for (grain, _period, dimension, agency_key, _value), figures in kept.items()
        if (grain, dimension, agency_key) == ("month", "total", 0)
    ]
    assert [(f["satisfaction_count"], f["satisfaction_satisfied"]) for f in city_march] == [(6, 4)]


def test_dashboard_shows_satisfaction_by_category_and_agency(client_as, rated, agency_a, agency_b):
    with time_machine.travel(NOW, tick=False):
        response = client_as("reviewer").get("/petitions/dashboard/", MARCH_TO_JUNE)

    body = response.content.decode()
    tables = response.context["satisfaction"]
    assert [(r.label, r.satisfaction_count) for r in tables["categories"]] == [
        ("道路維修", 3),
        ("動物救援", 3),
    ]
    assert [(r.key, r.satisfied_pct) for r in tables["agencies"]] == [
        (agency_a.pk, Decimal("50.0")),
        (agency_b.pk, Decimal("100.0")),
    ]
    total = tables["total"]
    assert (total.satisfaction_count, total.mean_satisfaction, total.satisfied_pct) == (
        6,
        Decimal("3.50"),
        Decimal("66.7"),
    )
    assert "各案件類別滿意度" in body and "各機關滿意度" in body
    assert "滿意比率（4–5分）" in body
    assert ">66.7<" in body and ">3.50<" in body  # the header says （%）


def test_dashboard_says_when_nobody_answered(client_as, make_case):
    close_case(make_case("2024-03-04 09:00"), at=taipei("2024-03-05 10:00"))

    with time_machine.travel(NOW, tick=False):
        body = client_as("reviewer").get("/petitions/dashboard/", MARCH_TO_JUNE).content.decode()

    assert "期間內沒有回答滿意度的案件。" in body


def test_agency_view_shows_the_agencys_own_satisfaction_only(client_as, rated, agency_a):
    with time_machine.travel(NOW, tick=False):
        response = client_as("staff_a").get("/petitions/mine/")

    body = response.content.decode()
    assert f"{agency_a.name}滿意度" in body
    total = response.context["satisfaction"]["total"]
    # 工務局's four answers, never 水利局's two.
    assert (total.satisfaction_count, total.satisfied_pct) == (4, Decimal("50.0"))
    assert "satisfaction-by-agency" not in body


def test_reviewer_sees_the_citys_or_the_picked_agencys_satisfaction(client_as, rated, agency_b):
    client = client_as("reviewer")
    with time_machine.travel(NOW, tick=False):
        city = client.get("/petitions/mine/")
        water = client.get("/petitions/mine/", {"agency": agency_b.pk})

    assert "全市滿意度" in city.content.decode()
    assert city.context["satisfaction"]["total"].satisfaction_count == 6
    assert f"{agency_b.name}滿意度" in water.content.decode()
    assert water.context["satisfaction"]["total"].satisfaction_count == 2
