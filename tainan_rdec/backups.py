"""Backups of the database and the uploaded files, and putting one back (``manage.py backup``,
``manage.py restore``; docker-compose's ``backup`` service runs the first every night).

A backup is one folder, ``BACKUP_DIR/rdec-YYYYMMDD-HHMMSS/`` (local time), holding

- ``database.dump``: PostgreSQL's custom-format dump (``pg_dump -Fc``, read by ``pg_restore``),
  or ``database.sqlite3``, a copy made with SQLite's online backup on the embedded setup;
- ``media.tar.gz``: everything under ``MEDIA_ROOT`` (photos, packets, uploads);
- ``manifest.json``: when, which engine, the SHA-256 of both files and the row count of every
  table, as the dump holds them. A restore checks the files against it before it starts and
  the restored tables against it when it ends.

It is written into a hidden ``.partial`` folder and renamed when complete, so a folder named
``rdec-…`` is always a whole backup, and the retention (the newest ``BACKUP_KEEP``) counts only
whole ones: a run that fails removes none of the older backups.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone
from django.utils.translation import gettext as _

PREFIX = "rdec-"
NAME = re.compile(r"rdec-\d{8}-\d{6}")
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FORMAT = 1
# Where a restore with --force keeps the tables it replaces until the restore has succeeded.
SET_ASIDE = "rdec_before_restore"
# A .partial folder this old was left by a run that died (a backup takes minutes, not a day).
STALE_PARTIAL_SECONDS = 24 * 60 * 60


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


@dataclass
class Made:
    path: Path
    tables: int
    rows: int
    media_files: int
    size: int
    seconds: float
    removed: list[Path]


@dataclass
class Restored:
    path: Path
    tables: int
    rows: int
    media_files: int
    seconds: float


# -- which backups there are ----------------------------------------------------------------


def backups_in(directory: Path) -> list[Path]:
    """The whole backups in ``directory``, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if path.is_dir() and NAME.fullmatch(path.name) and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda path: path.name)


def find_backup(name_or_path: str, directory: Path) -> Path:
    """A backup named by its folder, its name in ``directory``, or ``latest``."""
    if name_or_path == "latest":
        existing = backups_in(directory)
        if not existing:
            raise BackupError(_("{dir} 沒有任何備份。").format(dir=directory))
        return existing[-1]
    path = Path(name_or_path)
    if not path.is_dir():
        path = directory / name_or_path
    if not (path / MANIFEST).is_file():
        raise BackupError(
            _("找不到備份 {name}：應為含 {manifest} 的備份資料夾。").format(
                name=name_or_path, manifest=MANIFEST
            )
        )
    return path


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` whole backups, and partial ones a dead run left."""
    removed = []
    for path in backups_in(directory)[:-keep]:
        shutil.rmtree(path)
        removed.append(path)
    cutoff = time.time() - STALE_PARTIAL_SECONDS
    for path in directory.glob(f".{PREFIX}*.partial"):
        if path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
    return removed


# -- making one -------------------------------------------------------------------------------


def create_backup(directory: Path, *, keep: int) -> Made:
    """Back up the database and MEDIA_ROOT into a new folder in ``directory``; then keep only
    the newest ``keep`` backups."""
    if keep < 1:
        raise BackupError(_("保留份數至少為 1，收到 {keep}。").format(keep=keep))
    started = time.monotonic()
    engine = _engine()
    name = PREFIX + timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = directory / name
    if final.exists():
        raise BackupError(_("備份 {path} 已存在，請稍候再試。").format(path=final))
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        dump = partial / DUMPS[engine]
        # The database first, then the files: a row in the dump refers to a file that was
        # written before the row was, so the files taken after it include it.
        tables = _dump_postgresql(dump) if engine == "postgresql" else _dump_sqlite(dump)
        media_files = _archive_media(partial / MEDIA_ARCHIVE)
        manifest = {
            "format": FORMAT,
            "created": timezone.localtime().isoformat(),
            "engine": engine,
            "database": str(connection.settings_dict["NAME"]),
            "files": {
                DUMPS[engine]: _sha256(dump),
                MEDIA_ARCHIVE: _sha256(partial / MEDIA_ARCHIVE),
            },
            "media_files": media_files,
            "tables": tables,
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    removed = prune(directory, keep)
    size = sum(path.stat().st_size for path in final.iterdir())
    return Made(
        path=final,
        tables=len(tables),
        rows=sum(tables.values()),
        media_files=media_files,
        size=size,
        seconds=time.monotonic() - started,
        removed=removed,
    )


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(_("不支援的資料庫：{vendor}。").format(vendor=vendor))
    return vendor


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the default database: password and TLS options as Django's own
    ``dbshell`` passes them (never on the command line, where ``ps`` shows it)."""
    config = connection.settings_dict
    _args, extra = DatabaseClient.settings_to_cmd_args_env(config, [])
    env = {**os.environ, **(extra or {})}
    for variable, key in [("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")]:
        if config.get(key):
            env[variable] = str(config[key])
    env["PGDATABASE"] = str(config["NAME"])
    return env


def _run(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(
            command, env=_pg_environment(), capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            _("找不到 {program}：請安裝 PostgreSQL 用戶端（Debian：postgresql-client）。").format(
                program=command[0]
            )
        ) from None
    if result.returncode != 0:
        raise BackupError(
            _("{what}失敗（{program} 結束碼 {code}）：{error}").format(
                what=what, program=command[0], code=result.returncode, error=result.stderr.strip()
            )
        )


def _dump_postgresql(path: Path) -> dict[str, int]:
    """``pg_dump -Fc`` of the database, and the row counts of exactly what it dumped: both
    read one exported snapshot, so a portal in use while it runs cannot make them differ."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _pg_counts(cursor)
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
                _("資料庫備份"),
            )
        raw.rollback()
    finally:
        raw.close()
    return tables


def _pg_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # names from the catalogue
        counts[name] = cursor.fetchone()[0]
    return counts


def _dump_sqlite(path: Path) -> dict[str, int]:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # One step (all pages at once) holds a read lock throughout: a consistent copy.
        connection.connection.backup(target)
    finally:
        target.close()
    return _sqlite_counts(path)


def _sqlite_counts(path: Path) -> dict[str, int]:
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _sqlite_table_counts(copy)
    finally:
        copy.close()


def _sqlite_table_counts(raw) -> dict[str, int]:
    names = [
        row[0]
        for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _archive_media(path: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(path, "w:gz") as archive:
        if root.is_dir():
            for item in sorted(root.rglob("*")):
                archive.add(item, arcname=item.relative_to(root).as_posix(), recursive=False)
                files += item.is_file()
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# -- putting one back -------------------------------------------------------------------------


def restore_backup(path: Path, *, force: bool = False) -> Restored:
    """Restore the backup at ``path`` into the default database and MEDIA_ROOT. Both must be
    empty unless ``force``, which replaces what they hold. Ends by comparing every table's
    rows with the manifest."""
    started = time.monotonic()
    manifest = _read_manifest(path)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            _("備份來自 {theirs} 資料庫，無法還原到 {ours} 資料庫。").format(
                theirs=manifest["engine"], ours=engine
            )
        )
    for name, digest in manifest["files"].items():
        if not (path / name).is_file() or _sha256(path / name) != digest:
            raise BackupError(
                _("備份檔 {file} 缺漏或已損毀（與 {manifest} 記載的雜湊值不符）。").format(
                    file=path / name, manifest=MANIFEST
                )
            )
    media_root = Path(settings.MEDIA_ROOT)
    if not force:
        _refuse_if_in_use(media_root)

    dump = path / DUMPS[engine]
    if engine == "postgresql":
        _restore_postgresql(dump, replace=force)
    else:
        _restore_sqlite(dump)
    media_files = _extract_media(path / MEDIA_ARCHIVE, media_root, replace=force)

    found = _current_counts()
    expected = manifest["tables"]
    if found != expected:
        differing = sorted(set(found) | set(expected))
        lines = [
            f"{table}: {expected.get(table, '—')} → {found.get(table, '—')}"
            for table in differing
            if found.get(table) != expected.get(table)
        ]
        raise BackupError(_("還原後的資料筆數與備份不符：\n{lines}").format(lines="\n".join(lines)))
    return Restored(
        path=path,
        tables=len(found),
        rows=sum(found.values()),
        media_files=media_files,
        seconds=time.monotonic() - started,
    )


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(
            _("無法讀取 {file}：{error}").format(file=path / MANIFEST, error=error)
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("{file} 的格式版本 {version} 無法辨識。").format(
                file=path / MANIFEST, version=manifest.get("format")
            )
        )
    return manifest


def _refuse_if_in_use(media_root: Path) -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            _(
                "資料庫 {name} 不是空的（已有 {count} 個資料表）：還原會取代其中所有資料。"
                "確定要取代，請加上 --force。"
            ).format(name=connection.settings_dict["NAME"], count=len(tables))
        )
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(
            _(
                "上傳檔案資料夾 {dir} 不是空的：還原會取代其中所有檔案。"
                "確定要取代，請加上 --force。"
            ).format(dir=media_root)
        )


def _restore_postgresql(dump: Path, *, replace: bool) -> None:
    """``pg_restore`` in one transaction, stopping at the first error: a restore that fails
    writes nothing. Replacing, the tables there are first set aside in a schema of their own
    (everything the portal keeps is in ``public``), dropped once the restore has succeeded and
    put back if it failed, so a failed restore leaves the database as it was."""
    if replace:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SET_ASIDE} CASCADE")
            cursor.execute(f"ALTER SCHEMA public RENAME TO {SET_ASIDE}")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    try:
        # --no-owner: the tables belong to whoever restores them, whatever role owned them
        # where the dump was made.
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ],
            _("資料庫還原"),
        )
    except BaseException:
        if replace:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute(f"ALTER SCHEMA {SET_ASIDE} RENAME TO public")
        raise
    if replace:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {SET_ASIDE} CASCADE")


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        # The backup API replaces the whole database, schema and rows, in one step.
        source.backup(connection.connection)
    finally:
        source.close()


def _extract_media(archive_path: Path, media_root: Path, *, replace: bool) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    if replace:
        # The folder itself may be a mounted volume: empty it rather than remove it.
        for item in media_root.iterdir():
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    files = 0
    with tarfile.open(archive_path, "r:gz") as archive:
        # The "data" filter refuses absolute paths, .. and links out of the folder.
        archive.extractall(media_root, filter="data")
        files = sum(member.isfile() for member in archive.getmembers())
    return files


def _current_counts() -> dict[str, int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            return _pg_counts(cursor)
    connection.ensure_connection()
    return _sqlite_table_counts(connection.connection)
