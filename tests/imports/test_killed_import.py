"""An import killed mid-file (SIGKILL, as the kernel's OOM killer or a pulled plug would) leaves
nothing behind: no worker process, fork server or resource tracker, no PostgreSQL session,
no row (tainan_rdec/importing/workers.py: each worker follows a lifeline to the importer).

The importer is ``manage.py import_records cases`` on a case CSV big enough to be checked by
two worker processes for a while; the test waits for its first progress line, so it is killed
with rows already written inside its transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from petitions.models import Case
from tests.conftest import subprocess_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent, state, start time) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """Every process below ``root``: pid → start time (which tells a reused pid apart)."""
    children: dict[int, list[int]] = {}
    started = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[0], []).append(int(entry.name))
            started[int(entry.name)] = stat[2]
    found, waiting = {}, [root]
    while waiting:
        for child in children.get(waiting.pop(), []):
            found[child] = started[child]
            waiting.append(child)
    return found


def alive(processes: dict[int, int]) -> list[int]:
    """Those of ``processes`` still running (a zombie has ended: only its exit status is left
    for whoever adopts it)."""
    return [
        pid
        for pid, start in processes.items()
        if (stat := _stat(pid)) is not None and stat[2] == start and stat[1] != "Z"
    ]


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_killing_an_import_ends_its_workers_and_their_sessions_and_writes_nothing(
    city_agencies, tmp_path
):
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import csv_bytes, good_rows

    ensure_categories()
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(good_rows(150_000)))
    sessions_before = other_sessions()
    env = subprocess_env(
        DATABASE_URL=_database_url(),
        MEDIA_ROOT=str(tmp_path / "media"),
        IMPORT_WORKERS="2",
        IMPORT_WORKERS_FROM_BYTES="0",
    )
    output = tmp_path / "out.txt"
    with output.open("wb") as out:
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_records", "cases", str(path)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    family: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 120
        while "已檢查" not in output.read_text(encoding="utf-8", errors="replace"):
            assert importer.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "no progress line in 120 s"
            time.sleep(0.2)
        family = descendants(importer.pid)
        assert len(family) >= 4, family  # fork server, resource tracker, two workers
        assert other_sessions() > sessions_before  # the importer's and its workers'

        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=20)

        deadline = time.monotonic() + 10
        while (alive(family) or other_sessions() > sessions_before) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert alive(family) == []
        assert other_sessions() == sessions_before
        assert not Case.objects.exists()
    finally:
        # Whatever this test started and left running, by pid.
        if importer.poll() is None:
            importer.kill()
            importer.wait()
        for pid in alive(family):
            os.kill(pid, signal.SIGKILL)
