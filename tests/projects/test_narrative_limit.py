"""A monthly report's narrative boxes hold at most ``NARRATIVE_MAX_LENGTH`` characters, on the
filing form and in the import alike (the packet lays out at most that much)."""

from datetime import date

import pytest
from django.urls import reverse
from openpyxl import Workbook

from projects.models import MonthlyReport
from projects.models.core import NARRATIVE_MAX_LENGTH
from tainan_rdec.importing.runner import run_import
from tests.imports import builders
from tests.imports.conftest import messages
from tests.imports.test_rules import REPORT_HEADERS, report
from tests.projects.factories import make_project
from tests.projects.test_report_pages import filing

pytestmark = pytest.mark.django_db

TOO_LONG = "延" * (NARRATIVE_MAX_LENGTH + 1)
LIMIT_MESSAGE = "請確認這個值至多包含 2000 個字 (目前為 2001 個字)。"


def test_the_filing_form_refuses_a_narrative_over_the_limit_and_saves_nothing(
    client_as, agency_a, cast
):
    project = make_project(agency_a, by=cast["reviewer"])
    url = reverse("projects:report_edit", args=[project.pk, 2024, 3])

    response = client_as("staff_a").post(url, filing(lag_reasons=TOO_LONG))

    assert response.status_code == 200
    assert LIMIT_MESSAGE in response.content.decode()
    assert 'maxlength="2000"' in response.content.decode()
    assert not MonthlyReport.objects.filter(lag_reasons__startswith="延").exists()


def test_the_filing_form_takes_a_narrative_at_the_limit(client_as, agency_a, cast):
    project = make_project(agency_a, by=cast["reviewer"])
    url = reverse("projects:report_edit", args=[project.pk, 2024, 3])

    client_as("staff_a").post(url, filing(progress_text="施" * NARRATIVE_MAX_LENGTH))

    assert MonthlyReport.objects.get(period=date(2024, 3, 1)).progress_text.count("施") == 2000


def test_the_import_refuses_a_narrative_over_the_limit_on_its_row(
    tmp_path, cast, agency_a, agency_b
):
    project, _second = builders.make_projects(agency_a, agency_b)
    builders.make_curve(project)
    workbook = Workbook()
    workbook.active.append(REPORT_HEADERS)
    workbook.active.append(report(目前辦理情形=TOO_LONG))
    path = tmp_path / "reports.xlsx"
    workbook.save(path)

    outcome = run_import("reports", path, user=cast["admin"])

    assert messages(outcome) == [f"第2列「目前辦理情形」：{LIMIT_MESSAGE}"]
    assert not MonthlyReport.objects.exists()
