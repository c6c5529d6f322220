"""Kernel tasks shared by every app."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

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
