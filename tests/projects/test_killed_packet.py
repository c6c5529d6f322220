"""A packet build killed mid-render (SIGKILL, as the OOM killer would) leaves no render process,
fork server or resource tracker behind (projects/packets.py: the render processes follow a
lifeline to the build, tainan_rdec/lifeline.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from projects.choices import PacketKind, PacketState
from projects.models import Packet
from projects.packets import quarter_bounds, quarterly_title
from tests.conftest import subprocess_env
from tests.imports.test_killed_import import _database_url, alive, descendants
from tests.projects.factories import filed_report, make_project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def test_killing_a_packet_build_ends_its_render_processes(cast, agency_a, tmp_path):
    # Enough projects for several chapter documents, so the render pool is busy for seconds.
    for n in range(64):
        project = make_project(agency_a, name=f"第{n}號道路拓寬工程")
        for month in (1, 2, 3):
            filed_report(project, date(2024, month, 1), 8 * month, lag_reasons="用地取得延宕")
    start, end = quarter_bounds(2024, 1)
    packet = Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=start,
        period_end=end,
        title=quarterly_title(start),
        requested_by=cast["reviewer"],
    )
    env = subprocess_env(
        DATABASE_URL=_database_url(), MEDIA_ROOT=str(tmp_path / "media"), PACKET_RENDER_WORKERS="2"
    )
    builder = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from projects.packets import build_quarterly_packet; "
            f"build_quarterly_packet({packet.pk})",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    family: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 120
        # Rendering: the fork server, the resource tracker and the render processes are up.
        while len(family := descendants(builder.pid)) < 4:
            assert builder.poll() is None, "the build ended before its render processes started"
            assert time.monotonic() < deadline, f"no render processes in 120 s: {family}"
            time.sleep(0.1)

        builder.send_signal(signal.SIGKILL)
        builder.wait(timeout=20)

        deadline = time.monotonic() + 10
        while alive(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert alive(family) == []
        packet.refresh_from_db()
        assert packet.state == PacketState.BUILDING  # the sweeper takes it over (tasks.py)
    finally:
        if builder.poll() is None:
            builder.kill()
            builder.wait()
        for pid in alive(family):
            os.kill(pid, signal.SIGKILL)
