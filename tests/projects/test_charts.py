"""The server-rendered S-curve: geometry from baselines and reports, and its accessible SVG."""

from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from projects import services
from projects.charts import build_s_curve
from projects.choices import ReportState
from projects.models import MonthlyReport, PlanBaseline
from tests.projects.factories import linear_curve, make_project


def _baselines(project):
    return PlanBaseline.objects.filter(project=project).prefetch_related("points")


def _report(project, period, actual, state=ReportState.ACCEPTED):
    return MonthlyReport.objects.create(
        project=project,
        period=period,
        planned_percent=Decimal("10"),
        actual_percent=Decimal(actual),
        progress_text="施工中",
        state=state,
    )


@pytest.fixture
def replanned(agency_a):
    """A 2024 project re-planned once to finish in June 2025: two baseline versions."""
    project = make_project(agency_a)
    services.create_baseline(
        project,
        linear_curve(date(2024, 1, 1), date(2025, 6, 30), 120_000_000),
        by=None,
        reason="用地取得延宕",
    )
    return project


def test_it_draws_a_path_per_baseline_version_current_solid_older_dashed(replanned):
    chart = build_s_curve(_baselines(replanned), [])
    assert [(s.kind, s.label) for s in chart.planned] == [
        ("previous", "預定進度第1版"),
        ("current", "預定進度第2版（目前採用）"),
    ]
    svg = render_to_string("projects/includes/s_curve.html", {"chart": chart})
    assert svg.count('class="s-curve-line s-curve-previous"') == 2  # line + legend swatch
    assert '<path class="s-curve-line s-curve-previous"' in svg
    assert '<path class="s-curve-line s-curve-current"' in svg


def test_the_svg_has_a_title_and_a_description(replanned):
    _report(replanned, date(2024, 3, 1), "20.5")
    svg = render_to_string(
        "projects/includes/s_curve.html",
        {"chart": build_s_curve(_baselines(replanned), replanned.reports.all())},
    )
    assert '<title id="s-curve-title">預定進度與實際進度S曲線</title>' in svg
    assert 'aria-labelledby="s-curve-title s-curve-desc"' in svg
    assert "實際進度最新為113年3月的20.50%" in svg


def test_actual_progress_comes_from_submitted_and_accepted_reports_only(agency_a):
    project = make_project(agency_a)
    _report(project, date(2024, 1, 1), "5", ReportState.ACCEPTED)
    _report(project, date(2024, 2, 1), "12", ReportState.SUBMITTED)
    _report(project, date(2024, 3, 1), "30", ReportState.DRAFT)
    _report(project, date(2024, 4, 1), "31", ReportState.RETURNED)
    chart = build_s_curve(_baselines(project), project.reports.all())
    assert [(p.month, p.percent) for p in chart.actual.points] == [
        (date(2024, 1, 1), Decimal("5.00")),
        (date(2024, 2, 1), Decimal("12.00")),
    ]


def test_zero_percent_is_at_the_bottom_and_hundred_at_the_top(agency_a):
    project = make_project(agency_a)
    chart = build_s_curve(_baselines(project), [])
    current = chart.planned[0]
    assert current.points[-1].y == chart.plot_top  # December reaches 100%
    assert chart.y_ticks[0].label == "0%" and chart.y_ticks[0].position == chart.plot_bottom
    assert chart.y_ticks[-1].label == "100%" and chart.y_ticks[-1].position == chart.plot_top
    assert current.points[0].x == chart.plot_left
    assert current.points[-1].x == chart.plot_right
    assert current.path.startswith(f"M{chart.plot_left},")


def test_month_labels_are_roc_and_thinned_on_long_projects(agency_a):
    short = build_s_curve(_baselines(make_project(agency_a)), [])
    assert [t.label for t in short.x_ticks][:3] == ["113.1", "113.2", "113.3"]
    assert len(short.x_ticks) == 12

    long = make_project(agency_a, start=date(2024, 1, 1), end=date(2027, 12, 31))
    chart = build_s_curve(_baselines(long), [])
    assert len(chart.months) == 48
    assert len(chart.x_ticks) <= 12
    assert chart.x_ticks[0].label == "113.1"


def test_the_data_table_lists_every_month_with_each_version_and_actual(replanned):
    _report(replanned, date(2024, 2, 1), "9")
    chart = build_s_curve(_baselines(replanned), replanned.reports.all())
    rows = chart.table_rows
    assert len(rows) == 18  # 113年1月 to 114年6月
    assert rows[1]["month"] == date(2024, 2, 1)
    assert rows[1]["planned"] == [Decimal("16.67"), Decimal("11.11")]
    assert rows[1]["actual"] == Decimal("9.00")
    assert rows[-1]["planned"] == [None, Decimal("100.00")]  # v1 ended in 113年12月
    svg = render_to_string("projects/includes/s_curve.html", {"chart": chart})
    assert "<caption>各月累計進度" in svg
    assert "114年6月" in svg


def test_a_project_without_curve_or_reports_says_so(agency_a):
    project = make_project(agency_a)
    PlanBaseline.objects.filter(project=project).delete()
    chart = build_s_curve(_baselines(project), [])
    assert chart.is_empty
    html = render_to_string("projects/includes/s_curve.html", {"chart": chart})
    assert "<svg" not in html
    assert "無法繪製S曲線" in html
