"""manage.py backup and restore: a dump of the database and the uploaded files, restored into
a fresh database and folder, gives back every row, every file and the same dashboard figures;
a restore never overwrites data it was not told to; only the newest BACKUP_KEEP are kept."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tainan_rdec.choices import Role
from tainan_rdec.models import User
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT in a temporary folder, holding files as the portal writes them."""
    root = tmp_path / "media"
    (root / "projects" / "photos" / "2025").mkdir(parents=True)
    (root / "projects" / "photos" / "2025" / "工地.jpg").write_bytes(
        b"\xff\xd8\xff" + bytes(range(256))
    )
    (root / "packets").mkdir()
    (root / "packets" / "114Q1.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 5000)
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


# -- a database of the same kind, fresh and empty, for restoring into ---------------------------


def _url(name: str) -> str:
    config = connection.settings_dict
    user = quote(config["USER"] or "")
    password = f":{quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{config['PORT'] or 5432}/{name}"


class Target:
    """An empty database for ``manage.py restore`` in a process of its own: a SQLite file, or
    on PostgreSQL a database named after the test database (each xdist worker has its own)."""

    def __init__(self, tmp_path: Path):
        self.media = tmp_path / "restored-media"
        if connection.vendor == "postgresql":
            self.name = f"{connection.settings_dict['NAME']}_restored"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
            self.env = {"DATABASE_URL": _url(self.name)}
        else:
            self.name = None
            self.path = tmp_path / "restored.sqlite3"
            self.env = {"DATABASE_URL": "", "SQLITE_PATH": str(self.path)}
        self.env["MEDIA_ROOT"] = str(self.media)

    def _admin(self, sql: str) -> None:
        with psycopg.connect(_url("postgres"), autocommit=True) as db:
            db.execute(sql)

    def drop(self) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def execute(self, *statements: str) -> None:
        if self.name:
            with psycopg.connect(self.env["DATABASE_URL"]) as db:
                for sql in statements:
                    db.execute(sql)
        else:
            db = sqlite3.connect(self.path)
            for sql in statements:
                db.execute(sql)
            db.commit()
            db.close()

    def counts(self) -> dict[str, int]:
        if self.name:
            return _pg_counts(self.env["DATABASE_URL"])
        return _sqlite_counts(self.path)

    def restore(self, *args: str) -> subprocess.CompletedProcess:
        return _manage("restore", *args, **self.env)


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.drop()


def _sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        db.close()


def _pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        names = [
            row[0]
            for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        counts = {
            name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names
        }
        # Sequences too: a restore that lost them would hand out ids already taken.
        for (name,) in db.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            last = db.execute(f'SELECT last_value FROM "{name}"').fetchone()[0]
            counts[f"sequence {name}"] = last
        return counts


def _backup() -> Path:
    call_command("backup", stdout=StringIO())
    (path,) = [p for p in Path(settings.BACKUP_DIR).iterdir() if p.name.startswith("rdec-")]
    return path


# -- both engines: the database the tests run on ------------------------------------------------


def test_backup_restores_into_an_empty_database_with_every_row_and_file(
    cast, media, backup_dir, target
):
    backup = _backup()

    result = target.restore("latest", "--dir", str(backup_dir))

    assert result.returncode == 0, result.stderr
    assert "與備份相符" in result.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    restored = target.counts()
    assert {k: v for k, v in restored.items() if not k.startswith("sequence ")} == manifest[
        "tables"
    ]
    # The cast's users, every one of them (the anonymous visitor is no row).
    cast_users = sum(1 for user in cast.values() if user is not None)
    assert restored["tainan_rdec_user"] == User.objects.count() == cast_users > 0
    assert _files(target.media) == _files(media)


def test_restore_refuses_a_database_with_tables_and_leaves_it_alone(
    cast, media, backup_dir, target
):
    _backup()
    target.execute("CREATE TABLE notes (body text)", "INSERT INTO notes VALUES ('keep me')")

    result = target.restore("latest", "--dir", str(backup_dir))

    assert result.returncode != 0
    assert "不是空的（已有 1 個資料表）" in result.stderr
    assert "--force" in result.stderr
    assert target.counts() == {"notes": 1}
    assert not target.media.exists()


def test_restore_refuses_a_media_folder_with_files(cast, media, backup_dir, target):
    _backup()
    target.media.mkdir()
    (target.media / "uploaded-since.jpg").write_bytes(b"new")

    result = target.restore("latest", "--dir", str(backup_dir))

    assert result.returncode != 0
    assert "上傳檔案資料夾" in result.stderr
    assert "--force" in result.stderr
    assert _files(target.media) == {"uploaded-since.jpg": b"new"}
    assert target.counts() == {}


def test_force_replaces_the_rows_and_files_with_the_backup(cast, media, backup_dir, make_user):
    _backup()
    before = set(User.objects.values_list("username", flat=True))
    before_files = _files(media)
    User.objects.filter(username="staff_b").delete()
    make_user("intruder", Role.REVIEWER, cast["reviewer"].agency)
    (media / "packets" / "114Q1.pdf").write_bytes(b"changed")
    (media / "stray.txt").write_text("not in the backup")

    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", "latest")
    assert "intruder" in set(User.objects.values_list("username", flat=True))

    call_command("restore", "latest", force=True, stdout=StringIO())

    assert set(User.objects.values_list("username", flat=True)) == before
    assert _files(media) == before_files


def test_restore_refuses_a_damaged_backup(cast, media, backup_dir, make_user):
    backup = _backup()
    (dump,) = [p for p in backup.iterdir() if p.name.startswith("database.")]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    make_user("after-the-backup", Role.REVIEWER, cast["reviewer"].agency)

    with pytest.raises(CommandError, match=f"{dump.name} 缺漏或已損毀"):
        call_command("restore", "latest", force=True)
    assert User.objects.filter(username="after-the-backup").exists()


def test_backup_keeps_the_newest_n_and_ignores_unfinished_folders(cast, media, backup_dir):
    start = timezone.make_aware(datetime(2025, 3, 1, 2, 30))
    for day in range(4):
        with time_machine.travel(start + timezone.timedelta(days=day), tick=False):
            call_command("backup", keep=2, stdout=StringIO())
    (backup_dir / ".rdec-20250310-023000.partial").mkdir()
    (backup_dir / "rdec-20250311-023000").mkdir()  # no manifest: not a whole backup

    whole = sorted(p.name for p in backup_dir.iterdir() if (p / "manifest.json").is_file())
    assert whole == ["rdec-20250303-023000", "rdec-20250304-023000"]
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", "latest")  # the newest whole one, not the bare folder


def test_backup_refuses_to_keep_none(cast, media, backup_dir):
    with pytest.raises(CommandError, match="保留份數至少為 1"):
        call_command("backup", keep=0)
    assert not backup_dir.exists() or not any(backup_dir.iterdir())


def test_backup_and_retention_come_from_the_environment(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.BACKUP_DIR, s.BACKUP_KEEP)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="tainan_rdec.settings",
            BACKUP_DIR=str(tmp_path / "nas"),
            BACKUP_KEEP="30",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "nas"), "30"]


# -- PostgreSQL: the demo data, dumped and restored into a fresh database ----------------------

# The figures two dashboards show, computed in a process of its own against DATABASE_URL.
FIGURES = r"""
import dataclasses, json
from datetime import date
from projects.dashboard import build_dashboard
from projects.models import Project
from petitions import stats
today = date.fromisoformat("{today}")
start = date(today.year - 1, 1, 1)
print(json.dumps({{
    "projects": dataclasses.asdict(build_dashboard(Project.objects.all(), today=today)),
    "petitions": [
        dataclasses.asdict(row)
        for row in stats.timeliness_by("agency", start=start, end=today, today=today)
    ],
    "received": stats.total_received(start, today),
}}, default=str, sort_keys=True, ensure_ascii=False))
"""


def _figures(url: str, today: str) -> dict:
    result = _manage("shell", "--no-imports", "-c", FIGURES.format(today=today), DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PROJECT_APPS = {"tainan_rdec", "projects", "petitions", "evaluations", "awards"}


@pytest.fixture
def migration_data(db):
    """The rows the project's data migrations load (agencies, categories, settings rows,
    schedules), which seed_demo needs and a transactional test's flush before this one empties:
    their loaders, idempotent by the project's convention, run again in migration order."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    graph = MigrationLoader(connection).graph
    done = set()
    for leaf in graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key in done or key[0] not in PROJECT_APPS:
                continue
            done.add(key)
            for operation in graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, None)


@pytest.mark.postgres
def test_demo_data_restored_into_a_fresh_database_shows_the_same_rows_and_figures(
    migration_data, media, backup_dir, target
):
    call_command("seed_demo", stdout=StringIO())
    backup = _backup()
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    result = target.restore(str(backup))

    assert result.returncode == 0, result.stderr
    source = _url(connection.settings_dict["NAME"])
    source_counts = _pg_counts(source)
    assert source_counts["projects_project"] == 81
    assert source_counts["petitions_case"] == 2000
    assert target.counts() == source_counts
    assert _files(target.media) == _files(media)
    today = timezone.localdate().isoformat()
    figures = _figures(source, today)
    assert figures["projects"]["total"]["count"] == 81
    assert figures["received"] > 0
    assert _figures(target.env["DATABASE_URL"], today) == figures

    # Into the database that now has the data: refused, then replaced when told.
    again = target.restore(str(backup))
    assert again.returncode != 0
    assert "不是空的" in again.stderr
    forced = target.restore(str(backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.counts() == source_counts


@pytest.mark.postgres
def test_a_failed_pg_restore_leaves_the_database_as_it_was(
    cast, media, backup_dir, target, tmp_path
):
    backup = _backup()
    broken = tmp_path / "broken"
    shutil.copytree(backup, broken)
    dump = broken / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    # A truncated dump whose manifest was made to match it: pg_restore itself must fail.
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["files"]["database.dump"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (broken / "manifest.json").write_text(json.dumps(manifest))

    into_empty = target.restore(str(broken))
    assert into_empty.returncode != 0
    assert "資料庫還原失敗" in into_empty.stderr
    assert target.counts() == {}

    target.execute("CREATE TABLE notes (body text)", "INSERT INTO notes VALUES ('keep me')")
    replacing = target.restore(str(broken), "--force")
    assert replacing.returncode != 0
    assert "資料庫還原失敗" in replacing.stderr
    assert target.counts() == {"notes": 1}
