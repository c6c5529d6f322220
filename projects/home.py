"""Home-page cards of the projects app (registered in ``ProjectsConfig.ready()``)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import LagStatus, ReportState
from projects.lag import assess_many
from projects.models import ControlSettings, MonthlyReport, Project
from projects.services import add_months, month_start
from tainan_rdec import workdays

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


def overview_card(request) -> dict:
    """For reviewers: how many are listed, waiting for review, filed this period, behind."""
    rules = ControlSettings.get()
    today = timezone.localdate()
    period = current_filing_period(today, rules)
    listed = list(Project.objects.visible_to(request.user).listed().only("pk", "phase"))
    counts = MonthlyReport.objects.filter(project__in=listed).aggregate(
        waiting=Count("pk", filter=Q(state=ReportState.SUBMITTED)),
        filed=Count(
            "pk",
            filter=Q(period=period, state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]),
        ),
    )
    assessments = assess_many(listed, today=today, rules=rules)
    serious = sum(
        1
        for a in assessments.values()
        if a.status in {LagStatus.SERIOUSLY_BEHIND, LagStatus.STOPPED}
    )
    return {
        "period": period,
        "listed": len(listed),
        "waiting": counts["waiting"],
        "filed": counts["filed"],
        "serious": serious,
        "list_url": reverse("projects:index"),
        "queue_url": reverse("projects:review_queue"),
    }
