"""Reminders on real Celery workers and Redis: one e-mail per due reminder however often and
however concurrently the tasks run, an SMTP failure retried and then sent once, and one notice
for a returned report."""

import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from projects import reminders, services
from projects.tasks import daily_project_reminders
from tainan_rdec.choices import ReminderState, Role
from tainan_rdec.models import Agency, Reminder, User
from tainan_rdec.reminders import queue_reminder
from tainan_rdec.tasks import send_reminder
from tests.integration.mailbox import sent_messages
from tests.projects.factories import make_project

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

MARCH = date(2024, 3, 1)
TIMEOUT = 90


def wait_until_settled(log_path, expected_rows):
    """Wait until ``expected_rows`` reminders exist and none is PENDING or SENDING."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        rows = list(Reminder.objects.values_list("state", flat=True))
        if len(rows) >= expected_rows and all(
            s in (ReminderState.SENT, ReminderState.FAILED, ReminderState.PORTAL_ONLY) for s in rows
        ):
            time.sleep(1)  # room for a duplicate to show up, if one were on its way
            return
        time.sleep(0.2)
    print(log_path.read_text())
    raise AssertionError(f"reminders did not settle: {list(Reminder.objects.values('state'))}")


@pytest.fixture
def bureaus(db):
    """Two agencies with a filer each and an unfiled listed project each."""
    agencies = [
        Agency.objects.create(code=f"IT{n}", name=f"整合測試局{n}", kind="bureau") for n in (1, 2)
    ]
    filers = [
        User.objects.create(
            username=f"filer{n}",
            role=Role.BUREAU_STAFF,
            agency=agency,
            email=f"filer{n}@tainan.gov.tw",
        )
        for n, agency in enumerate(agencies, 1)
    ]
    projects = [make_project(agency) for agency in agencies]
    return agencies, filers, projects


def test_the_daily_task_run_twice_and_concurrently_sends_one_email_per_reminder(
    celery_workers, bureaus
):
    _queue, mail_dir, log_path = celery_workers(workers=2)

    # Two at once (two workers, one task each), then once more.
    concurrent = [daily_project_reminders.apply_async(args=["2024-04-03"]) for _ in range(2)]
    counts = [result.get(timeout=TIMEOUT) for result in concurrent]
    again = daily_project_reminders.apply_async(args=["2024-04-03"]).get(timeout=TIMEOUT)
    wait_until_settled(log_path, expected_rows=2)

    assert sum(counts) == 2  # however the two runs split the work
    assert again == 0
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 2
    recipients = Counter(m["To"] for m in sent_messages(mail_dir))
    assert recipients == {"filer1@tainan.gov.tw": 1, "filer2@tainan.gov.tw": 1}
    assert all(
        "113年4月10日" in m.get_body(("plain",)).get_content() for m in sent_messages(mail_dir)
    )


def test_two_send_tasks_for_the_same_reminder_send_one_email(celery_workers, bureaus):
    _queue, mail_dir, _log = celery_workers(workers=2)
    agencies, filers, _projects = bureaus
    reminder = Reminder.objects.create(  # recorded, its dispatch lost
        kind="test.notice",
        recipient=filers[0],
        content_type=ContentType.objects.get_for_model(agencies[0]),
        object_id=agencies[0].pk,
        period=MARCH,
        subject="【管考入口網】測試提醒",
        body="填報期限為113年4月10日。",
    )

    results = [send_reminder.apply_async(args=[reminder.pk]) for _ in range(3)]
    outcomes = sorted(r.get(timeout=TIMEOUT) for r in results)

    assert outcomes == ["sent", "skipped", "skipped"]
    assert len(sent_messages(mail_dir)) == 1
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    assert reminder.attempts == 1


def test_an_smtp_failure_is_retried_and_the_reminder_sent_once(celery_workers, bureaus):
    _queue, mail_dir, log_path = celery_workers(smtp_failures=1, TEST_RETRY_BACKOFF="1")
    agencies, filers, _projects = bureaus

    reminder = queue_reminder(  # autocommit: dispatched at once
        kind="test.notice",
        recipient=filers[0],
        subject_obj=agencies[0],
        period=MARCH,
        subject="【管考入口網】測試提醒",
        body="填報期限為113年4月10日。",
    )
    wait_until_settled(log_path, expected_rows=1)

    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    assert reminder.attempts == 2
    assert reminder.last_error == ""
    assert [m["To"] for m in sent_messages(mail_dir)] == ["filer1@tainan.gov.tw"]
    assert "retry" in log_path.read_text().lower()


def test_returning_a_report_triggers_exactly_one_notice(celery_workers, bureaus):
    _queue, mail_dir, log_path = celery_workers()
    agencies, filers, projects = bureaus
    manager = User.objects.create(
        username="manager1",
        role=Role.BUREAU_MANAGER,
        agency=agencies[0],
        email="manager1@tainan.gov.tw",
    )
    reviewer = User.objects.create(username="reviewer1", role=Role.REVIEWER)
    report = services.start_report(projects[0], MARCH, by=filers[0], today=date(2024, 4, 2))
    report.actual_percent = Decimal("25.00")
    report.paid = 20_000_000
    report.progress_text = "主體結構施作中"
    services.save_report(report, by=filers[0])
    services.submit_report(report, by=manager)

    services.return_report(report, by=reviewer, comment="實支數與會計報表不符，請更正。")
    wait_until_settled(log_path, expected_rows=2)
    # The daily run's make-up finds the notice already written and sends nothing more.
    assert reminders.notify_returned_report(report.pk) == []
    wait_until_settled(log_path, expected_rows=2)

    messages = sent_messages(mail_dir)
    assert Counter(m["To"] for m in messages) == {
        "filer1@tainan.gov.tw": 1,
        "manager1@tainan.gov.tw": 1,
    }
    body = messages[0].get_body(("plain",)).get_content()
    assert "實支數與會計報表不符，請更正。" in body
    assert f"/projects/{projects[0].pk}/reports/2024/3/" in body
