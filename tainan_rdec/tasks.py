"""Kernel tasks shared by every app."""

import logging
import smtplib

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from tainan_rdec import dispatch, reminders
from tainan_rdec.models import User

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_user_email(self, user_id: int, subject: str, text: str, html: str = "") -> bool:
    """E-mail one portal user; returns False when the user has no address or left.

    Takes a primary key, so a task queued before the user changed their address still mails the
    current one. Callers that must not send twice (reminders) keep their own sent-row and call
    this only after claiming it.
    """
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        log.info("send_user_email: user %s has no active e-mail address; skipped", user_id)
        return False
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return True


@shared_task(bind=True, max_retries=reminders.MAX_ATTEMPTS - 1)
def send_reminder(self, reminder_id: int) -> str:
    """E-mail one recorded reminder at most once (see ``tainan_rdec.reminders``).

    Two tasks for the same row (a re-dispatch, a redelivered message) are harmless: the
    conditional UPDATE in ``reminders.claim`` lets one of them send. An SMTP error puts the row
    back to PENDING and retries with backoff; the row counts its attempts, so the bound holds
    whichever task makes them. Returns the outcome's name.
    """
    result = reminders.deliver(reminder_id)
    while result.outcome is reminders.Outcome.RETRY and self.request.is_eager:
        # No broker to wait on (the embedded setup): an eager retry re-raises instead of running
        # again, so try again at once. The row's attempt count ends the loop.
        result = reminders.deliver(reminder_id)
    if result.outcome is reminders.Outcome.RETRY:
        try:
            raise self.retry(countdown=reminders.retry_countdown(result.attempts))
        except MaxRetriesExceededError:
            # The row is PENDING; the sweep dispatches it again while it has attempts left.
            log.warning("send_reminder %s: task retries exhausted", reminder_id)
    return result.outcome.value


@shared_task
def sweep_reminders() -> int:
    """Re-dispatch reminders nothing will send otherwise (beat: every 5 minutes)."""
    return len(reminders.sweep())


@shared_task
def sweep_lost_work() -> dict[str, int]:
    """Beat, every 5 minutes: run each app's sweeper (``tainan_rdec.dispatch``), which sends
    again the work whose row waited too long — a dispatch lost while the broker was down, a job
    whose worker was killed. Returns how many items each sweeper sent again."""
    return dispatch.sweep_all()
