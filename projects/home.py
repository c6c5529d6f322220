"""Home-page cards of the projects app (registered in ``ProjectsConfig.ready()``).

The reviewer's overview counts in the database: the home page is opened all day, and building
an assessment per listed project (``projects.lag.assess_many``) only to count two statuses cost
most of its time at 1,400 projects. ``serious_count`` applies ``projects.lag.lag_status``'s rule
for those two statuses in SQL; a test checks it against ``assess_many``.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import ExecutionPhase, ReportState
from projects.models import ControlSettings, MonthlyReport, Project
from tainan_rdec import workdays
from tainan_rdec.months import add_months, month_start

# Order on the bureau's card: what needs their hands first.
_URGENCY = {
    ReportState.RETURNED: 0,
    None: 1,
    ReportState.DRAFT: 2,
    ReportState.SUBMITTED: 3,
    ReportState.ACCEPTED: 4,
}


def current_filing_period(today: date, rules: ControlSettings) -> date:
    """The month bureaus are filing now: last month until its deadline, then this month."""
    last_month = add_months(month_start(today), -1)
    return last_month if today <= rules.filing_deadline(last_month) else month_start(today)


def my_filings_card(request) -> dict:
    """The agency's listed projects with this period's filing state, returned ones first."""
    rules = ControlSettings.get()
    today = timezone.localdate()
    period = current_filing_period(today, rules)
    deadline = rules.filing_deadline(period)
    projects = list(
        Project.objects.editable_by(request.user).listed().only("pk", "name", "control_number")
    )
    reports = {
        r.project_id: r
        for r in MonthlyReport.objects.filter(project__in=projects, period=period).only(
            "pk", "project_id", "state", "reviewer_comment"
        )
    }
    rows = []
    for project in projects:
        report = reports.get(project.pk)
        state = report.state if report else None
        rows.append(
            {
                "project": project,
                "report": report,
                "state": state,
                "state_label": report.get_state_display() if report else _("未填報"),
                "edit_url": reverse(
                    "projects:report_edit", args=[project.pk, period.year, period.month]
                ),
            }
        )
    rows.sort(key=lambda row: (_URGENCY[row["state"]], row["project"].control_number))
    overdue = today > deadline
    return {
        "period": period,
        "deadline": deadline,
        "overdue": overdue,
        "working_days_left": 0 if overdue else workdays.working_days_between(today, deadline),
        "rows": rows,
        "to_do": sum(1 for row in rows if _URGENCY[row["state"]] <= 2),
        "list_url": reverse("projects:index"),
    }


def _serious(rules: ControlSettings) -> Q:
    """The condition for 嚴重落後 or 停工 (``lag_status``) on a project annotated with
    ``latest_difference``: stopped or terminated, or its latest accepted report's actual at least
    the threshold below planned."""
    stopped = Q(phase__in=[ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED])
    return stopped | Q(latest_difference__lte=-rules.seriously_behind_points)


def _with_latest_difference(projects):
    latest_difference = (
        MonthlyReport.objects.filter(project=OuterRef("pk"), state=ReportState.ACCEPTED)
        .order_by("-period")
        .annotate(difference=F("actual_percent") - F("planned_percent"))
        .values("difference")[:1]
    )
    return projects.order_by().annotate(latest_difference=Subquery(latest_difference))


def serious_count(projects, rules: ControlSettings) -> int:
    """How many of ``projects`` are 嚴重落後 or 停工. One query."""
    return _with_latest_difference(projects).aggregate(n=Count("pk", filter=_serious(rules)))["n"]


def overview_card(request) -> dict:
    """For reviewers: how many are listed, waiting for review, filed this period, behind."""
    rules = ControlSettings.get()
    today = timezone.localdate()
    period = current_filing_period(today, rules)
    listed = Project.objects.visible_to(request.user).listed()
    projects = _with_latest_difference(listed).aggregate(
        listed=Count("pk"), serious=Count("pk", filter=_serious(rules))
    )
    waiting = Q(state=ReportState.SUBMITTED)
    filed = Q(period=period, state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED])
    # The WHERE repeats the two conditions so that the (state, period) index picks the few
    # reports that count instead of every report of five years.
    counts = (
        MonthlyReport.objects.filter(waiting | filed, project__in=listed.values("pk"))
        .order_by()
        .aggregate(waiting=Count("pk", filter=waiting), filed=Count("pk", filter=filed))
    )
    return {
        "period": period,
        "listed": projects["listed"],
        "waiting": counts["waiting"],
        "filed": counts["filed"],
        "serious": projects["serious"],
        "list_url": reverse("projects:index"),
        "queue_url": reverse("projects:review_queue"),
    }
