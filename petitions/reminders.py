"""The daily overdue digest (逾期案件每日摘要) for the agencies handling 1999 and petition cases.

``daily_overdue_digest(today)`` runs every working-day morning (Celery beat,
``petitions.tasks.send_overdue_digests``): for each agency with open cases due within one working
day or already overdue, one e-mail to each of its active bureau staff and managers listing those
cases. The reminder key (kind, recipient, agency, today) makes the rule safe to run again: a
second run the same day, or two beat processes, send nothing new. An agency without such cases
gets nothing, and nothing goes out on a day off (the cases wait for the next working day).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from petitions.choices import ReminderKind
from petitions.models import Case
from tainan_rdec import workdays
from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, Reminder, User
from tainan_rdec.reminders import in_portal_language, portal_url, queue_for_each
from tainan_rdec.roc import format_roc_date, format_roc_date_long

RECIPIENT_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER)
# Cases due on or before this many working days after today are listed.
DUE_WITHIN_WORKING_DAYS = 1


@dataclass(frozen=True)
class DigestLine:
    """One case in an agency's digest."""

    case_number: str
    category: str
    subcategory: str
    due: str  # ROC date, e.g. 113.3.15
    overdue_days: int  # working days past the due date; 0 when not yet overdue
    due_label: str  # 逾期N個工作天 / 今日到期 / 下一工作天到期


def _line(case: Case, today: date, calendar: workdays.WorkingCalendar) -> DigestLine:
    overdue = calendar.working_days_between(case.due_date, today)
    if overdue:
        label = _("逾期{n}個工作天").format(n=overdue)
    elif case.due_date <= today:
        # Due today, or due on a day off just passed that has no working day after it yet.
        label = _("今日到期")
    else:
        label = _("下一工作天到期")
    return DigestLine(
        case_number=case.case_number,
        category=case.category.name,
        subcategory=case.subcategory.name,
        due=format_roc_date(case.due_date),
        overdue_days=overdue,
        due_label=label,
    )


def due_cases_by_agency(today: date) -> dict[int, list[Case]]:
    """Open cases due within one working day of ``today`` or overdue, by handling agency, the
    earliest due date first. One query."""
    horizon = workdays.add_working_days(today, DUE_WITHIN_WORKING_DAYS)
    cases = (
        Case.objects.open()
        .filter(due_date__lte=horizon)
        .select_related("category", "subcategory")
        .order_by("handling_agency_id", "due_date", "received_at", "pk")
    )
    by_agency: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_agency[case.handling_agency_id].append(case)
    return by_agency


def _recipients(agency_ids) -> dict[int, list[User]]:
    """Active bureau staff and managers of the agencies, read in one query."""
    people: dict[int, list[User]] = defaultdict(list)
    users = User.objects.filter(
        is_active=True, agency_id__in=set(agency_ids), role__in=RECIPIENT_ROLES
    ).order_by("role", "pk")
    for user in users:
        people[user.agency_id].append(user)
    return people


@in_portal_language
def daily_overdue_digest(today: date) -> list[Reminder]:
    """On a working day, queue one digest per agency with open cases due within one working day
    or overdue, to each of its active staff and managers. Returns the reminders queued (none
    on a re-run)."""
    if not workdays.is_working_day(today):
        return []
    by_agency = due_cases_by_agency(today)
    if not by_agency:
        return []
    calendar = workdays.get_calendar()
    agencies = Agency.objects.in_bulk(list(by_agency))
    people = _recipients(by_agency)
    link = portal_url(reverse("petitions:my_cases"))
    created = []
    for agency_id, cases in by_agency.items():
        agency = agencies[agency_id]
        lines = [_line(case, today, calendar) for case in cases]
        overdue = sum(1 for line in lines if line.overdue_days)
        subject = _("【陳情案件】{agency}逾期{overdue}件、即將到期{soon}件（{day}）").format(
            agency=agency.short_name or agency.name,
            overdue=overdue,
            soon=len(lines) - overdue,
            day=format_roc_date(today),
        )
        context = {
            "agency": agency,
            "lines": lines,
            "overdue": overdue,
            "soon": len(lines) - overdue,
            "today": format_roc_date_long(today),
            "link": link,
        }
        created += queue_for_each(
            people[agency_id],
            kind=ReminderKind.OVERDUE_DIGEST,
            template="petitions_digest",
            context=context,
            subject_obj=agency,
            period=today,
            subject=subject,
            link=link,
        )
    return created
