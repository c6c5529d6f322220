"""The reviewers' overview dashboard (列管總覽) and the early-warning page on a known data set.

On 113.6.20 bureaus are filing June (May's deadline, 113.6.11, has passed: 6.10 is 端午), so the
compliance table shows June in progress and May closed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    LagStatus,
    MilestoneStatus,
    ProjectKind,
    ReportState,
)
from projects.dashboard import build_dashboard
from projects.models import Milestone, Project
from tainan_rdec.models import District
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

NOW = "2024-06-20 10:00 +0800"
TODAY = date(2024, 6, 20)
MAY, JUNE = date(2024, 5, 1), date(2024, 6, 1)


def _report(project, period, *, planned, actual, **extra):
    extra.setdefault("allocated", 1_000_000)
    extra.setdefault("paid", 900_000)
    return filed_report(project, period, actual, planned=planned, **extra)


@pytest.fixture
def data(agency_a, agency_b):
    """Nine projects: 6 of 工務局 (B06), 3 of 水利局 (B07). Budgets in 元."""
    forward = {"kind": ProjectKind.FORWARD, "phase": ExecutionPhase.CONSTRUCTION}
    p = {
        "major_ok": make_project(agency_a, budget=120_000_000, phase=ExecutionPhase.CONSTRUCTION),
        "major_serious": make_project(
            agency_a, budget=300_000_000, phase=ExecutionPhase.CONSTRUCTION
        ),
        "water_ok": make_project(
            agency_a, budget=50_000_000, forward_category=ForwardCategory.WATER, **forward
        ),
        "water_closed": make_project(
            agency_a,
            budget=30_000_000,
            kind=ProjectKind.FORWARD,
            forward_category=ForwardCategory.WATER,
            phase=ExecutionPhase.CLOSED,
            listed=False,
        ),
        "digital_behind": make_project(
            agency_a, budget=20_000_000, forward_category=ForwardCategory.DIGITAL, **forward
        ),
        "digital_acceptance": make_project(
            agency_a,
            budget=10_000_000,
            kind=ProjectKind.FORWARD,
            forward_category=ForwardCategory.DIGITAL,
            phase=ExecutionPhase.ACCEPTANCE,
        ),
        "subsidy": make_project(agency_b, budget=80_000_000, kind=ProjectKind.GENERAL_SUBSIDY),
        "key_new": make_project(
            agency_b, budget=10_000_000, kind=ProjectKind.KEY_BUSINESS, listed=False
        ),
        "future": make_project(
            agency_b, budget=60_000_000, start=date(2024, 7, 1), end=date(2025, 6, 30)
        ),
    }
    Project.objects.filter(pk=p["water_closed"].pk).update(control_status=ControlStatus.DELISTED)
    # The factory's checkpoint (113.3.1) is met: no overdue-checkpoint flags in this data set.
    Milestone.objects.update(status=MilestoneStatus.MET, actual_date=date(2024, 3, 1))
    _report(p["major_ok"], MAY, planned="41.67", actual="42.00")
    _report(p["major_ok"], JUNE, planned="50.00", actual="50.00", state=ReportState.SUBMITTED)
    _report(p["major_serious"], MAY, planned="40.00", actual="25.00", is_late=True)
    _report(p["water_ok"], MAY, planned="41.67", actual="41.67")
    _report(p["digital_behind"], MAY, planned="40.00", actual="35.00")
    # A draft for May is not a filing: 水利局's subsidy project is still missing.
    _report(p["subsidy"], MAY, planned="41.67", actual="41.67", state=ReportState.DRAFT)
    return p


def board(**filters):
    return build_dashboard(Project.objects.filter(**filters), today=TODAY)


def _by_key(groups):
    return {g.key: (g.count, g.budget) for g in groups}


def test_counts_and_budget_by_kind_and_status(data):
    result = board()
    assert (result.total.count, result.total.budget) == (9, 680_000_000)
    assert _by_key(result.by_kind) == {
        ProjectKind.MAJOR: (3, 480_000_000),
        ProjectKind.FORWARD: (4, 110_000_000),
        ProjectKind.GENERAL_SUBSIDY: (1, 80_000_000),
        ProjectKind.KEY_BUSINESS: (1, 10_000_000),
    }
    assert _by_key(result.by_status) == {
        ControlStatus.NEW: (1, 10_000_000),
        ControlStatus.LISTED: (7, 640_000_000),
        ControlStatus.SUSPENDED: (0, 0),
        ControlStatus.DELISTED: (1, 30_000_000),
    }


def test_lag_distribution_counts_the_listed_projects(data):
    bars = {bar.status: (bar.count, bar.percent) for bar in board().lag_chart.bars}
    assert bars == {
        LagStatus.ON_SCHEDULE: (2, Decimal("28.6")),
        LagStatus.BEHIND: (1, Decimal("14.3")),
        LagStatus.SERIOUSLY_BEHIND: (1, Decimal("14.3")),
        LagStatus.STOPPED: (0, Decimal("0.0")),
        LagStatus.NO_DATA: (3, Decimal("42.9")),
    }


def test_forward_categories_with_completion_and_on_schedule_rates(data):
    result = board()
    rows = {row.category: row for row in result.categories}
    assert list(rows) == list(ForwardCategory)
    water, digital = rows[ForwardCategory.WATER], rows[ForwardCategory.DIGITAL]
    # 水環境: one under construction and on schedule, one closed (已結案).
    assert (water.count, water.budget, water.completed) == (2, 80_000_000, 1)
    assert (water.completion_rate, water.on_schedule_rate) == (Decimal("50.0"), Decimal("100.0"))
    # 數位: one behind, one in acceptance (驗收中, completed) with no accepted report yet.
    assert (digital.count, digital.budget, digital.completed) == (2, 30_000_000, 1)
    assert (digital.assessed, digital.on_schedule) == (1, 0)
    assert (digital.completion_rate, digital.on_schedule_rate) == (Decimal("50.0"), Decimal("0.0"))
    assert rows[ForwardCategory.RAIL].completion_rate is None
    total = result.category_total
    assert (total.count, total.budget, total.completed) == (4, 110_000_000, 2)
    assert (total.completion_rate, total.on_schedule_rate) == (Decimal("50.0"), Decimal("50.0"))


def test_an_actual_completion_date_counts_as_completed(data):
    Project.objects.filter(pk=data["water_ok"].pk).update(actual_completion=date(2024, 6, 1))
    water = {row.category: row for row in board().categories}[ForwardCategory.WATER]
    assert water.completion_rate == Decimal("100.0")


def test_filing_compliance_per_agency_with_late_and_missing(data, agency_a, agency_b):
    result = board()
    assert (result.period, result.closed_period) == (JUNE, MAY)
    assert result.closed_deadline == date(2024, 6, 11)
    rows = {row.agency_id: row for row in result.compliance}
    works, water = rows[agency_a.pk], rows[agency_b.pk]
    # 工務局: 5 listed owe May; 4 filed, one of them late; the project in acceptance is missing.
    assert (works.listed, works.due, works.filed, works.late, works.missing) == (5, 5, 4, 1, 1)
    assert works.compliance_rate == Decimal("60.0")
    assert (works.current_due, works.current_filed, works.current_not_filed) == (5, 1, 4)
    # 水利局: the project starting in July owes nothing yet; the subsidy one has only a draft.
    assert (water.listed, water.due, water.filed, water.late, water.missing) == (2, 1, 0, 0, 1)
    assert water.compliance_rate == Decimal("0.0")
    total = result.compliance_total
    assert (total.due, total.filed, total.late, total.missing) == (6, 4, 1, 2)
    assert total.compliance_rate == Decimal("50.0")


def test_seriously_behind_list(data):
    result = board()
    assert [p.pk for p, _rating in result.seriously_behind] == [data["major_serious"].pk]
    assert result.risk_counts["high"] == 1


# -- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["staff_a", "manager_a", "staff_b", "manager_b"])
@pytest.mark.parametrize("path", ["/projects/dashboard/", "/projects/warnings/"])
def test_bureau_users_are_refused(client_as, name, path):
    assert client_as(name).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/projects/dashboard/", "/projects/warnings/"])
def test_anonymous_visitors_are_sent_to_log_in(client_as, path):
    response = client_as("anonymous").get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@time_machine.travel(NOW, tick=False)
def test_dashboard_shows_the_figures_in_yi_yuan_with_links_to_the_list(client_as, data):
    page = client_as("reviewer").get("/projects/dashboard/").content.decode()
    assert "6.80億元" in page  # total
    assert "總核定經費（億元）" in page  # the tables' unit is in their header
    assert ">4.80<" in page  # 重大建設
    assert ">1.10<" in page  # 前瞻基礎建設
    assert 'href="/projects/?kind=major"' in page
    assert 'href="/projects/?control_status=listed&amp;lag=seriously_behind"' in page
    assert 'href="/projects/?kind=forward&amp;forward_category=water"' in page
    assert f'href="/projects/{data["major_serious"].pk}/"' in page
    assert "<svg" in page and 'id="lag-table"' in page
    assert "113年5月（已截止）" in page


@time_machine.travel(NOW, tick=False)
def test_admin_sees_the_dashboard(client_as, data):
    assert client_as("admin").get("/projects/dashboard/").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_links_keep_the_filters_the_list_understands(client_as, data, agency_b):
    page = client_as("reviewer").get(f"/projects/dashboard/?agency={agency_b.pk}&year=113")
    html = page.content.decode()
    assert f'href="/projects/?agency={agency_b.pk}&amp;kind=major"' in html
    assert "year=" not in html.split('id="by-kind"')[1].split("</table>")[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 9),
        ("agency={agency_b}", 3),
        ("kind=forward", 4),
        ("forward_category=water", 2),
        ("district={district}", 1),
        ("year=113", 9),
        ("year=114", 1),  # only the project running until 114.6.30
        ("year=112", 0),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_filters(client_as, data, agency_b, query, expected):
    district = District.objects.get(name="安平區")
    data["water_ok"].districts.add(district, District.objects.get(name="中西區"))
    url = "/projects/dashboard/?" + query.format(agency_b=agency_b.pk, district=district.pk)
    response = client_as("reviewer").get(url)
    assert response.status_code == 200
    assert response.context["board"].total.count == expected


@time_machine.travel(NOW, tick=False)
def test_a_project_in_two_districts_is_counted_once(client_as, data):
    data["water_ok"].districts.add(*District.objects.all()[:2])
    response = client_as("reviewer").get("/projects/dashboard/")
    assert response.context["board"].total.count == 9


@time_machine.travel(NOW, tick=False)
def test_early_warning_lists_high_risk_first_with_reasons_and_the_rule(client_as, data):
    page = client_as("reviewer").get("/projects/warnings/").content.decode()
    serious, behind = data["major_serious"].name, data["digital_behind"].name
    assert page.index(serious) < page.index(behind)
    assert "113年5月實際進度落後預定進度15個百分點，達嚴重落後門檻（10個百分點）。" in page
    assert "113年5月實際進度落後預定進度5個百分點。" in page
    assert f'href="/projects/{data["major_serious"].pk}/"' in page
    assert "嚴重落後（實際進度低於預定進度達 10 個百分點以上）" in page
    assert "配當失衡：目前採用的預定進度在預定完工前 3 個月內增加 40 個百分點以上" in page
    assert data["major_ok"].name not in page  # low risk is only counted


# -- query counts --------------------------------------------------------------------------


def _many(agency_a, agency_b, n):
    kinds = [ProjectKind.MAJOR, ProjectKind.FORWARD, ProjectKind.GENERAL_SUBSIDY]
    for i in range(n):
        kind = kinds[i % 3]
        project = make_project(
            agency_a if i % 2 else agency_b,
            kind=kind,
            forward_category=ForwardCategory.WATER if kind == ProjectKind.FORWARD else "",
            phase=ExecutionPhase.CONSTRUCTION,
        )
        project.districts.add(District.objects.all()[i % 5])
        _report(project, MAY, planned="40.00", actual=str(25 + i % 20))


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/projects/dashboard/", "/projects/warnings/"])
@time_machine.travel(NOW, tick=False)
def test_query_count_does_not_grow_with_projects(client_as, agency_a, agency_b, path):
    client = client_as("reviewer")
    _many(agency_a, agency_b, 3)
    client.get(path)  # the working-day calendar is loaded once, then cached
    few = _count(client, path)
    _many(agency_a, agency_b, 17)
    assert Project.objects.count() == 20
    assert _count(client, path) == few
