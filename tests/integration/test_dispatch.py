"""Dispatching with a broker that is down or that takes the messages (tainan_rdec.dispatch),
without a worker: these run everywhere (a closed port stands for Redis down, kombu's in-memory
transport for a broker that works), the advisory-lock test on PostgreSQL only."""

import logging
import time
import uuid
from datetime import date, timedelta

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from projects.choices import PacketKind, PacketState
from projects.models import Packet
from projects.packets import quarter_bounds, quarterly_title
from projects.tasks import (
    PACKET_CHECK_BUILDING_AFTER,
    PACKET_LOCK,
    PACKET_UNDISPATCHED_AFTER,
    build_packet,
    redispatch_lost_packets,
)
from tainan_rdec import dispatch, reminders
from tainan_rdec.celery import app as celery_app
from tainan_rdec.choices import ReminderState
from tainan_rdec.models import Reminder
from tests.integration.conftest import _free_port, celery_pointed_at

MINUTE = timedelta(minutes=1)


@pytest.fixture
def broker_down():
    """Celery pointed at a loopback port where nothing listens (Redis down)."""
    with celery_pointed_at(f"redis://127.0.0.1:{_free_port()}/0"):
        yield


@pytest.fixture
def memory_broker():
    """Celery on kombu's in-memory transport, on a queue of the test's own (the heavy tasks'
    too); returns a function that takes the queued messages as [(task name, args)]."""
    queue = f"dispatch-{uuid.uuid4().hex[:8]}"
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    with (
        celery_pointed_at("memory://", "cache+memory://"),
        override_settings(HEAVY_TASK_QUEUE=queue),
    ):

        def taken():
            messages = []
            with celery_app.connection_for_read() as conn:
                simple = conn.SimpleQueue(queue)
                while True:
                    try:
                        message = simple.get_nowait()
                    except simple.Empty:
                        break
                    message.ack()
                    messages.append((message.headers["task"], message.payload[0]))
                simple.close()
            return messages

        try:
            yield taken
        finally:
            celery_app.conf.task_default_queue = default_queue


def broker_warnings(caplog):
    return [r for r in caplog.records if "broker unavailable" in r.getMessage()]


def packet(by=None, **fields) -> Packet:
    start, end = quarter_bounds(2024, 1)
    return Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=start,
        period_end=end,
        title=quarterly_title(start),
        requested_by=by,
        **fields,
    )


def test_a_packet_requested_with_the_broker_down_is_recorded_and_the_request_succeeds(
    client_as, broker_down, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="tainan_rdec.dispatch")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("reviewer").post(
            reverse("projects:packet_list"),
            {"kind": PacketKind.QUARTERLY, "quarterly-year": "113", "quarterly-quarter": "1"},
        )

    requested = Packet.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("projects:packet_detail", args=[requested.pk])
    assert requested.state == PacketState.QUEUED
    [warning] = broker_warnings(caplog)
    assert "projects.tasks.build_packet" in warning.getMessage()
    assert f"({requested.pk},)" in warning.getMessage()


def test_a_reminder_queued_with_the_broker_down_stays_pending_for_the_sweep(
    cast, agency_a, broker_down, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reminder = reminders.queue_reminder(
            kind="test.notice",
            recipient=cast["staff_a"],
            subject_obj=agency_a,
            period=timezone.localdate().replace(day=1),
            subject="【管考入口網】測試提醒",
            body="內容",
        )

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.PENDING, 0)
    assert len(broker_warnings(caplog)) == 1


def test_a_sweep_with_the_broker_down_stops_at_the_first_refusal(
    cast, agency_a, broker_down, caplog
):
    content_type = ContentType.objects.get_for_model(agency_a)
    for n in range(3):
        Reminder.objects.create(
            kind=f"test.notice{n}",
            recipient=cast["staff_a"],
            content_type=content_type,
            object_id=agency_a.pk,
            period=timezone.localdate().replace(day=1),
            subject="主旨",
            body="內容",
        )
    Reminder.objects.update(created_at=timezone.now() - reminders.UNDISPATCHED_AFTER - MINUTE)

    assert reminders.sweep() == []
    assert len(broker_warnings(caplog)) == 1  # not one wait on the broker per row
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.PENDING}


def test_the_packet_sweeper_sends_again_only_packets_left_queued_or_building_too_long(
    cast, memory_broker
):
    now = timezone.now()
    lost = packet(cast["reviewer"])
    recent = packet(cast["reviewer"])
    abandoned = packet(cast["reviewer"], state=PacketState.BUILDING)
    building = packet(cast["reviewer"], state=PacketState.BUILDING)
    done = packet(cast["reviewer"], state=PacketState.READY)
    failed = packet(cast["reviewer"], state=PacketState.FAILED)
    long_ago = now - PACKET_UNDISPATCHED_AFTER - PACKET_CHECK_BUILDING_AFTER - MINUTE
    Packet.objects.update(created_at=long_ago)
    Packet.objects.filter(pk=recent.pk).update(created_at=now - MINUTE)
    Packet.objects.filter(pk=abandoned.pk).update(
        started_at=now - PACKET_CHECK_BUILDING_AFTER - MINUTE
    )
    Packet.objects.filter(pk=building.pk).update(started_at=now - MINUTE)

    assert redispatch_lost_packets(now) == [lost.pk, abandoned.pk]
    assert memory_broker() == [
        ("projects.tasks.build_packet", [lost.pk]),
        ("projects.tasks.build_packet", [abandoned.pk]),
    ]
    assert {done.pk, failed.pk}.isdisjoint(redispatch_lost_packets(now))


def test_every_sweeper_runs_even_when_one_fails(monkeypatch, caplog):
    monkeypatch.setattr(dispatch, "_sweepers", {})
    ran = []

    def broken(now):
        raise RuntimeError("boom")

    def working(now):
        ran.append(now)
        return [1, 2]

    dispatch.register_sweeper("a.broken", broken)
    dispatch.register_sweeper("b.working", working)

    assert dispatch.sweep_all() == {"a.broken": -1, "b.working": 2}
    assert len(ran) == 1
    assert "sweeper a.broken failed" in caplog.text


@pytest.mark.postgres
def test_a_packet_a_live_worker_is_building_is_left_to_it(cast):
    started = timezone.now() - MINUTE
    held = packet(cast["reviewer"], state=PacketState.BUILDING, started_at=started)
    s = connection.settings_dict
    # Another worker's database session, holding the build of this packet.
    other = psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [dispatch._lock_key(PACKET_LOCK, held.pk)])
        with dispatch.worker_lock(PACKET_LOCK, held.pk) as mine:
            assert mine is False

        assert build_packet.run(held.pk) == PacketState.BUILDING
        held.refresh_from_db()
        assert (held.state, held.started_at) == (PacketState.BUILDING, started)
    finally:
        other.close()  # the other worker dies: its lock goes when the server ends its session

    deadline = time.monotonic() + 10
    while True:
        with dispatch.worker_lock(PACKET_LOCK, held.pk) as mine:
            if mine or time.monotonic() > deadline:
                break
        time.sleep(0.05)
    assert mine is True


def test_a_report_returned_with_the_broker_down_is_returned_and_its_notice_logged(
    cast, agency_a, broker_down, caplog, django_capture_on_commit_callbacks
):
    from projects import services
    from projects.choices import ReminderKind, ReportState
    from tests.projects.factories import filed_report, make_project

    caplog.set_level(logging.WARNING, logger="tainan_rdec.dispatch")
    project = make_project(agency_a, start=date(2024, 1, 1), end=date(2026, 12, 31))
    report = filed_report(project, date(2024, 3, 1), 5, state=ReportState.SUBMITTED)
    report.created_by = cast["staff_a"]
    report.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(report, by=cast["reviewer"], comment="請補充落後原因")
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    # The notice is in the reminder log at once, waiting for its e-mail: the sweep sends it when
    # the broker is back, not the next day's reminder run.
    [notice] = Reminder.objects.filter(kind=ReminderKind.REPORT_RETURNED)
    assert notice.recipient == cast["staff_a"]
    assert notice.state == ReminderState.PENDING
    assert "請補充落後原因" in notice.body
    [warning] = broker_warnings(caplog)
    assert "tainan_rdec.tasks.send_reminder" in warning.getMessage()


def test_a_big_import_with_the_broker_down_says_so_and_writes_nothing(
    client_as, agency_a, broker_down, settings, tmp_path
):
    from openpyxl import Workbook

    from projects.models import Project
    from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

    settings.IMPORT_BACKGROUND_ROWS = 3
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "列管案件"
    sheet.append(PROJECT_HEADERS)
    for n in range(1, 6):
        sheet.append(project_row(f"P113-03{n:02d}"))
    path = tmp_path / "projects.xlsx"
    workbook.save(path)
    response = client_as("admin").post(
        reverse("admin:projects_project_import"),
        {"file": SimpleUploadedFile(path.name, path.read_bytes())},
        follow=True,
    )
    assert "背景匯入服務暫時無法使用，檔案未匯入" in response.content.decode()
    assert not Project.objects.exists()
