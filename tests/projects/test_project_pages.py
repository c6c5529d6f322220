"""The project list, the project detail page and the lifecycle actions (列管狀態異動)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.choices import (
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    ProjectKind,
    ReportState,
    StatusField,
)
from projects.models import (
    BudgetAllocation,
    ControlSettings,
    MonthlyReport,
    StatusChange,
    TenderNumber,
)
from tainan_rdec.models import District
from tests.projects.factories import make_project


def _report(project, period, *, planned, actual, state=ReportState.ACCEPTED, **extra):
    return MonthlyReport.objects.create(
        project=project,
        period=period,
        planned_percent=Decimal(planned),
        actual_percent=Decimal(actual),
        allocated_to_date=extra.pop("allocated_to_date", 10_000_000),
        paid=extra.pop("paid", 9_000_000),
        progress_text="施工中",
        state=state,
        **extra,
    )


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _names(response):
    return {project.name for project, _assessment in response.context["rows"]}


# -- list ----------------------------------------------------------------------------------


def test_bureau_staff_list_shows_own_and_co_hosted_projects_only(client_as, agency_a, agency_b):
    make_project(agency_a, name="工務局道路工程")
    co_hosted = make_project(agency_b, name="水利局共同辦理工程")
    co_hosted.co_agencies.add(agency_a)
    make_project(agency_b, name="水利局抽水站工程")

    response = client_as("staff_a").get("/projects/")

    assert _names(response) == {"工務局道路工程", "水利局共同辦理工程"}
    assert "主辦機關" not in [f.label for f in response.context["filter"].form]


def test_reviewer_list_filters_by_agency(client_as, agency_a, agency_b):
    make_project(agency_a, name="工務局道路工程")
    make_project(agency_b, name="水利局抽水站工程")

    response = client_as("reviewer").get("/projects/", {"agency": agency_b.pk})

    assert _names(response) == {"水利局抽水站工程"}


def test_list_filters_by_kind_category_status_district_and_keyword(client_as, agency_a):
    district = District.objects.get(name="安平區")
    make_project(agency_a, name="安平港濱步道", kind=ProjectKind.MAJOR).districts.add(district)
    make_project(
        agency_a,
        name="前瞻水環境",
        kind=ProjectKind.FORWARD,
        forward_category=ForwardCategory.WATER,
        control_number="F113-0001",
    )
    make_project(agency_a, name="新增中的案件", listed=False)
    client = client_as("reviewer")

    assert _names(client.get("/projects/", {"kind": "forward"})) == {"前瞻水環境"}
    assert _names(client.get("/projects/", {"forward_category": "water"})) == {"前瞻水環境"}
    assert _names(client.get("/projects/", {"control_status": "new"})) == {"新增中的案件"}
    assert _names(client.get("/projects/", {"district": district.pk})) == {"安平港濱步道"}
    assert _names(client.get("/projects/", {"q": "F113"})) == {"前瞻水環境"}
    assert _names(client.get("/projects/", {"q": "步道"})) == {"安平港濱步道"}


def test_list_filters_by_computed_lag_status(client_as, agency_a):
    on_time = make_project(agency_a, name="進度符合工程")
    _report(on_time, date(2024, 3, 1), planned="25", actual="26")
    behind = make_project(agency_a, name="嚴重落後工程")
    _report(behind, date(2024, 3, 1), planned="25", actual="10")
    make_project(agency_a, name="停工工程", phase=ExecutionPhase.STOPPED)

    client = client_as("reviewer")

    assert _names(client.get("/projects/", {"lag": "seriously_behind"})) == {"嚴重落後工程"}
    assert _names(client.get("/projects/", {"lag": "stopped"})) == {"停工工程"}
    assert _names(client.get("/projects/", {"lag": "on_schedule"})) == {"進度符合工程"}


def test_list_marks_seriously_behind_rows_in_text(client_as, agency_a):
    project = make_project(agency_a, name="嚴重落後工程", budget=105_092_000_000)
    _report(project, date(2024, 3, 1), planned="40", actual="25.5", allocated_to_date=100, paid=50)

    html = client_as("staff_a").get("/projects/").content.decode()

    assert '<tr class="row-alert">' in html
    assert "嚴重落後" in html
    assert "執行率偏低" in html
    assert "1,050.92億元" in html
    assert "113年3月" in html
    assert "-14.50" in html


def test_list_paginates_fifty_per_page(client_as, agency_a):
    for _ in range(51):
        make_project(agency_a)
    client = client_as("reviewer")

    assert len(client.get("/projects/").context["rows"]) == 50
    second = client.get("/projects/", {"page": 2, "kind": "major"})
    assert len(second.context["rows"]) == 1
    assert 'href="?kind=major&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize("who", ["staff_a", "reviewer"])
def test_list_query_count_does_not_grow_with_projects(client_as, agency_a, agency_b, who):
    district = District.objects.get(name="東區")

    def add(n):
        for _ in range(n):
            project = make_project(agency_a)
            project.co_agencies.add(agency_b)
            project.districts.add(district)
            _report(project, date(2024, 2, 1), planned="10", actual="5")
            _report(project, date(2024, 3, 1), planned="20", actual="8")

    ControlSettings.get()  # created once, not counted against the page
    client = client_as(who)
    add(3)
    few = _queries(client, "/projects/?lag=seriously_behind")
    few_plain = _queries(client, "/projects/")
    add(17)
    assert _queries(client, "/projects/?lag=seriously_behind") == few
    assert _queries(client, "/projects/") == few_plain


# -- detail --------------------------------------------------------------------------------


def test_other_agency_gets_404_on_project_detail(client_as, agency_a):
    project = make_project(agency_a)

    assert client_as("staff_b").get(f"/projects/{project.pk}/").status_code == 404


def test_co_agency_sees_project_detail(client_as, agency_a, agency_b):
    project = make_project(agency_a)
    project.co_agencies.add(agency_b)

    assert client_as("staff_b").get(f"/projects/{project.pk}/").status_code == 200


def test_detail_shows_roc_dates_money_and_basic_data(client_as, agency_a, agency_b):
    project = make_project(
        agency_a,
        start=date(2024, 3, 26),
        end=date(2025, 12, 31),
        budget=639_442_789,
        name="安平運河橋梁改建工程",
    )
    project.co_agencies.add(agency_b)
    project.districts.add(District.objects.get(name="安平區"))
    TenderNumber.objects.create(project=project, number="1130326-01", title="橋梁改建")
    BudgetAllocation.objects.create(project=project, year=2024, amount=300_000_000)

    html = client_as("staff_a").get(f"/projects/{project.pk}/").content.decode()

    assert "113.3.26–114.12.31" in html
    assert "6.39億元" in html
    assert "63,944萬元" in html
    assert "113年度" in html and "30,000萬元" in html
    assert "1130326-01" in html
    assert "安平區" in html
    assert agency_b.name in html


def test_detail_explains_the_lag_rule_with_the_admin_thresholds(client_as, agency_a):
    rules = ControlSettings.get()
    rules.behind_points, rules.seriously_behind_points = Decimal("2"), Decimal("15")
    rules.save()
    project = make_project(agency_a)
    _report(project, date(2024, 3, 1), planned="25", actual="12")

    html = client_as("reviewer").get(f"/projects/{project.pk}/").content.decode()

    assert "實際進度低於預定進度超過2個百分點為落後" in html
    assert "落後15個百分點以上為嚴重落後" in html
    assert "依113年3月審核通過的填報" in html


def test_detail_draws_the_s_curve_and_lists_reports(client_as, agency_a):
    project = make_project(agency_a)
    report = _report(project, date(2024, 3, 1), planned="25", actual="20", is_late=True)

    html = client_as("staff_a").get(f"/projects/{project.pk}/").content.decode()

    assert '<path class="s-curve-line s-curve-current"' in html
    assert f'href="/projects/reports/{report.pk}/"' in html
    assert "90.00%" in html  # 執行率
    assert "逾期" in html


def test_detail_query_count_does_not_grow_with_reports(client_as, agency_a):
    ControlSettings.get()
    project = make_project(agency_a, start=date(2022, 1, 1), end=date(2024, 12, 31))
    for m in range(1, 4):
        _report(project, date(2022, m, 1), planned="5", actual="4")
    client = client_as("staff_a")
    few = _queries(client, f"/projects/{project.pk}/")
    for m in range(4, 13):
        _report(project, date(2022, m, 1), planned="5", actual="4")
    for m in range(1, 9):
        _report(project, date(2023, m, 1), planned="5", actual="4")
    StatusChange.objects.create(
        project=project, field=StatusField.PHASE, old_value="planning", new_value="construction"
    )

    assert _queries(client, f"/projects/{project.pk}/") == few


def test_host_agency_filer_gets_a_link_to_this_months_report(client_as, agency_a, agency_b):
    today = timezone.localdate()
    project = make_project(agency_a, start=date(2024, 1, 1), end=date(today.year + 1, 12, 31))
    project.co_agencies.add(agency_b)
    link = f"/projects/{project.pk}/reports/{today.year}/{today.month}/"

    assert link in client_as("staff_a").get(f"/projects/{project.pk}/").content.decode()
    assert link not in client_as("staff_b").get(f"/projects/{project.pk}/").content.decode()
    assert link not in client_as("reviewer").get(f"/projects/{project.pk}/").content.decode()


def test_reviewer_sees_the_lifecycle_buttons_for_the_current_status(client_as, agency_a):
    project = make_project(agency_a)  # listed
    html = client_as("reviewer").get(f"/projects/{project.pk}/").content.decode()

    assert f"/projects/{project.pk}/status/suspend/" in html
    assert f"/projects/{project.pk}/status/delist/" in html
    assert f"/projects/{project.pk}/status/list/" not in html
    staff_html = client_as("staff_a").get(f"/projects/{project.pk}/").content.decode()
    assert "/status/" not in staff_html


def test_detail_shows_why_a_new_project_cannot_be_listed(client_as, agency_a):
    project = make_project(agency_a, listed=False)
    project.milestones.all().delete()

    html = client_as("reviewer").get(f"/projects/{project.pk}/").content.decode()

    assert "至少需要一個檢核點。" in html
    assert f"/projects/{project.pk}/status/list/" not in html


# -- lifecycle -----------------------------------------------------------------------------


def test_reviewer_lists_a_ready_project(client_as, cast, agency_a):
    project = make_project(agency_a, listed=False)
    client = client_as("reviewer")

    response = client.post(f"/projects/{project.pk}/status/list/", {"reason": ""}, follow=True)

    project.refresh_from_db()
    assert project.control_status == ControlStatus.LISTED
    change = StatusChange.objects.get(project=project, field=StatusField.CONTROL_STATUS)
    assert (change.old_value, change.new_value, change.by) == ("new", "listed", cast["reviewer"])
    assert response.redirect_chain == [(f"/projects/{project.pk}/", 302)]
    html = response.content.decode()
    assert "目前列管狀態為「列管中」" in html
    assert "新增 → 列管中" in html  # the history table on the detail page


def test_suspending_without_a_reason_is_refused_in_chinese(client_as, agency_a):
    project = make_project(agency_a)

    response = client_as("reviewer").post(
        f"/projects/{project.pk}/status/suspend/", {"reason": " "}
    )

    assert response.status_code == 200
    assert "請填寫原因。" in response.content.decode()
    project.refresh_from_db()
    assert project.control_status == ControlStatus.LISTED


def test_reviewer_suspends_with_a_reason(client_as, agency_a):
    project = make_project(agency_a)

    response = client_as("reviewer").post(
        f"/projects/{project.pk}/status/suspend/", {"reason": "用地取得爭議，暫停辦理"}
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.control_status == ControlStatus.SUSPENDED
    assert StatusChange.objects.get(project=project).reason == "用地取得爭議，暫停辦理"


def test_an_action_not_allowed_from_the_current_status_is_explained(client_as, agency_a):
    project = make_project(agency_a)  # listed: cannot be resumed

    page = client_as("reviewer").get(f"/projects/{project.pk}/status/resume/")
    assert "本案目前為「列管中」，不能恢復列管。" in page.content.decode()
    response = client_as("reviewer").post(
        f"/projects/{project.pk}/status/resume/", {"reason": "恢復"}
    )
    assert "案件目前為「列管中」，不能改為「列管中」。" in response.content.decode()


def test_status_page_says_what_will_happen(client_as, agency_a):
    project = make_project(agency_a)

    html = client_as("admin").get(f"/projects/{project.pk}/status/delist/").content.decode()

    assert "將由「列管中」改為「解除列管」" in html
    assert 'name="reason"' in html


def test_bureau_user_cannot_change_the_status_of_a_project_they_see(client_as, agency_a):
    project = make_project(agency_a, listed=False)

    client = client_as("manager_a")
    assert client.post(f"/projects/{project.pk}/status/list/", {"reason": "x"}).status_code == 403
    assert client.get(f"/projects/{project.pk}/status/list/").status_code == 403
    project.refresh_from_db()
    assert project.control_status == ControlStatus.NEW


def test_bureau_user_gets_404_on_the_status_page_of_a_project_they_cannot_see(client_as, agency_a):
    project = make_project(agency_a)

    response = client_as("staff_b").post(f"/projects/{project.pk}/status/suspend/", {"reason": "x"})

    assert response.status_code == 404


def test_unknown_lifecycle_action_is_404(client_as, agency_a):
    project = make_project(agency_a)

    assert client_as("reviewer").get(f"/projects/{project.pk}/status/archive/").status_code == 404
