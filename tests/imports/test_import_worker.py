"""A big import run by a real Celery worker on Redis, sharing the PostgreSQL test database and the
media directory: the job's status file shows the outcome, the rows are in the database."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Project
from tainan_rdec.importing import jobs
from tainan_rdec.importing.tasks import run_import_job
from tainan_rdec.models import Agency
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row
from tests.integration.conftest import celery_workers  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_a_worker_checks_and_imports_a_big_file(
    settings,
    monkeypatch,
    write_xlsx,
    celery_workers,  # noqa: F811
):
    # The worker starts with the same media directory as this process.
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    queue, _mail, log_path = celery_workers()
    Agency.objects.get_or_create(
        code="B06", defaults={"name": "臺南市政府工務局", "kind": "bureau"}
    )
    rows = [project_row(f"P113-03{n:02d}") for n in range(1, 31)]
    path = write_xlsx(PROJECT_HEADERS, rows)
    job = jobs.Job.create(
        SimpleUploadedFile(path.name, path.read_bytes()), user=None, register="projects"
    )

    try:
        assert run_import_job.apply_async(args=[job.id, "check"], queue=queue).get(90) == "done"
        checked = job.read()
        assert (checked.ok, checked.dry_run, checked.done, checked.total) == (True, True, 30, 30)
        assert not Project.objects.exists()

        assert run_import_job.apply_async(args=[job.id, "import"], queue=queue).get(90) == "done"
    except Exception:
        print(log_path.read_text())
        raise
    assert (
        job.read().summary == "「列管案件」匯入完成：共 30 列：新增 30 筆、更新 0 筆、未變更 0 筆。"
    )
    assert Project.objects.count() == 30


@pytest.mark.parametrize(
    ("pool", "log_line"),
    [
        # How docker-compose's worker-heavy runs: the import starts its row checkers.
        ("threads", "case import: checking rows in 2 worker processes"),
        # Why the heavy tasks have a worker of their own: a prefork child may start none.
        ("prefork", "case import: cannot start worker processes; checking rows in process"),
    ],
)
def test_an_import_sent_as_the_admin_sends_it_reaches_the_heavy_queue(
    settings,
    monkeypatch,
    city_agencies,
    celery_workers,  # noqa: F811
    pool,
    log_line,
):
    from petitions.models import Case
    from tests.petitions.builders import ensure_categories
    from tests.petitions.test_bulk import csv_bytes, good_rows

    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    ensure_categories()
    _queue, _mail, log_path = celery_workers(
        pool=pool, IMPORT_WORKERS="2", IMPORT_WORKERS_FROM_BYTES="0"
    )
    content = csv_bytes(good_rows(300))
    job = jobs.Job.create(SimpleUploadedFile("cases.csv", content), user=None, register="cases")

    try:
        # No queue given: the router sends it to the heavy queue (here the test's own).
        assert run_import_job.delay(job.id, "import").get(120) == "done"
    except Exception:
        print(log_path.read_text())
        raise
    assert Case.objects.count() == 300
    assert log_line in log_path.read_text()
