"""Who is told what about improvement items (改善事項), whatever raised them (an audit, or the
petitions-timeliness follow-through): the one urging of the portal's one improvement mechanism,
through the kernel's reminder log (``tainan_rdec.reminders``), so each notice is a row with a
unique key and goes out once.

- ``notify_raised``: at once, in the transaction that raises the item, to the agency's bureau
  staff and managers (key: the item, the day raised).
- ``notify_returned``: at once, in the transaction of a reviewer's return (of a plan or of a
  report-back), with the reason; the subject is the item's history row of that return, so each
  return is told once.
- ``urge_overdue`` (稽催): on the first working day after the due date of an item waiting for
  the agency (a plan to file, a report-back to write), the agency's staff and managers; a due
  date on a day off counts from the next working day. The key's period is the due date, so an
  item given a new due date is urged again for it. Run daily by
  ``evaluations.tasks.send_improvement_reminders``; a missed day can be made up by running it
  for that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.choices import AWAITING_AGENCY, ImprovementStatus, ReminderKind
from evaluations.models import ImprovementItem
from tainan_rdec import workdays
from tainan_rdec.choices import Role
from tainan_rdec.models import Reminder, User
from tainan_rdec.reminders import in_portal_language, portal_url, queue_for_each
from tainan_rdec.roc import format_roc_date_long

RECIPIENT_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_MANAGER)
TEMPLATE = "improvement_notice"
# How far back the daily rule reads due dates: the first working day after one is at most a
# couple of weeks later, even over the Lunar New Year.
LOOKBACK = timedelta(days=20)


def _people(agency_ids: Iterable[int]) -> dict[int, list[User]]:
    """Active bureau staff and managers of the agencies, in one query."""
    people: dict[int, list[User]] = defaultdict(list)
    users = User.objects.filter(
        is_active=True, agency_id__in=set(agency_ids), role__in=RECIPIENT_ROLES
    ).order_by("role", "pk")
    for user in users:
        people[user.agency_id].append(user)
    return people


def _next_step(item: ImprovementItem) -> str:
    if item.status == ImprovementStatus.PLAN_DUE:
        return _("提出改善計畫（原因分析、改善措施、預定完成日期）")
    if item.is_timeliness:
        return _("回報改善計畫執行成效")
    return _("回復改善情形")


def _queue(item: ImprovementItem, *, kind, subject_obj, period, subject, heading, message, people):
    link = portal_url(reverse("evaluations:improvement_detail", args=[item.pk]))
    context = {
        "item": item,
        "heading": heading,
        "message": message,
        "step": _next_step(item),
        "due": format_roc_date_long(item.due_date),
    }
    return queue_for_each(
        people,
        kind=kind,
        template=TEMPLATE,
        context=context,
        subject_obj=subject_obj,
        period=period,
        subject=subject,
        link=link,
    )


def _source_label(item: ImprovementItem) -> str:
    return item.get_source_display()


@in_portal_language
def notify_raised(item: ImprovementItem) -> list[Reminder]:
    """Tell the agency that an item was raised and what it must do by when."""
    due = format_roc_date_long(item.due_date)
    return _queue(
        item,
        kind=ReminderKind.IMPROVEMENT_RAISED,
        subject_obj=item,
        period=timezone.localdate(),
        subject=_("【改善事項】{source}列管，請於{due}前{step}").format(
            source=_source_label(item), due=due, step=_next_step(item)
        ),
        heading=_("新列管改善事項"),
        message=_("研考會就{source}列管下列改善事項，請於{due}前{step}：").format(
            source=_source_label(item), due=due, step=_next_step(item)
        ),
        people=_people([item.agency_id])[item.agency_id],
    )


@in_portal_language
def notify_returned(item: ImprovementItem) -> list[Reminder]:
    """Tell the agency that the reviewer returned its plan or report-back, with the reason."""
    entry = item.history.order_by("-history_date", "-history_id").first()
    return _queue(
        item,
        kind=ReminderKind.IMPROVEMENT_RETURNED,
        subject_obj=entry,
        period=timezone.localdate(),
        subject=_("【退回】改善事項經研考會退回，請於{due}前{step}").format(
            due=format_roc_date_long(item.due_date), step=_next_step(item)
        ),
        heading=_("改善事項退回補正"),
        message=_("研考會退回貴機關的改善事項辦理內容，理由：{note}").format(note=item.review_note),
        people=_people([item.agency_id])[item.agency_id],
    )


@in_portal_language
def urge_overdue(today: date) -> list[Reminder]:
    """On a working day, urge the agencies whose items waiting for them fell due on the last
    working day (their due date, or the working day after a due date on a day off)."""
    if not workdays.is_working_day(today):
        return []
    items = list(
        ImprovementItem.objects.filter(
            status__in=AWAITING_AGENCY, due_date__gte=today - LOOKBACK, due_date__lt=today
        )
        .select_related("agency", "audit")
        .order_by("due_date", "pk")
    )
    due = [
        item
        for item in items
        if workdays.working_days_between(workdays.add_working_days(item.due_date, 0), today) == 1
    ]
    people = _people(item.agency_id for item in due)
    created = []
    for item in due:
        deadline = format_roc_date_long(item.due_date)
        created += _queue(
            item,
            kind=ReminderKind.IMPROVEMENT_OVERDUE,
            subject_obj=item,
            period=item.due_date,
            subject=_("【稽催】改善事項已逾期限（{due}），請儘速{step}").format(
                due=deadline, step=_next_step(item)
            ),
            heading=_("改善事項逾期稽催"),
            message=_("研考會列管的改善事項已逾期限（{due}），請儘速{step}：").format(
                due=deadline, step=_next_step(item)
            ),
            people=people[item.agency_id],
        )
    return created
