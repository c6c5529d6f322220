"""Big files: checked and imported by a Celery task (eager here; see test_import_worker for a
real worker), with a progress page, cancel, and the outcome and error report kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Project
from tainan_rdec.importing import jobs
from tainan_rdec.importing.problems import ImportCancelled
from tainan_rdec.importing.runner import run_import
from tainan_rdec.importing.tasks import run_import_job
from tests.imports.conftest import read_csv
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:projects_project_import"


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.IMPORT_BACKGROUND_ROWS = 3


def five_projects(**changes):
    return [project_row(f"P113-02{n:02d}", **(changes if n == 4 else {})) for n in range(1, 6)]


def upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def job_of(response) -> str:
    assert response.status_code == 302
    location = response["Location"]
    assert "/import/job/" in location
    return location


def test_a_big_file_is_checked_in_the_background_then_imported(
    client_as, write_xlsx, agency_a, cast
):
    client = client_as("admin")
    page_url = job_of(
        client.post(
            reverse(IMPORT_URL), {"file": upload(write_xlsx(PROJECT_HEADERS, five_projects()))}
        )
    )

    page = client.get(page_url)
    html = page.content.decode()
    assert "試算結果（尚未寫入）：共 5 列：新增 5 筆" in html
    assert 'http-equiv="refresh"' not in html  # finished: no more refreshing
    assert 'name="confirm"' in html
    assert not Project.objects.exists()

    done_url = job_of(
        client.post(reverse(IMPORT_URL), {"confirm": "1", "token": page.context["token"]})
    )

    assert "「列管案件」匯入完成：共 5 列：新增 5 筆" in client.get(done_url).content.decode()
    assert Project.objects.count() == 5
    assert {p.created_by for p in Project.objects.all()} == {cast["admin"]}


def test_a_big_bad_file_keeps_its_problems_and_a_downloadable_report(
    client_as, write_xlsx, agency_a
):
    client = client_as("admin")
    rows = five_projects(主辦機關代碼="B99")
    page_url = job_of(
        client.post(reverse(IMPORT_URL), {"file": upload(write_xlsx(PROJECT_HEADERS, rows))})
    )

    page = client.get(page_url)
    html = page.content.decode()
    assert "發現 1 個問題，沒有寫入任何資料" in html
    assert "找不到主辦機關代碼「B99」。" in html
    assert 'name="confirm"' not in html
    report = client.get(page.context["report_url"])
    assert read_csv(b"".join(report.streaming_content)) == [
        ["列", "欄位", "問題"],
        ["5", "主辦機關代碼", "找不到主辦機關代碼「B99」。"],
    ]
    assert not Project.objects.exists()


def _job(write_xlsx, user, rows=None):
    path = write_xlsx(PROJECT_HEADERS, rows or five_projects())
    return jobs.Job.create(upload(path), user=user, register="projects")


def test_a_running_job_shows_its_progress_and_can_be_cancelled(client_as, write_xlsx, cast):
    job = _job(write_xlsx, cast["admin"])
    job.update(state=jobs.RUNNING, total=5, done=2, failed=1)
    client = client_as("admin")
    url = reverse("admin:projects_project_import_job", args=[job.token()])

    html = client.get(url).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="job-progress" max="5" value="2">40%</progress>' in html
    assert "已處理 2 / 5 列，發現問題 1 列。" in html
    response = client.post(reverse("admin:projects_project_import_cancel", args=[job.token()]))
    assert response.status_code == 302 and job.cancel_requested


def test_a_cancelled_import_stops_and_rolls_back_what_it_did(write_xlsx, agency_a, cast):
    checked = []

    def cancel_after_two():
        checked.append(1)
        return len(checked) > 2

    path = write_xlsx(PROJECT_HEADERS, five_projects())
    with pytest.raises(ImportCancelled):
        run_import("projects", path, user=cast["admin"], cancelled=cancel_after_two)

    assert len(checked) == 3  # two rows imported, then stopped before the third
    assert not Project.objects.exists()


def test_the_task_reports_a_cancel_and_writes_nothing(write_xlsx, agency_a, cast):
    job = _job(write_xlsx, cast["admin"])
    job.request_cancel()

    assert run_import_job(job.id, "import") == jobs.CANCELLED

    assert job.read().summary == "已取消，沒有寫入任何資料。"
    assert not Project.objects.exists()


def test_a_redelivered_task_does_not_run_twice(write_xlsx, agency_a, cast):
    job = _job(write_xlsx, cast["admin"])
    assert run_import_job(job.id, "import") == jobs.DONE
    Project.objects.all().delete()

    assert run_import_job(job.id, "import") == jobs.DONE
    assert not Project.objects.exists()


def test_progress_is_written_as_rows_are_done(write_xlsx, agency_a, cast):
    job = _job(write_xlsx, cast["admin"])
    run_import_job(job.id, "check")
    status = job.read()
    assert (status.state, status.done, status.total, status.ok) == (jobs.DONE, 5, 5, True)


def test_another_admins_job_is_not_found(client_as, write_xlsx, cast, make_user):
    from tainan_rdec.choices import Role

    job = _job(write_xlsx, cast["admin"])
    other = make_user("admin2", Role.ADMIN, cast["admin"].agency)
    client = client_as("anonymous")
    client.force_login(other)
    url = reverse("admin:projects_project_import_job", args=[job.token()])
    assert client.get(url).status_code == 404
