"""Sending reminders (提醒、稽催) exactly once per recorded row.

The apps decide *who is due what* (e.g. ``projects/reminders.py``) and call ``queue_reminder``;
this module owns the *how*:

1. ``queue_reminder`` writes the ``Reminder`` row under its unique key (kind, recipient, subject
   object, period) before anything is sent. A re-run, a second beat process or a concurrent
   insert finds the row and queues nothing more. The send task is dispatched only when this call
   created the row, and only after the transaction commits (a rolled-back rule sends nothing).
2. ``deliver`` (the body of the ``send_reminder`` task) claims the row with one conditional
   UPDATE — PENDING → SENDING, or a SENDING row whose lease (``LEASE``) ran out because the worker
   holding it died — so of two tasks for the same row only one sends. After the SMTP server
   accepts the message the row is marked SENT; on an SMTP error it goes back to PENDING with the
   error and the task retries with backoff, at most ``MAX_ATTEMPTS`` sends per row (counted on the
   row, so a sweep re-dispatch cannot add attempts), then FAILED. A recipient without an e-mail
   address still reads the reminder on the notifications page: the row ends PORTAL_ONLY, which,
   like SENT and FAILED, nothing claims or sweeps again.
3. ``sweep`` (the ``sweep_reminders`` task, every few minutes) re-dispatches PENDING rows whose
   dispatch was lost (broker down at commit time, a retry message dropped) and SENDING rows whose
   lease ran out (worker killed mid-run). Nothing recorded is lost.

At-most-once, honestly: the one window in which a row can be sent twice is between the SMTP
server accepting the message and the SENT update committing — one UPDATE round-trip, normally a
few milliseconds. A worker killed (or a database outage) inside that window leaves the row
SENDING; after the lease the sweep sends it again, so the recipient gets one duplicate. A second
way to the same result needs a worker to hold a claim longer than the lease (10 minutes) while
the SMTP connection times out after ``SMTP_TIMEOUT`` seconds, which a live worker does not do.
Outside those cases each row is e-mailed at most once, and at least once unless it ends FAILED
or PORTAL_ONLY.
"""

from __future__ import annotations

import functools
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tainan_rdec.choices import ReminderState
from tainan_rdec.dispatch import send, send_on_commit
from tainan_rdec.models import Reminder, User

log = logging.getLogger(__name__)

# A claimed row whose worker has not finished within the lease is taken to be abandoned.
LEASE = timedelta(minutes=10)
# Sends per row: the first try and up to five retries.
MAX_ATTEMPTS = 6
# Seconds before the n-th retry (n = 1..): settings.REMINDER_RETRY_BACKOFF (30 s), then 1, 2, 4,
# 8 min.
RETRY_BACKOFF_MAX = 8 * 60
# A row never claimed is re-dispatched by the sweep after this long (its dispatch was lost).
UNDISPATCHED_AFTER = timedelta(minutes=5)
# A row waiting for a retry is re-dispatched only once its retry should long have run.
RETRY_LOST_AFTER = timedelta(seconds=RETRY_BACKOFF_MAX) + UNDISPATCHED_AFTER
# Far below LEASE, so a live worker never holds a claim past it while waiting on SMTP.
SMTP_TIMEOUT = 60
# Rows re-dispatched per sweep run; the next run takes the rest.
SWEEP_BATCH = 500
# The task that e-mails one row, named rather than imported: the tasks module imports this one.
SEND_TASK = "tainan_rdec.tasks.send_reminder"

# Errors worth retrying: the SMTP server refused or the connection failed (ConnectionError,
# TimeoutError and socket errors are OSError).
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def queue_reminder(
    *,
    kind: str,
    recipient: User,
    subject_obj: models.Model,
    period: date,
    subject: str,
    body: str,
    html_body: str = "",
    link: str = "",
) -> Reminder | None:
    """Record the reminder and send it once the transaction commits.

    Returns the new row, or None when a row with the same key already exists (nothing is sent
    again) or the recipient has left. Safe to call from inside a larger transaction.
    """
    if not recipient.is_active:
        return None
    key = {
        "kind": kind,
        "recipient": recipient,
        "content_type": ContentType.objects.get_for_model(subject_obj),
        "object_id": subject_obj.pk,
        "period": period,
    }
    defaults = {
        # The model's limits; a long project name must not make the row fail to save.
        "subject": subject[: Reminder._meta.get_field("subject").max_length],
        "body": body,
        "html_body": html_body,
        "link": link[: Reminder._meta.get_field("link").max_length],
    }
    try:
        # get_or_create retries the read after losing an insert race, inside a savepoint, so an
        # outer transaction stays usable; the except covers a race it does not resolve.
        reminder, created = Reminder.objects.get_or_create(**key, defaults=defaults)
    except IntegrityError:
        return None
    if not created:
        return None
    dispatch(reminder.pk)
    return reminder


def dispatch(reminder_id: int) -> None:
    """Queue the send task after commit. A broker that is down is logged, not raised
    (``tainan_rdec.dispatch``): the row is committed and PENDING, and the sweep dispatches it
    again once the broker is back."""
    send_on_commit(SEND_TASK, reminder_id)


class Outcome(Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # another worker holds the row, or it is already done
    RETRY = "retry"  # transient error, back to PENDING; the caller retries
    FAILED = "failed"  # out of attempts, or the recipient's account was deactivated
    PORTAL_ONLY = "portal_only"  # no e-mail address: the notifications page is the delivery


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    attempts: int = 0
    error: str = ""


def claim(reminder_id: int, now=None) -> bool:
    """Take the row for sending with one conditional UPDATE; False when another worker has it
    (SENDING within its lease), it is done (SENT, FAILED, PORTAL_ONLY) or out of attempts."""
    now = now or timezone.now()
    claimable = Q(state=ReminderState.PENDING) | Q(
        state=ReminderState.SENDING, claimed_at__lt=now - LEASE
    )
    updated = Reminder.objects.filter(claimable, pk=reminder_id, attempts__lt=MAX_ATTEMPTS).update(
        state=ReminderState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return updated == 1


def retry_countdown(attempts: int) -> int:
    """Seconds to wait before the next try after ``attempts`` failed sends."""
    first = settings.REMINDER_RETRY_BACKOFF
    return min(first * 2 ** max(attempts - 1, 0), RETRY_BACKOFF_MAX)


def deliver(reminder_id: int) -> Delivery:
    """Claim the row, e-mail it and record the result (the ``send_reminder`` task's body)."""
    claimed_at = timezone.now()
    if not claim(reminder_id, claimed_at):
        return Delivery(Outcome.SKIPPED)
    # Only the holder of this claim may write the outcome: after a lease ran out another worker
    # may hold the row with a later claimed_at.
    mine = Reminder.objects.filter(
        pk=reminder_id, state=ReminderState.SENDING, claimed_at=claimed_at
    )
    reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
    recipient = reminder.recipient
    if not recipient.is_active:
        # Left since the row was queued: neither the e-mail nor the portal reaches them.
        error = _("收件人帳號已停用。")
        mine.update(state=ReminderState.FAILED, last_error=error)
        return Delivery(Outcome.FAILED, reminder.attempts, error)
    if not recipient.email:
        # Not a failure: the reminder is on the recipient's notifications page, which is all
        # the portal can do for them. Final, so no retry or sweep sends it again.
        mine.update(state=ReminderState.PORTAL_ONLY, last_error="")
        return Delivery(Outcome.PORTAL_ONLY, reminder.attempts)
    try:
        _send(reminder)
    except TRANSIENT_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        exhausted = reminder.attempts >= MAX_ATTEMPTS
        state = ReminderState.FAILED if exhausted else ReminderState.PENDING
        mine.update(state=state, last_error=error)
        log.warning("reminder %s: attempt %s failed: %s", reminder_id, reminder.attempts, error)
        return Delivery(Outcome.FAILED if exhausted else Outcome.RETRY, reminder.attempts, error)
    if not mine.update(state=ReminderState.SENT, sent_at=timezone.now(), last_error=""):
        log.error("reminder %s: sent, but its claim was taken over meanwhile", reminder_id)
    return Delivery(Outcome.SENT, reminder.attempts)


def _send(reminder: Reminder) -> None:
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT)
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=reminder.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        connection=connection,
    )
    if reminder.html_body:
        message.attach_alternative(reminder.html_body, "text/html")
    message.send()


def sweep(now=None) -> list[int]:
    """Dispatch again the rows nothing will send otherwise; returns the ids sent (it stops at
    the first the broker refuses: the next run takes them).

    Rows out of attempts are marked FAILED here (a SENDING one whose last worker died may in
    fact have been sent: its error says so)."""
    now = now or timezone.now()
    abandoned = Q(state=ReminderState.SENDING, claimed_at__lt=now - LEASE)
    lost = Q(state=ReminderState.PENDING) & (
        Q(claimed_at__isnull=True, created_at__lt=now - UNDISPATCHED_AFTER)
        | Q(claimed_at__lt=now - RETRY_LOST_AFTER)
    )
    Reminder.objects.filter(abandoned | lost, attempts__gte=MAX_ATTEMPTS).update(
        state=ReminderState.FAILED,
        last_error=_("已達寄送次數上限；最後一次寄送結果不明。"),
    )
    ids = list(
        Reminder.objects.filter(abandoned | lost)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = []
    for reminder_id in ids:
        if not send(SEND_TASK, reminder_id):
            break  # the broker is down: the rest wait for the next sweep
        sent.append(reminder_id)
    return sent


def portal_url(path: str) -> str:
    """An absolute link to a portal page for an e-mail."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def in_portal_language(rule):
    """Decorator: e-mails go out in the portal's language (zh-Hant), whoever's request or task
    triggered them."""

    @functools.wraps(rule)
    def run(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return rule(*args, **kwargs)

    return run


def render_email(template: str, context: dict) -> tuple[str, str]:
    """The text and HTML bodies of an e-mail (templates/emails/<template>.txt and .html)."""
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return text, html


def queue_for_each(
    recipients: Iterable[User],
    *,
    kind: str,
    template: str,
    context: dict,
    subject_obj: models.Model,
    period: date,
    subject: str,
    link: str = "",
) -> list[Reminder]:
    """Render ``template`` for each recipient (as ``recipient`` in the context) and queue it;
    returns the reminders that were new."""
    created = []
    for user in recipients:
        text, html = render_email(template, {**context, "recipient": user, "link": link})
        reminder = queue_reminder(
            kind=kind,
            recipient=user,
            subject_obj=subject_obj,
            period=period,
            subject=subject,
            body=text,
            html_body=html,
            link=link,
        )
        if reminder is not None:
            created.append(reminder)
    return created
