"""The background import of a big file (see ``jobs``): the check (a dry run) and, once the admin
confirms, the import, each reporting its progress to the job's status file.

The task takes the job's id, claims its phase once (a redelivered task does nothing), runs the
same ``runner.run_import`` as the admin page and the command, and stops when the job is
cancelled (the import rolls back). Listed in ``CELERY_IMPORTS``, so every worker registers it;
the admin pages send it by name (``jobs.RUN_TASK``).

``clean_import_jobs``, run hourly by beat, removes the jobs nobody needs any more.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from tainan_rdec.importing import jobs
from tainan_rdec.importing.problems import ImportCancelled
from tainan_rdec.importing.runner import record_in_admin_log, run_import

log = logging.getLogger(__name__)

CHECK, IMPORT = jobs.CHECK, jobs.IMPORT
PROGRESS_EVERY = 1.0  # seconds between status writes


@shared_task(acks_late=True)
def run_import_job(job_id: str, phase: str) -> str:
    """Run ``phase`` ("check" or "import") of job ``job_id``; returns the job's state."""
    job = jobs.Job(job_id)
    if not job.claim(phase):
        return job.read().state
    status = job.update(
        state=jobs.RUNNING, dry_run=phase == CHECK, done=0, failed=0, problems=[], summary=""
    )
    user = get_user_model().objects.filter(pk=status.user).first() if status.user else None
    last_write = 0.0

    def progress(done, total, failed):
        nonlocal last_write
        now = time.monotonic()
        if now - last_write >= PROGRESS_EVERY or done == total:
            job.update(done=done, total=total, failed=failed)
            last_write = now

    with translation.override(settings.LANGUAGE_CODE):
        try:
            outcome = run_import(
                status.register,
                job.source,
                user=user,
                dry_run=phase == CHECK,
                file_name=status.file_name,
                progress=progress,
                cancelled=lambda: job.cancel_requested,
            )
        except ImportCancelled:
            job.update(state=jobs.CANCELLED, summary=_("已取消，沒有寫入任何資料。"))
            job.discard_source()
            return jobs.CANCELLED
        except Exception:
            log.exception("import job %s (%s) failed", job_id, phase)
            job.update(state=jobs.FAILED, summary=_("匯入時發生錯誤，沒有寫入任何資料。"))
            return jobs.FAILED
        job.write_report(outcome.problems)
        job.update(
            state=jobs.DONE,
            total=outcome.total,
            done=outcome.total,
            failed=len({p.row for p in outcome.problems}),
            ok=outcome.ok,
            summary=outcome.summary(),
            problems=[p.as_dict() for p in outcome.problems[: jobs.SHOWN_PROBLEMS]],
            problem_count=len(outcome.problems),
        )
        if outcome.committed or not outcome.ok:
            record_in_admin_log(user, outcome)
            job.discard_source()  # nothing more to do with the file; the report stays
    return jobs.DONE


@shared_task
def clean_import_jobs() -> int:
    """Remove the import jobs unchanged for ``IMPORT_RETENTION_HOURS`` (``jobs.clean_up``);
    scheduled hourly by migration tainan_rdec 0010. Returns how many were removed."""
    return jobs.clean_up()
