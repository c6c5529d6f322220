from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import ControlStatus, ExecutionPhase, LagStatus, ReportState
from projects.home import current_filing_period, serious_count
from projects.lag import assess_many
from projects.models import ControlSettings, MonthlyReport, Project
from tests.projects.factories import filed_report, make_project

# 113.3.5: February's reports are due 113.3.11 (the 10th is a Sunday, so the next working day).
TODAY = "2024-03-05 10:00 +0800"


def _report(project, period, state, **extra):
    return MonthlyReport.objects.create(
        project=project,
        period=period,
        planned_percent=10,
        actual_percent=10,
        progress_text="施工中",
        state=state,
        **extra,
    )


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2024, 3, 11), date(2024, 2, 1)),  # the deadline day itself
        (date(2024, 3, 12), date(2024, 3, 1)),  # after it, the current month
        (date(2025, 1, 6), date(2024, 12, 1)),  # December is filed in January
    ],
)
def test_the_filing_period_is_last_month_until_its_deadline(db, today, period):
    assert current_filing_period(today, ControlSettings.get()) == period


@time_machine.travel(TODAY, tick=False)
def test_bureau_home_lists_returned_reports_first_with_working_days_left(client_as, cast):
    ok = make_project(cast["staff_a"].agency, name="安平港親水廊道工程")
    returned = make_project(cast["staff_a"].agency, name="永康區中正南路拓寬工程")
    make_project(cast["staff_b"].agency, name="安南區排水改善工程")
    _report(ok, date(2024, 2, 1), ReportState.SUBMITTED)
    _report(returned, date(2024, 2, 1), ReportState.RETURNED, reviewer_comment="請補充落後原因")

    page = client_as("staff_a").get("/").content.decode()

    assert "我的填報：113年2月" in page
    # 113.3.6 through 113.3.11 are four working days (3.9 and 3.10 are the weekend).
    assert "填報期限 113.3.11，還有 4 個工作天。" in page
    assert page.index("永康區中正南路拓寬工程") < page.index("安平港親水廊道工程")
    assert "安南區排水改善工程" not in page
    assert f"/projects/{returned.pk}/reports/2024/2/" in page


@time_machine.travel("2024-03-20 10:00 +0800", tick=False)
def test_after_februarys_deadline_the_bureau_home_turns_to_march(client_as, cast):
    make_project(cast["staff_a"].agency)
    page = client_as("manager_a").get("/").content.decode()
    assert "我的填報：113年3月" in page
    # 113.3.21 .. 113.4.10: 15 weekdays, less 4.4 and 4.5 (兒童節、清明節).
    assert "還有 13 個工作天" in page


@time_machine.travel(TODAY, tick=False)
def test_reviewer_home_counts_waiting_and_filed_reports(client_as, cast):
    a = make_project(cast["staff_a"].agency)
    b = make_project(cast["staff_b"].agency)
    make_project(cast["staff_b"].agency, listed=False)
    _report(a, date(2024, 2, 1), ReportState.SUBMITTED)
    _report(b, date(2024, 2, 1), ReportState.ACCEPTED)
    _report(b, date(2024, 1, 1), ReportState.SUBMITTED)

    response = client_as("reviewer").get("/")
    ctx = next(
        i["context"] for i in response.context["cards"] if i["card"].key == "projects-overview"
    )

    assert (ctx["listed"], ctx["waiting"], ctx["filed"]) == (2, 2, 2)


def _serious_projects(agency):
    """One project per case the overview's 嚴重落後或停工 count must tell apart."""
    jan, feb = date(2024, 1, 1), date(2024, 2, 1)
    cases = {}
    cases["on_schedule"] = make_project(agency)
    filed_report(cases["on_schedule"], feb, "20.00", planned="20.00")
    cases["at_threshold"] = make_project(agency)  # 10 points below: seriously behind
    filed_report(cases["at_threshold"], feb, "10.00", planned="20.00")
    cases["just_above"] = make_project(agency)  # 9.99 below: only behind
    filed_report(cases["just_above"], feb, "10.01", planned="20.00")
    cases["recovered"] = make_project(agency)  # the latest accepted report decides
    filed_report(cases["recovered"], jan, "0.00", planned="15.00")
    filed_report(cases["recovered"], feb, "20.00", planned="20.00")
    cases["behind_not_accepted"] = make_project(agency)  # a submitted report does not count
    filed_report(cases["behind_not_accepted"], jan, "8.00", planned="8.00")
    filed_report(
        cases["behind_not_accepted"], feb, "0.00", planned="20.00", state=ReportState.SUBMITTED
    )
    cases["stopped_without_reports"] = make_project(agency, phase=ExecutionPhase.STOPPED)
    cases["terminated_on_schedule"] = make_project(agency, phase=ExecutionPhase.TERMINATED)
    filed_report(cases["terminated_on_schedule"], feb, "20.00", planned="20.00")
    cases["no_data"] = make_project(agency)
    return cases


@time_machine.travel(TODAY, tick=False)
def test_serious_count_agrees_with_the_lag_assessment(agency_a):
    rules = ControlSettings.get()
    cases = _serious_projects(agency_a)
    assessed = assess_many(list(cases.values()), today=date(2024, 3, 5), rules=rules)
    serious = {LagStatus.SERIOUSLY_BEHIND, LagStatus.STOPPED}
    expected = {name for name, p in cases.items() if assessed[p.pk].status in serious}
    assert expected == {"at_threshold", "stopped_without_reports", "terminated_on_schedule"}

    assert serious_count(Project.objects.all(), rules) == len(expected)
    for name, project in cases.items():
        one = serious_count(Project.objects.filter(pk=project.pk), rules)
        assert one == (name in expected), name


@time_machine.travel(TODAY, tick=False)
def test_reviewer_home_counts_seriously_behind_and_stopped_listed_projects(client_as, cast):
    _serious_projects(cast["staff_a"].agency)
    unlisted = make_project(cast["staff_b"].agency, listed=False, phase=ExecutionPhase.STOPPED)
    assert unlisted.control_status != ControlStatus.LISTED

    response = client_as("reviewer").get("/")
    ctx = next(
        i["context"] for i in response.context["cards"] if i["card"].key == "projects-overview"
    )

    assert (ctx["listed"], ctx["serious"]) == (8, 3)
    assert "嚴重落後或停工" in response.content.decode()


def test_reviewer_home_queries_do_not_grow_with_the_projects(client_as, cast):
    client = client_as("reviewer")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    make_project(cast["staff_a"].agency)
    client.get("/")  # first-use caches
    few = queries()
    _serious_projects(cast["staff_a"].agency)
    assert queries() == few
