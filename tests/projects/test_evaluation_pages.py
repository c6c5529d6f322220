"""The annual evaluation pages (年度考評): the year table, scoping, recomputation and the
reviewer's adjustment."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import scoring
from projects.choices import Grade, ProjectKind
from projects.models import AnnualScore, Project
from projects.views import evaluation as views
from tests.projects.factories import filed_report, make_project
from tests.projects.test_scoring import TODAY, worked_example

YEAR_URL = "/projects/evaluation/2024/"


@pytest.fixture
def score_a(agency_a):
    """Agency A's worked example, scored for 113年: 84.43, 甲等."""
    return scoring.compute_score(worked_example(agency_a), 2024, today=TODAY)


@pytest.fixture
def score_b(agency_b):
    project = make_project(
        agency_b, name="鹽水溪排水改善工程", kind=ProjectKind.FORWARD, forward_category="water"
    )
    filed_report(project, date(2024, 12, 1), 30, planned=60)
    return scoring.compute_score(project, 2024, today=TODAY)


def _detail_url(score):
    return f"/projects/evaluation/{score.year}/{score.project_id}/"


def _names(response):
    return [score.project.name for score in response.context["rows"]]


# -- the year table ----------------------------------------------------------------------------


def test_year_table_shows_the_roc_year_scores_and_grades(client_as, score_a, score_b):
    response = client_as("reviewer").get(YEAR_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "113年度列管案件考評" in html
    assert "84.43" in html and "甲等" in html
    assert score_b.get_grade_display() in html
    counts = {item["grade"]: item["count"] for item in response.context["grades"]}
    assert counts[Grade.GOOD] == 1
    assert sum(counts.values()) == 2
    assert "重新計算" in html


def test_index_goes_to_the_latest_year_with_scores(client_as, score_a):
    response = client_as("reviewer").get("/projects/evaluation/")
    assert response.status_code == 302
    assert response["Location"] == "/projects/evaluation/113/"  # links carry the ROC year


def test_roc_and_gregorian_years_in_the_address_open_the_same_page(client_as):
    for path in ["/projects/evaluation/113/", YEAR_URL]:
        response = client_as("reviewer").get(path)
        assert response.status_code == 200
        assert response.context["year"] == 2024


def test_table_sorts_by_the_sort_parameter(client_as, score_a, score_b):
    client = client_as("reviewer")
    assert _names(client.get(YEAR_URL + "?sort=progress"))[0] == "鹽水溪排水改善工程"
    assert _names(client.get(YEAR_URL + "?sort=-progress"))[0] == "安平港聯外道路拓寬工程"
    assert _names(client.get(YEAR_URL + "?sort=nonsense"))[0] == "安平港聯外道路拓寬工程"


def test_table_filters_by_agency_and_kind(client_as, score_a, score_b, agency_b):
    client = client_as("reviewer")
    assert _names(client.get(YEAR_URL + f"?agency={agency_b.pk}")) == ["鹽水溪排水改善工程"]
    assert _names(client.get(YEAR_URL + "?kind=major")) == ["安平港聯外道路拓寬工程"]


def test_bureau_user_sees_only_own_agency_scores_and_no_button(client_as, score_a, score_b):
    response = client_as("staff_b").get(YEAR_URL)
    assert _names(response) == ["鹽水溪排水改善工程"]
    assert "重新計算" not in response.content.decode()
    assert "agency" not in response.context["filter"].form.fields


def test_bureau_user_gets_404_for_another_agency_score(client_as, score_a):
    assert client_as("staff_b").get(_detail_url(score_a)).status_code == 404
    assert client_as("manager_a").get(_detail_url(score_a)).status_code == 200


def test_anonymous_visitor_is_sent_to_log_in(client_as, score_a):
    response = client_as("anonymous").get(_detail_url(score_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _year_page_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(YEAR_URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_year_table_queries_do_not_grow_with_the_scores(client_as, agency_a):
    client = client_as("reviewer")
    for _i in range(2):
        make_project(agency_a)
    scoring.compute_year(2024, today=TODAY)
    small = _year_page_queries(client)
    for _i in range(8):
        make_project(agency_a)
    scoring.compute_year(2024, today=TODAY)
    assert AnnualScore.objects.count() == 10
    assert _year_page_queries(client) == small


# -- recomputation -----------------------------------------------------------------------------


def test_reviewer_recomputes_the_year(client_as, agency_a):
    project = worked_example(agency_a)
    response = client_as("reviewer").post(YEAR_URL, follow=True)
    assert response.redirect_chain[-1] == (YEAR_URL, 302)
    assert "已重新計算113年度考評分數，共1件。" in response.content.decode()
    assert AnnualScore.objects.get(project=project, year=2024).final_score == Decimal("84.43")


def test_bureau_user_cannot_recompute(client_as, agency_a):
    worked_example(agency_a)
    assert client_as("manager_a").post(YEAR_URL).status_code == 403
    assert not AnnualScore.objects.exists()


# -- the detail page and the adjustment -------------------------------------------------------


def test_detail_shows_how_each_component_was_computed(client_as, score_a):
    response = client_as("manager_a").get(_detail_url(score_a))
    html = response.content.decode()
    assert "min(實際 48.00% ÷ 預定 60.00%, 1) × 100 = 80.00" in html
    assert "100 × 11 ÷ 12 − 5 × 1 = 86.67" in html
    assert "100 × 3 ÷ 4 = 75.00" in html
    assert "= 84.43" in html
    assert response.context["form"] is None  # bureau users do not adjust


def test_reviewer_adjusts_a_score(client_as, score_a, cast):
    response = client_as("reviewer").post(
        _detail_url(score_a), {"adjustment": "+5", "reason": "工地安全表現優良"}
    )
    assert response.status_code == 302
    score_a.refresh_from_db()
    assert score_a.final_score == Decimal("89.43")
    assert score_a.grade == Grade.GOOD
    assert score_a.adjusted_by == cast["reviewer"]


def test_adjustment_above_the_limit_shows_a_chinese_error(client_as, score_a):
    response = client_as("reviewer").post(
        _detail_url(score_a), {"adjustment": "5.01", "reason": "工地安全表現優良"}
    )
    assert response.status_code == 400
    assert "加減分須介於 −5 至 +5 分之間。" in response.content.decode()
    score_a.refresh_from_db()
    assert score_a.final_score == Decimal("84.43")


def test_adjustment_without_a_reason_shows_a_chinese_error(client_as, score_a):
    response = client_as("admin").post(_detail_url(score_a), {"adjustment": "－２", "reason": ""})
    assert response.status_code == 400
    assert "有加減分時，請填寫加減分理由。" in response.content.decode()


def test_adjustment_that_is_not_a_number_shows_a_chinese_error(client_as, score_a):
    response = client_as("reviewer").post(_detail_url(score_a), {"adjustment": "五", "reason": "x"})
    assert response.status_code == 400
    assert "請以數字輸入加減分，例如 3 或 -2.5。" in response.content.decode()


def test_bureau_user_cannot_adjust_own_agency_score(client_as, score_a):
    response = client_as("manager_a").post(
        _detail_url(score_a), {"adjustment": "5", "reason": "自評優良"}
    )
    assert response.status_code == 403
    score_a.refresh_from_db()
    assert score_a.adjustment == 0


def test_other_agency_cannot_adjust_either(client_as, score_a):
    response = client_as("manager_b").post(
        _detail_url(score_a), {"adjustment": "-5", "reason": "不應看到"}
    )
    assert response.status_code == 404


# -- a year with more scores than a page -------------------------------------------------------


def _many_scores(agency, n):
    """``n`` scores of 113年 written directly, final scores 40.00, 41.00, … (grades vary)."""
    projects = Project.objects.bulk_create(
        Project(
            control_number=f"P113-{i:04d}",
            name=f"分頁測試工程第{i}號",
            host_agency=agency,
            kind=ProjectKind.MAJOR,
            total_budget=100_000_000,
            planned_start=date(2024, 1, 1),
            planned_completion=date(2024, 12, 31),
        )
        for i in range(n)
    )
    AnnualScore.objects.bulk_create(
        AnnualScore(
            project=project,
            year=2024,
            progress_score=Decimal(40 + i),
            budget_score=Decimal(100),
            filing_score=Decimal(100),
            milestone_score=Decimal(100),
            weighted_score=Decimal(40 + i),
            final_score=Decimal(40 + i),
            grade=scoring.grade_for(Decimal(40 + i)),
        )
        for i, project in enumerate(projects)
    )


def test_a_long_year_is_paged_with_totals_over_every_page(client_as, agency_a):
    _many_scores(agency_a, views.PAGE_SIZE + 3)
    client = client_as("reviewer")

    first = client.get(YEAR_URL)
    assert len(first.context["rows"]) == views.PAGE_SIZE
    assert first.context["total"] == views.PAGE_SIZE + 3
    assert sum(item["count"] for item in first.context["grades"]) == views.PAGE_SIZE + 3
    html = first.content.decode()
    assert f"共 {views.PAGE_SIZE + 3} 件" in html
    assert "page=2" in html and "第 1 頁，共 2 頁" in html

    # The order runs across the pages: best first, so the last page holds the lowest scores.
    last = client.get(YEAR_URL + "?page=2")
    assert [score.final_score for score in last.context["rows"]] == [
        Decimal(42),
        Decimal(41),
        Decimal(40),
    ]
    ascending = client.get(YEAR_URL + "?sort=final&page=2")
    assert ascending.context["rows"][-1].final_score == Decimal(40 + views.PAGE_SIZE + 2)


def test_sort_links_return_to_the_first_page_and_page_links_keep_the_sort(client_as, agency_a):
    _many_scores(agency_a, views.PAGE_SIZE + 1)
    response = client_as("reviewer").get(YEAR_URL + "?sort=progress&kind=major&page=2")
    columns = response.context["columns"]
    assert "page" not in columns["final"]["query"]
    assert "kind=major" in columns["final"]["query"]
    assert "sort=progress&amp;kind=major&amp;page=1" in response.content.decode()
