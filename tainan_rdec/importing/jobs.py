"""Import jobs: an uploaded file kept on disk between the preview and the confirmed import, and
the progress of a big file imported by a background task.

Each job is a directory ``MEDIA_ROOT/imports/<random id>/`` (media files reach users only
through views that check scope, so it is never served as such) holding:

- ``source/<file name>``: the upload, written in chunks;
- ``status.json``: the job's state, rows done / total, problems so far, the outcome — written
  atomically, so the page polling it never reads half a file;
- ``problems.csv``: the error report (列, 欄位, 問題), kept after the job ends;
- ``cancel``: present once someone asked the job to stop.

Pages carry a signed token naming the job, its uploader and its register: a token used by
another user, for another register, or after ``MAX_AGE`` finds nothing. No database row is
needed, so a job survives neither a lost media directory nor more than ``MAX_AGE``. The beat
task ``tasks.clean_import_jobs`` (hourly) removes every job whose status has not changed for
``IMPORT_RETENTION_HOURS`` (``clean_up``): uploads checked but never confirmed, finished jobs
and their reports, and jobs a dead worker left "running". A running job writes its status at
least every few seconds, so it is never that old.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils import timezone

log = logging.getLogger(__name__)

SALT = "tainan_rdec.importing.job"
MAX_AGE = 24 * 60 * 60  # seconds a job's pages stay reachable

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = frozenset({DONE, FAILED, CANCELLED})
# A job's two phases: the check (a dry run) and, once the admin confirms, the import.
CHECK, IMPORT = "check", "import"
# The task that runs a phase (``tainan_rdec.importing.tasks``), named: that module imports this.
RUN_TASK = "tainan_rdec.importing.tasks.run_import_job"
# The page shows this many problems; the CSV report has them all.
SHOWN_PROBLEMS = 200


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _safe_name(name: str) -> str:
    name = Path(name or "upload").name
    return re.sub(r"[^\w.\-]+", "_", name)[-100:] or "upload"


@dataclass
class JobStatus:
    """What ``status.json`` holds."""

    register: str
    user: int | None
    file_name: str
    dry_run: bool = True
    state: str = QUEUED
    total: int = 0
    done: int = 0
    failed: int = 0
    summary: str = ""
    problems: list[dict] = field(default_factory=list)
    problem_count: int = 0
    ok: bool = False
    updated_at: str = ""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0


class Job:
    """One job directory (see the module docstring)."""

    def __init__(self, job_id: str):
        if not re.fullmatch(r"[0-9a-f]{32}", job_id):
            raise ValueError("not a job id")
        self.id = job_id
        self.directory = root() / job_id

    @classmethod
    def create(cls, upload, *, user, register: str) -> Job:
        job = cls(uuid.uuid4().hex)
        (job.directory / "source").mkdir(parents=True)
        with (job.directory / "source" / _safe_name(upload.name)).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job.write(JobStatus(register, getattr(user, "pk", None), Path(upload.name).name))
        return job

    def token(self) -> str:
        status = self.read()
        return signing.dumps(
            {"job": self.id, "user": status.user, "register": status.register}, salt=SALT
        )

    @classmethod
    def from_token(cls, token: str, *, user, register: str) -> Job | None:
        """The job of ``token`` if ``user`` started it for ``register`` lately, else None."""
        try:
            data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
            job = cls(str(data.get("job", "")))
        except (signing.BadSignature, ValueError):
            return None
        if data.get("user") != getattr(user, "pk", None) or data.get("register") != register:
            return None
        return job if (job.directory / "status.json").is_file() else None

    @property
    def source(self) -> Path | None:
        files = sorted((self.directory / "source").glob("*"))
        return files[0] if files else None

    def read(self) -> JobStatus:
        data = json.loads((self.directory / "status.json").read_text(encoding="utf-8"))
        return JobStatus(**data)

    def write(self, status: JobStatus) -> None:
        status.updated_at = timezone.now().isoformat()
        temporary = self.directory / f".status-{uuid.uuid4().hex}.json"
        temporary.write_text(json.dumps(asdict(status), ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.directory / "status.json")

    def update(self, **changes) -> JobStatus:
        status = self.read()
        for name, value in changes.items():
            setattr(status, name, value)
        self.write(status)
        return status

    def claim(self, phase: str) -> bool:
        """True once per phase ("check", "import"): a redelivered task finds it taken."""
        try:
            os.close(os.open(self.directory / f"claimed-{phase}", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return False
        return True

    def request_cancel(self) -> None:
        (self.directory / "cancel").touch()

    @property
    def cancel_requested(self) -> bool:
        return (self.directory / "cancel").exists()

    @property
    def report_path(self) -> Path:
        return self.directory / "problems.csv"

    def write_report(self, problems) -> None:
        with self.report_path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["列", "欄位", "問題"])
            for problem in problems:
                writer.writerow([problem.row or "", problem.column or "", problem.message])

    def discard_source(self) -> None:
        shutil.rmtree(self.directory / "source", ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def estimate_rows(path: Path, *, stop_after: int) -> int:
    """About how many rows a file has, counted cheaply and without parsing it, up to
    ``stop_after + 1`` (``files.count_rows``): the lines of a CSV, the ``<row>`` elements of an
    xlsx's sheets. Not the size a sheet declares, which a file may understate ("A1")."""
    from tainan_rdec.importing.files import count_rows

    return count_rows(path, stop_after=stop_after)


def _last_change(directory: Path) -> float:
    """When the job in ``directory`` last wrote its status (a half-made job: the directory)."""
    for path in (directory / "status.json", directory):
        try:
            return path.stat().st_mtime
        except FileNotFoundError:
            continue
    return time.time()


def clean_up(*, retention_hours: int | None = None) -> int:
    """Remove the jobs whose status has not changed for ``retention_hours`` (by default
    ``IMPORT_RETENTION_HOURS``): whatever their state, nobody can reach them any more or a
    dead worker left them. Returns how many were removed."""
    hours = settings.IMPORT_RETENTION_HOURS if retention_hours is None else retention_hours
    cutoff = time.time() - hours * 3600
    removed = 0
    try:
        directories = [d for d in root().iterdir() if d.is_dir()]
    except FileNotFoundError:
        return 0
    for directory in directories:
        if not re.fullmatch(r"[0-9a-f]{32}", directory.name):
            continue  # not a job's: not ours to remove
        if _last_change(directory) < cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    if removed:
        log.info("removed %d import jobs unchanged for %d hours", removed, hours)
    return removed
