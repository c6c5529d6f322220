"""The reminder mechanism (tainan_rdec.reminders) with tasks running in-process: one row per
key, one e-mail per row, claims that refuse a row another worker holds or already sent, bounded
retries after an SMTP error, and the sweep that re-sends what a lost dispatch left behind."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tainan_rdec import reminders
from tainan_rdec.choices import ReminderState
from tainan_rdec.models import Reminder
from tainan_rdec.tasks import send_reminder, sweep_reminders
from tests.mail_backends import FlakyLocmemBackend

PERIOD = date(2024, 3, 1)


@pytest.fixture
def flaky_smtp(settings):
    """An SMTP server that refuses the next ``n`` sends: ``flaky_smtp(n)``."""
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyLocmemBackend"

    def fail(n):
        FlakyLocmemBackend.failures_left = n
        FlakyLocmemBackend.attempts = 0

    yield fail
    FlakyLocmemBackend.failures_left = 0


def queue(recipient, subject_obj, *, kind="test.notice", period=PERIOD, **extra):
    return reminders.queue_reminder(
        kind=kind,
        recipient=recipient,
        subject_obj=subject_obj,
        period=period,
        subject=extra.pop("subject", "【管考入口網】測試提醒"),
        body=extra.pop("body", "填報期限為113年4月10日。"),
        html_body=extra.pop("html_body", "<p>填報期限為<strong>113年4月10日</strong>。</p>"),
        link=extra.pop("link", "http://portal.example/projects/"),
    )


def pending_row(recipient, subject_obj, **fields):
    """A recorded reminder whose dispatch never happened (no task queued)."""
    from django.contrib.contenttypes.models import ContentType

    fields.setdefault("kind", "test.notice")
    return Reminder.objects.create(
        recipient=recipient,
        content_type=ContentType.objects.get_for_model(subject_obj),
        object_id=subject_obj.pk,
        period=PERIOD,
        subject="【管考入口網】測試提醒",
        body="內容",
        **fields,
    )


def test_queueing_the_same_reminder_twice_records_one_row_and_sends_one_email(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(cast["staff_a"], agency_a)
        second = queue(cast["staff_a"], agency_a)

    assert first is not None and second is None
    assert Reminder.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff_a@example.tw"]
    assert message.subject == "【管考入口網】測試提醒"
    assert "113年4月10日" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    first.refresh_from_db()
    assert first.state == ReminderState.SENT
    assert first.sent_at is not None
    assert first.attempts == 1


def test_another_period_or_kind_is_another_reminder(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue(cast["staff_a"], agency_a)
        queue(cast["staff_a"], agency_a, period=date(2024, 4, 1))
        queue(cast["staff_a"], agency_a, kind="test.other")
    assert Reminder.objects.count() == 3
    assert len(mail.outbox) == 3


def test_nothing_is_sent_before_the_transaction_commits(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(cast["staff_a"], agency_a)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_rolled_back_rule_records_and_sends_nothing(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            queue(cast["staff_a"], agency_a)
            raise RuntimeError("the rule failed half-way")
    assert Reminder.objects.count() == 0
    assert mail.outbox == []


def test_an_inactive_recipient_gets_no_reminder(cast, agency_a):
    cast["staff_a"].is_active = False
    cast["staff_a"].save()
    assert queue(cast["staff_a"], agency_a) is None
    assert Reminder.objects.count() == 0


def test_the_claim_refuses_a_sent_row(cast, agency_a):
    row = pending_row(cast["staff_a"], agency_a, state=ReminderState.SENT, attempts=1)

    assert reminders.claim(row.pk) is False
    assert send_reminder.delay(row.pk).get() == "skipped"
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.attempts == 1


def test_the_claim_refuses_a_row_another_worker_is_sending(cast, agency_a):
    row = pending_row(
        cast["staff_a"],
        agency_a,
        state=ReminderState.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=2),
        attempts=1,
    )
    assert send_reminder.delay(row.pk).get() == "skipped"
    assert mail.outbox == []


def test_a_row_left_sending_by_a_killed_worker_is_reclaimed_after_the_lease(cast, agency_a):
    row = pending_row(
        cast["staff_a"],
        agency_a,
        state=ReminderState.SENDING,
        claimed_at=timezone.now() - reminders.LEASE - timedelta(seconds=1),
        attempts=1,
    )

    assert send_reminder.delay(row.pk).get() == "sent"

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == ReminderState.SENT
    assert row.attempts == 2


def test_an_smtp_error_is_retried_and_the_reminder_sent_once(
    cast, agency_a, flaky_smtp, django_capture_on_commit_callbacks
):
    flaky_smtp(2)
    with django_capture_on_commit_callbacks(execute=True):
        row = queue(cast["staff_a"], agency_a)

    assert FlakyLocmemBackend.attempts == 3
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == ReminderState.SENT
    assert row.attempts == 3
    assert row.last_error == ""


def test_after_the_last_retry_the_reminder_is_marked_failed(
    cast, agency_a, flaky_smtp, django_capture_on_commit_callbacks
):
    flaky_smtp(100)
    with django_capture_on_commit_callbacks(execute=True):
        row = queue(cast["staff_a"], agency_a)

    assert FlakyLocmemBackend.attempts == reminders.MAX_ATTEMPTS
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.state == ReminderState.FAILED
    assert row.attempts == reminders.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in row.last_error
    # A failed row is final: neither a new task nor the sweep sends it.
    assert send_reminder.delay(row.pk).get() == "skipped"
    assert sweep_reminders.delay().get() == 0


def test_retries_wait_longer_each_time_up_to_a_bound(settings):
    waits = [reminders.retry_countdown(n) for n in range(1, reminders.MAX_ATTEMPTS)]
    assert waits == sorted(waits)
    assert waits[0] == settings.REMINDER_RETRY_BACKOFF == 30
    assert max(waits) <= reminders.RETRY_BACKOFF_MAX
    # A row waiting for its retry is not re-dispatched by the sweep meanwhile.
    assert reminders.RETRY_LOST_AFTER > timedelta(seconds=max(waits))


def test_a_recipient_without_an_address_gets_the_reminder_in_the_portal_only(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = queue(cast["manager_a"], agency_a)  # the cast's managers have no e-mail
    row.refresh_from_db()
    assert mail.outbox == []
    assert (row.state, row.attempts, row.last_error) == (ReminderState.PORTAL_ONLY, 1, "")
    assert row.get_state_display() == "僅站內通知"


def test_a_portal_only_reminder_is_neither_retried_nor_swept(cast, agency_a):
    long_ago = timezone.now() - reminders.RETRY_LOST_AFTER - reminders.LEASE
    row = pending_row(
        cast["manager_a"],
        agency_a,
        state=ReminderState.PORTAL_ONLY,
        attempts=1,
        claimed_at=long_ago,
    )
    Reminder.objects.filter(pk=row.pk).update(created_at=long_ago)

    assert send_reminder.delay(row.pk).get() == "skipped"
    assert sweep_reminders.delay().get() == 0
    row.refresh_from_db()
    assert (row.state, row.attempts) == (ReminderState.PORTAL_ONLY, 1)


def test_a_recipient_deactivated_before_the_send_is_recorded_as_failed(
    cast, agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        row = queue(cast["staff_a"], agency_a)
    cast["staff_a"].is_active = False
    cast["staff_a"].save()

    assert send_reminder.delay(row.pk).get() == "failed"
    row.refresh_from_db()
    assert mail.outbox == []
    assert row.state == ReminderState.FAILED
    assert "停用" in row.last_error


def test_the_sweep_sends_a_row_whose_dispatch_was_lost(cast, agency_a):
    lost = pending_row(cast["staff_a"], agency_a)
    Reminder.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - reminders.UNDISPATCHED_AFTER - timedelta(seconds=1)
    )
    just_queued = pending_row(cast["staff_a"], agency_a, kind="test.fresh")

    assert sweep_reminders.delay().get() == 1

    assert len(mail.outbox) == 1
    lost.refresh_from_db()
    just_queued.refresh_from_db()
    assert lost.state == ReminderState.SENT
    assert just_queued.state == ReminderState.PENDING  # its own task is still on its way


def test_the_sweep_resends_a_row_abandoned_mid_send(cast, agency_a):
    row = pending_row(
        cast["staff_a"],
        agency_a,
        state=ReminderState.SENDING,
        claimed_at=timezone.now() - reminders.LEASE - timedelta(minutes=1),
        attempts=1,
    )
    assert reminders.sweep() == [row.pk]
    row.refresh_from_db()
    assert row.state == ReminderState.SENT
    assert len(mail.outbox) == 1


def test_the_sweep_gives_up_on_a_row_out_of_attempts(cast, agency_a):
    row = pending_row(
        cast["staff_a"],
        agency_a,
        state=ReminderState.SENDING,
        claimed_at=timezone.now() - reminders.LEASE - timedelta(minutes=1),
        attempts=reminders.MAX_ATTEMPTS,
    )
    assert reminders.sweep() == []
    row.refresh_from_db()
    assert row.state == ReminderState.FAILED
    assert mail.outbox == []


def test_the_first_wait_is_a_setting(settings):
    settings.REMINDER_RETRY_BACKOFF = 2
    assert [reminders.retry_countdown(n) for n in (1, 2, 3)] == [2, 4, 8]
