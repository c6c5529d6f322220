"""The PCC tender-system feed: a realistic monthly export into drafts, never over filed figures,
unmatched tender numbers listed, re-imports that change nothing, bad files refused whole, and
the hours saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from projects import pcc, services
from projects.choices import ReportState
from projects.models import (
    ControlSettings,
    MonthlyReport,
    PccFigure,
    PccImport,
    PccOutcome,
    TenderNumber,
)
from tainan_rdec.importing.problems import ImportFileError
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)
HEADERS = list(pcc.COLUMNS)


def xlsx(rows, headers=HEADERS, sheet=pcc.SHEET) -> bytes:
    """A PCC export as the system gives it: a title row, the header, the data."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(["工程會標案管理系統 標案月報 匯出"])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(tender, actual, *, month="113/03", planned=25, paid=5_000_000, lag="", status="施工中"):
    return [tender, f"{tender}標案", month, planned, actual, paid, status, lag]


@pytest.fixture
def world(agency_a, agency_b, cast):
    """P1 (工務局) has no March report; P2 (水利局) filed 30% in March; P3 is not listed."""
    span = {"start": date(2024, 1, 1), "end": date(2026, 12, 31)}
    p1 = make_project(agency_a, **span)
    p2 = make_project(agency_b, **span)
    p3 = make_project(agency_a, listed=False, **span)
    for project, number in ((p1, "1130101001"), (p2, "1130101002"), (p3, "1130101003")):
        TenderNumber.objects.create(project=project, number=number)
    submitted = filed_report(p2, MARCH, 30, state=ReportState.SUBMITTED, paid=1_000_000)
    return {"p1": p1, "p2": p2, "p3": p3, "submitted": submitted, "admin": cast["admin"]}


def test_a_realistic_export_fills_drafts_and_never_overwrites_filed_figures(world):
    content = xlsx(
        [
            row("1130101001", 12.35, lag="用地取得延宕"),
            row("1130101002", 35),
            row("1139999999", 50),
            row("1130101003", 10),
        ]
    )
    result = pcc.import_file(content, by=world["admin"], name="113年3月標案月報.xlsx")
    batch = result.pcc_import
    assert not result.already_imported
    assert (batch.rows, batch.matched_rows) == (4, 2)
    assert batch.unmatched == [{"row": 5, "tender_number": "1139999999", "title": "1139999999標案"}]
    [skipped] = batch.skipped
    assert skipped["row"] == 6 and "列管中" in skipped["reason"]

    draft = MonthlyReport.objects.get(project=world["p1"], period=MARCH)
    assert draft.state == ReportState.DRAFT
    assert (draft.actual_percent, draft.paid, draft.lag_reasons) == (
        Decimal("12.35"),
        5_000_000,
        "用地取得延宕",
    )
    assert draft.history.first().history_change_reason == "工程會標案管理系統資料帶入"
    prefilled = set(
        PccFigure.objects.filter(report=draft, outcome=PccOutcome.PREFILLED).values_list(
            "field", flat=True
        )
    )
    assert prefilled == {"actual_percent", "paid", "lag_reasons"}

    submitted = world["submitted"]
    submitted.refresh_from_db()
    assert (submitted.actual_percent, submitted.paid) == (Decimal("30.00"), 1_000_000)
    differs = {
        f.field: (f.pcc_value, f.portal_value)
        for f in PccFigure.objects.filter(report=submitted, outcome=PccOutcome.DIFFERS)
    }
    assert differs["actual_percent"] == ("35.00", "30.00")
    assert differs["paid"] == ("5000000", "1000000")


def test_the_same_file_again_changes_nothing(world):
    content = xlsx([row("1130101001", 12.35), row("1130101002", 35)])
    first = pcc.import_file(content, by=world["admin"])
    figures = PccFigure.objects.count()
    draft = MonthlyReport.objects.get(project=world["p1"], period=MARCH)
    versions = draft.history.count()

    again = pcc.import_file(content, by=world["admin"])
    assert again.already_imported and again.pcc_import == first.pcc_import
    assert (PccImport.objects.count(), PccFigure.objects.count()) == (1, figures)
    assert draft.history.count() == versions

    # Another file with the same figures: recorded as the same, nothing rewritten or counted.
    other = xlsx([row("1130101002", 35), row("1130101001", 12.35)])
    pcc.import_file(other, by=world["admin"])
    assert draft.history.count() == versions
    latest = PccImport.objects.order_by("-pk").first()
    outcomes = set(
        latest.figures.filter(report=draft, field__in=pcc.FIGURE_FIELDS).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {PccOutcome.SAME}
    # The plan is the S-curve's, never PCC's: a different planned % is only shown.
    planned = latest.figures.get(report=draft, field="planned_percent")
    assert (planned.outcome, planned.pcc_value) == (PccOutcome.DIFFERS, "25.00")
    [hours] = [r for r in pcc.hours_saved() if r["agency"] == world["p1"].host_agency.name]
    assert hours["figures"] == 2  # actual % and paid of one report, once each


def test_a_later_export_updates_only_what_the_bureau_left_untouched(world, cast):
    pcc.import_file(xlsx([row("1130101001", 12.35)]), by=world["admin"])
    pcc.import_file(xlsx([row("1130101001", 14)]), by=world["admin"])
    draft = MonthlyReport.objects.get(project=world["p1"], period=MARCH)
    assert draft.actual_percent == Decimal("14.00")

    draft.actual_percent = Decimal("15.50")  # the bureau types its own figure
    services.save_report(draft, by=cast["staff_a"])
    pcc.import_file(xlsx([row("1130101001", 16)]), by=world["admin"])
    draft.refresh_from_db()
    assert draft.actual_percent == Decimal("15.50")
    latest = PccImport.objects.order_by("-pk").first()
    figure = latest.figures.get(report=draft, field="actual_percent")
    assert (figure.outcome, figure.pcc_value, figure.portal_value) == (
        PccOutcome.DIFFERS,
        "16.00",
        "15.50",
    )


def test_a_bad_file_is_refused_whole_with_row_and_column_errors(world):
    content = xlsx(
        [
            row("1130101001", 12),
            row("1130101002", 120),
            row("1130101002", 20, month="2024/13"),
            row("1130101001", 13),
            ["", "", "113/03", 1, 1, 1, "", ""],
            row("1130101002", 20, month="113/04", paid="一百萬"),
        ]
    )
    with pytest.raises(ImportFileError) as error:
        pcc.import_file(content, by=world["admin"])
    messages = [str(p) for p in error.value.problems]
    assert any(m.startswith("第4列「實際進度(%)」") and "0至100" in m for m in messages)
    assert any(m.startswith("第5列「資料年月」") for m in messages)
    assert any(m.startswith("第6列「標案案號」") and "第3列重複" in m for m in messages)
    assert any(m.startswith("第7列「標案案號」") for m in messages)
    assert any(m.startswith("第8列「累計估驗計價金額(元)」") for m in messages)
    assert not PccImport.objects.exists()
    assert not MonthlyReport.objects.filter(project=world["p1"]).exists()


def test_a_file_without_the_required_columns_says_which(world):
    content = xlsx([["1130101001", "113/03"]], headers=["標案案號", "資料年月"])
    with pytest.raises(ImportFileError) as error:
        pcc.import_file(content, by=world["admin"])
    assert "實際進度(%)" in str(error.value)


def test_only_an_admin_imports(world, cast):
    with pytest.raises(PermissionDenied):
        pcc.import_file(xlsx([row("1130101001", 12)]), by=cast["reviewer"])


def test_hours_saved_count_each_prefilled_figure_once(world):
    settings = ControlSettings.get()
    settings.pcc_minutes_per_figure = 20
    settings.save()
    pcc.import_file(xlsx([row("1130101001", 12, lag="雨季")]), by=world["admin"])
    pcc.import_file(xlsx([row("1130101001", 13, lag="雨季")]), by=world["admin"])
    [line] = [r for r in pcc.hours_saved() if r["agency"] == world["p1"].host_agency.name]
    # actual %, paid and lag reasons of one report: 3 figures × 20 minutes = 1 hour.
    assert (line["year"], line["figures"], line["hours"]) == (2024, 3, Decimal("1.0"))


def test_the_pages_upload_show_the_outcome_and_the_difference(world, client_as):
    admin = client_as("admin")
    upload = SimpleUploadedFile("pcc.xlsx", xlsx([row("1130101002", 35), row("1139999999", 50)]))
    response = admin.post("/projects/pcc/", {"file": upload})
    assert response.status_code == 302
    detail = admin.get(response["Location"]).content.decode()
    assert "1139999999" in detail and "與填報不同" in detail

    page = client_as("reviewer").get(f"/projects/reports/{world['submitted'].pk}/")
    assert "工程會標案管理系統資料" in page.content.decode()
    assert "與填報不同（填報：30.00）" in page.content.decode()

    admin = client_as("admin")  # the cast shares one client
    bad = SimpleUploadedFile("pcc.xlsx", xlsx([row("1130101002", 135)]))
    refused = admin.post("/projects/pcc/", {"file": bad}).content.decode()
    assert "第3列「實際進度(%)」" in refused and "未匯入任何資料" in refused

    template = admin.get("/projects/pcc/template.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    hours = admin.get("/projects/pcc/hours/").content.decode()
    assert "節省時數" in hours
    # The commission reads; only an admin uploads.
    reviewer = client_as("reviewer")
    assert reviewer.get("/projects/pcc/").status_code == 200
    again = SimpleUploadedFile("pcc.xlsx", xlsx([row("1130101002", 36)]))
    assert reviewer.post("/projects/pcc/", {"file": again}).status_code == 403
    assert PccImport.objects.count() == 1
