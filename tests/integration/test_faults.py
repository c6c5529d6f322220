"""Faults, on real Celery workers, PostgreSQL and a Redis of the test's own (issue 8, "Load and
faults"):

* Redis stopped: filing, submitting and the pages still work, a packet requested and a reminder
  queued meanwhile are recorded; when Redis is back the beat's sweeps send them again and each
  is done once — one packet file, one e-mail per reminder — however often the sweeps run.
* A worker killed (SIGKILL) while building a packet or sending a reminder: the broker hands the
  unacknowledged task to the next worker, which finishes the job; nothing is built or e-mailed
  twice.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from projects.choices import PacketKind, PacketState, ReportState
from projects.models import MonthlyReport, Packet
from projects.packets import quarter_bounds, quarterly_title
from projects.reminders import ReminderKind
from projects.tasks import build_packet, daily_project_reminders
from tainan_rdec import dispatch, reminders
from tainan_rdec.choices import ReminderState, Role
from tainan_rdec.models import Agency, Reminder, User
from tainan_rdec.tasks import sweep_lost_work, sweep_reminders
from tests.integration.conftest import kill
from tests.integration.mailbox import sent_messages, wait_for
from tests.projects.factories import make_project

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

MARCH = date(2024, 3, 1)
TIMEOUT = 120


@pytest.fixture
def people(transactional_db):
    """Two bureaus with a listed project each (planned 25% by 113年3月), a filer at each, the
    first bureau's manager, and a reviewer."""
    agencies = [
        Agency.objects.create(code=f"FT{n}", name=f"故障測試局{n}", kind="bureau") for n in (1, 2)
    ]

    def user(username, role, agency=None):
        return User.objects.create(
            username=username, role=role, agency=agency, email=f"{username}@tainan.gov.tw"
        )

    return {
        "filer1": user("filer1", Role.BUREAU_STAFF, agencies[0]),
        "manager1": user("manager1", Role.BUREAU_MANAGER, agencies[0]),
        "filer2": user("filer2", Role.BUREAU_STAFF, agencies[1]),
        "reviewer": user("reviewer", Role.REVIEWER),
        "projects": [make_project(agency) for agency in agencies],
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def packet_files(media):
    """The stored packet PDFs (not the section cache)."""
    return [p for p in (media / "packets").rglob("*.pdf") if "cache" not in p.parts]


def quarterly_packet(by) -> Packet:
    start, end = quarter_bounds(2024, 1)
    return Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=start,
        period_end=end,
        title=quarterly_title(start),
        requested_by=by,
    )


def settled(packet=None, reminders_expected=0):
    """The packet (if any) is READY and the expected reminders exist, all SENT."""

    def check():
        if packet is not None:
            packet.refresh_from_db()
            if packet.state != PacketState.READY:
                return False
        states = list(Reminder.objects.values_list("state", flat=True))
        return len(states) >= reminders_expected and all(s == ReminderState.SENT for s in states)

    return check


def test_with_redis_down_filing_and_pages_work_and_the_work_runs_once_when_it_is_back(
    private_redis, celery_workers, people, media, client, caplog
):
    private_redis.stop()  # broker, result store and cache of this process all gone

    # -- Redis down: a manager files and submits March ------------------------------------
    client.force_login(people["manager1"])
    for page in ("home", "projects:index", "notifications"):
        assert client.get(reverse(page)).status_code == 200, page
    edit = reverse("projects:report_edit", args=[people["projects"][0].pk, 2024, 3])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "actual_percent": "26.5",
            "allocated_to_date": "30,000,000",
            "paid": "12,000,000",
            "payable_unpaid": "3,000,000",
            "savings": "0",
            "progress_text": "橋梁下部結構施工中。",
            "action": "submit",
        },
    )
    report = MonthlyReport.objects.get(project=people["projects"][0], period=MARCH)
    assert response.status_code == 302
    assert response.url == reverse("projects:report_detail", args=[report.pk])
    assert report.state == ReportState.SUBMITTED
    assert client.get(response.url).status_code == 200

    # ... a reviewer asks for the quarterly packet: the request is recorded, not lost ...
    client.force_login(people["reviewer"])
    response = client.post(
        reverse("projects:packet_list"),
        {"kind": PacketKind.QUARTERLY, "quarterly-year": "113", "quarterly-quarter": "1"},
    )
    packet = Packet.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("projects:packet_detail", args=[packet.pk])
    assert packet.state == PacketState.QUEUED
    for page in (response.url, reverse("projects:dashboard"), reverse("projects:review_queue")):
        assert client.get(page).status_code == 200, page

    # ... and the morning's reminder rule, run by a worker that was mid-task when Redis went
    # down, records the reminder for the bureau that has not filed.
    assert daily_project_reminders.run("2024-04-03") == 1
    reminder = Reminder.objects.get()
    assert (reminder.recipient, reminder.state, reminder.attempts) == (
        people["filer2"],
        ReminderState.PENDING,
        0,
    )
    refused = [r.getMessage() for r in caplog.records if "broker unavailable" in r.getMessage()]
    assert len(refused) == 2
    assert any("build_packet" in m for m in refused)
    assert any("send_reminder" in m for m in refused)

    # -- Redis is back; by the beat's next sweeps the rows have waited five minutes --------
    private_redis.start()
    waited = timezone.now() - timedelta(minutes=6)
    Packet.objects.update(created_at=waited)
    Reminder.objects.update(created_at=waited)
    # Two runs of each sweep queued before any worker takes a task (two beats, or one beat
    # and a retry): each run sends the packet build and the reminder again. The web process's
    # pooled broker connection reconnects by itself.
    sweeps = [sweep_lost_work.delay(), sweep_lost_work.delay()]
    sweeps += [sweep_reminders.delay(), sweep_reminders.delay()]
    _queue, mail_dir, log_path = celery_workers(REDIS_URL=private_redis.url, MEDIA_ROOT=str(media))

    assert [s.get(timeout=TIMEOUT) for s in sweeps] == [{"projects.packets": 1}] * 2 + [1, 1]
    wait_for(
        settled(packet, reminders_expected=2),
        timeout=TIMEOUT,
        log_path=log_path,
        what="the packet built and both reminders sent",
    )
    assert sweep_lost_work.delay().get(timeout=TIMEOUT) == {"projects.packets": 0}
    assert sweep_reminders.delay().get(timeout=TIMEOUT) == 0

    # Built once, each e-mail sent once.
    assert len(packet_files(media)) == 1
    assert packet.pages > 0
    assert Counter(m["To"] for m in sent_messages(mail_dir)) == {
        "filer2@tainan.gov.tw": 1,
        "reviewer@tainan.gov.tw": 1,
    }
    assert sorted(Reminder.objects.values_list("kind", "attempts")) == [
        (ReminderKind.FILING_DUE, 1),
        (ReminderKind.PACKET_READY, 1),
    ]
    assert "not queued (already built or being built); skipped" in log_path.read_text()


def test_a_worker_killed_while_building_a_packet_is_replaced_and_the_packet_built_once(
    private_redis, celery_workers, people, media, tmp_path
):
    on_redis = {"REDIS_URL": private_redis.url, "MEDIA_ROOT": str(media)}
    storing = tmp_path / "storing"
    _queue, mail_dir, log_path = celery_workers(
        TEST_PAUSE_SAVE_SECONDS="600", TEST_PAUSE_SAVE_MARKER=str(storing), **on_redis
    )
    doomed = celery_workers.processes[-1]
    packet = quarterly_packet(people["reviewer"])
    assert dispatch.send(build_packet, packet.pk)

    # The worker has rendered the sections and is storing the PDF when it is killed.
    wait_for(storing.exists, timeout=TIMEOUT, log_path=log_path, what="the build to store")
    kill(doomed)
    packet.refresh_from_db()
    assert packet.state == PacketState.BUILDING
    assert packet_files(media) == []

    # The next worker takes the unacknowledged task back (after a visibility timeout shortened
    # for the test), finds nobody alive holding the build, and builds the packet.
    celery_workers(TEST_VISIBILITY_TIMEOUT="5", **on_redis)
    wait_for(
        settled(packet, reminders_expected=1),
        timeout=TIMEOUT,
        log_path=log_path,
        what="the packet built after the kill",
    )

    assert "was left building by a dead worker" in log_path.read_text()
    assert len(packet_files(media)) == 1
    assert packet.file.name == packet_files(media)[0].relative_to(media).as_posix()
    assert [m["To"] for m in sent_messages(mail_dir)] == ["reviewer@tainan.gov.tw"]


def test_a_worker_killed_while_sending_a_reminder_is_replaced_and_it_is_sent_once(
    private_redis, celery_workers, people, tmp_path
):
    on_redis = {"REDIS_URL": private_redis.url}
    sending = tmp_path / "sending"
    _queue, mail_dir, log_path = celery_workers(
        EMAIL_BACKEND="tests.integration.hooks.PausingFileBackend",
        TEST_PAUSE_SEND_SECONDS="600",
        TEST_PAUSE_SEND_MARKER=str(sending),
        **on_redis,
    )
    doomed = celery_workers.processes[-1]
    reminder = reminders.queue_reminder(  # autocommit: dispatched at once
        kind="test.notice",
        recipient=people["filer1"],
        subject_obj=people["projects"][0],
        period=MARCH,
        subject="【管考入口網】測試提醒",
        body="填報期限為113年4月10日。",
    )

    # Claimed and about to go to the SMTP server when the worker is killed.
    wait_for(sending.exists, timeout=TIMEOUT, log_path=log_path, what="the send to start")
    kill(doomed)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.SENDING, 1)
    assert sent_messages(mail_dir) == []

    # The claim's lease (ten minutes) runs out before the broker gives the task to another
    # worker (after the visibility timeout: an hour in production, seconds here).
    Reminder.objects.filter(pk=reminder.pk).update(claimed_at=F("claimed_at") - reminders.LEASE)
    celery_workers(TEST_VISIBILITY_TIMEOUT="5", **on_redis)
    wait_for(settled(reminders_expected=1), timeout=TIMEOUT, log_path=log_path, what="the send")

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.SENT, 2)
    assert [m["To"] for m in sent_messages(mail_dir)] == ["filer1@tainan.gov.tw"]
