"""The PCC tender-system feed (工程會標案管理系統月報匯入): "一處填報、多方運用".

A bureau already files each tender's monthly progress in the PCC system by the 10th; the
commission's admin imports PCC's monthly export here, and the figures land in the month's
monthly report of the project holding that tender number (``TenderNumber``):

- no report yet for that month: a draft is started and the PCC figures are put in it, marked
  "from PCC", for the bureau to review, complete (目前辦理情形, 解決對策) and submit;
- a draft the import itself filled: a figure still holding PCC's last value takes the new value
  (the bureau has not touched it); a figure the bureau changed is kept;
- anything the bureau wrote or submitted is never overwritten: a figure that differs is
  recorded as a difference, which the reviewer sees on the report;
- rows whose tender number no project has are listed; rows that cannot be used (project not
  listed, month not open for filing, several tenders of one project in the same month) are
  listed with the reason.

Each figure's outcome is a ``PccFigure`` row. Re-importing the same file is refused as already
imported (by its SHA-256) and changes nothing; another file with the same figures records them
as "same" and changes nothing either.

The file is read by the shared safe reader (``tainan_rdec.importing.files``) and every row is
checked before anything is written: one bad row and the whole file is refused, with the row and
column of each problem in Chinese, like every other import.

Hours saved are reported the briefing's way: the figures pre-filled (each report and figure
once) × ``ControlSettings.pcc_minutes_per_figure``, per agency and year.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as _noop

from projects import services
from projects.choices import ReportState
from projects.models import ControlSettings, MonthlyReport, TenderNumber
from projects.models.pcc import PccFigure, PccImport, PccOutcome
from tainan_rdec.importing.files import read_table
from tainan_rdec.importing.problems import ImportFileError, ImportProblem
from tainan_rdec.importing.widgets import MonthWidget, cell_text, fold, is_blank, to_decimal
from tainan_rdec.roc import format_roc_month
from tainan_rdec.scoping import is_admin

SHEET = "標案月報"

TENDER = "標案案號"
TITLE = "標案名稱"
MONTH = "資料年月"
PLANNED = "預定進度(%)"
ACTUAL = "實際進度(%)"
PAID = "累計估驗計價金額(元)"
STATUS = "執行狀態"
LAG = "落後原因"

COLUMNS = (TENDER, TITLE, MONTH, PLANNED, ACTUAL, PAID, STATUS, LAG)
REQUIRED = (TENDER, MONTH, ACTUAL)

# The report fields the feed fills (a figure each), in the order the pages show them.
FIGURE_FIELDS = {
    "actual_percent": ACTUAL,
    "paid": PAID,
    "lag_reasons": LAG,
}
# Compared and shown, never written: the portal's plan is the project's S-curve.
COMPARED_FIELDS = {"planned_percent": PLANNED}
FIELD_LABELS = {**FIGURE_FIELDS, **COMPARED_FIELDS}

# Reports the bureau has handed in (or had returned): never written by the feed.
FILED_STATES = {ReportState.SUBMITTED, ReportState.ACCEPTED, ReportState.RETURNED}


@dataclass
class PccRow:
    row: int
    tender_number: str
    title: str
    month: object
    values: dict = field(default_factory=dict)  # report field -> value (None: not given)
    status: str = ""


def _percent(value, column, row, problems) -> Decimal | None:
    if is_blank(value):
        return None
    number = to_decimal(value)
    if number is None:
        try:
            number = Decimal(cell_text(value).rstrip("%").replace(",", "").strip())
        except InvalidOperation:
            problems.append(ImportProblem(_("「{v}」不是數字。").format(v=value), row, column))
            return None
    if not Decimal(0) <= number <= Decimal(100):
        problems.append(ImportProblem(_("進度須介於0至100%。"), row, column))
        return None
    return number.quantize(Decimal("0.01"))


def _amount(value, column, row, problems) -> int | None:
    if is_blank(value):
        return None
    number = to_decimal(value)
    if number is None:
        try:
            number = Decimal(cell_text(value).replace(",", "").strip())
        except InvalidOperation:
            problems.append(ImportProblem(_("「{v}」不是金額。").format(v=value), row, column))
            return None
    if number < 0 or number != number.to_integral_value():
        problems.append(ImportProblem(_("金額須為不小於0的整數（元）。"), row, column))
        return None
    return int(number)


def read_rows(source, *, name: str = "") -> list[PccRow]:
    """The rows of a PCC export, every one checked; ImportFileError lists every problem."""
    table = read_table(
        source,
        sheet_title=SHEET,
        known_headers={fold(c) for c in COLUMNS},
        required=list(REQUIRED),
        name=name,
    )
    problems = list(table.problems)
    index = {fold(h): i for i, h in enumerate(table.headers) if h}
    missing = [c for c in REQUIRED if fold(c) not in index]
    if missing:
        problems.append(ImportProblem(_("缺少必要欄位：{c}。").format(c="、".join(missing))))
        raise ImportFileError(problems)

    def cell(values, column):
        i = index.get(fold(column))
        return values[i] if i is not None and i < len(values) else None

    rows: list[PccRow] = []
    seen: dict[tuple, int] = {}
    month_widget = MonthWidget()
    for number, values in table.rows:
        tender = cell_text(cell(values, TENDER)).strip()
        if not tender:
            problems.append(ImportProblem(_("請填寫標案案號。"), number, TENDER))
            continue
        try:
            month = month_widget.to_python(cell(values, MONTH))
        except (ValueError, ValidationError) as error:
            message = error.messages[0] if isinstance(error, ValidationError) else str(error)
            problems.append(ImportProblem(message, number, MONTH))
            continue
        if (tender, month) in seen:
            problems.append(
                ImportProblem(
                    _("標案{t}的{m}資料與第{other}列重複。").format(
                        t=tender, m=format_roc_month(month), other=seen[(tender, month)]
                    ),
                    number,
                    TENDER,
                )
            )
            continue
        seen[(tender, month)] = number
        actual = _percent(cell(values, ACTUAL), ACTUAL, number, problems)
        if actual is None and not any(p.row == number for p in problems):
            problems.append(ImportProblem(_("請填寫實際進度。"), number, ACTUAL))
        rows.append(
            PccRow(
                row=number,
                tender_number=tender,
                title=cell_text(cell(values, TITLE)).strip(),
                month=month,
                status=cell_text(cell(values, STATUS)).strip(),
                values={
                    "actual_percent": actual,
                    "planned_percent": _percent(cell(values, PLANNED), PLANNED, number, problems),
                    "paid": _amount(cell(values, PAID), PAID, number, problems),
                    "lag_reasons": cell_text(cell(values, LAG)).strip() or None,
                },
            )
        )
    if problems:
        raise ImportFileError(problems)
    if not rows:
        raise ImportFileError(_("檔案中沒有資料列。"))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


@dataclass
class PccResult:
    pcc_import: PccImport
    already_imported: bool = False


def import_file(source, *, by, name: str = "", today=None) -> PccResult:
    """Import one PCC export (a path, bytes or an uploaded file) as ``by`` (an admin)."""
    if not is_admin(by):
        raise PermissionDenied(_("只有系統管理者可以匯入工程會標案資料。"))
    if hasattr(source, "read"):
        source.seek(0)
        content = source.read()
        name = name or getattr(source, "name", "")
    elif isinstance(source, bytes):
        content = source
    else:
        with open(source, "rb") as handle:
            content = handle.read()
        name = name or str(source).rsplit("/", 1)[-1]
    digest = hashlib.sha256(content).hexdigest()
    existing = PccImport.objects.filter(sha256=digest).first()
    if existing is not None:
        return PccResult(existing, already_imported=True)
    rows = read_rows(content, name=name)
    return PccResult(_apply(rows, by=by, name=name, digest=digest, today=today))


@transaction.atomic
def _apply(rows: list[PccRow], *, by, name: str, digest: str, today) -> PccImport:
    today = today or timezone.localdate()
    batch = PccImport.objects.create(
        file_name=name[:200] or "pcc.xlsx", sha256=digest, imported_by=by, rows=len(rows)
    )
    tenders = {
        t.number: t.project
        for t in TenderNumber.objects.filter(
            number__in={r.tender_number for r in rows}
        ).select_related("project")
    }
    per_project_month: dict[tuple, list[PccRow]] = defaultdict(list)
    unmatched, skipped = [], []
    for row in rows:
        project = tenders.get(row.tender_number)
        if project is None:
            unmatched.append(
                {"row": row.row, "tender_number": row.tender_number, "title": row.title}
            )
            continue
        per_project_month[(project.pk, row.month)].append(row)

    # The months' reports and what the feed last put in them: two queries for the whole file.
    reports = {
        (r.project_id, r.period): r
        for r in MonthlyReport.objects.filter(
            project_id__in={key[0] for key in per_project_month},
            period__in={key[1] for key in per_project_month},
        )
    }
    prefilled: dict[int, dict[str, str]] = defaultdict(dict)
    for report_id, field_name, value in (
        PccFigure.objects.filter(report__in=list(reports.values()), outcome=PccOutcome.PREFILLED)
        .order_by("pk")
        .values_list("report_id", "field", "pcc_value")
    ):
        prefilled[report_id][field_name] = value

    matched, figures = 0, []
    for (project_id, month), group in per_project_month.items():
        project = tenders[group[0].tender_number]
        if len(group) > 1:
            for row in group:
                skipped.append(
                    {
                        "row": row.row,
                        "tender_number": row.tender_number,
                        "reason": _("{p}在{m}有{n}個標案的資料，進度請於入口網自行填報。").format(
                            p=project.control_number, m=format_roc_month(month), n=len(group)
                        ),
                    }
                )
            continue
        [row] = group
        report = reports.get((project_id, month))
        owned = prefilled.get(report.pk, {}) if report is not None else {}
        reason, used = _use_row(batch, project, row, report, owned, by=by, today=today)
        if reason:
            skipped.append({"row": row.row, "tender_number": row.tender_number, "reason": reason})
        else:
            matched += 1
            figures.extend(used)
    PccFigure.objects.bulk_create(figures)
    batch.matched_rows = matched
    batch.unmatched = unmatched
    batch.skipped = skipped
    batch.save(update_fields=["matched_rows", "unmatched", "skipped"])
    return batch


def _use_row(batch, project, row: PccRow, report, owned: dict, *, by, today):
    """Put one row's figures into ``report`` (None: none yet, a draft is started); ``owned``
    is what the feed last put in it. Returns (the reason it could not, or "", the figures)."""
    try:
        services.check_period(project, row.month, today)
    except ValidationError as error:
        return error.messages[0], []
    created = report is None
    if created:
        report = services.start_report(project, row.month, by=by, today=today)
    if report.state != ReportState.DRAFT:
        owned = {}
    figures, changes = [], {}
    for name, value in row.values.items():
        if value is None:
            continue
        pcc_value, portal_value = _text(value), _text(getattr(report, name))
        writable = name in FIGURE_FIELDS and report.state not in FILED_STATES
        if writable and (created or owned.get(name) == portal_value):
            outcome = PccOutcome.SAME if pcc_value == portal_value and not created else None
            if outcome is None:
                changes[name] = value
                outcome = PccOutcome.PREFILLED
        elif pcc_value == portal_value:
            outcome = PccOutcome.SAME
        else:
            outcome = PccOutcome.DIFFERS
        figures.append(
            PccFigure(
                pcc_import=batch,
                project=project,
                report=report,
                tender_number=row.tender_number,
                field=name,
                pcc_value=pcc_value,
                portal_value="" if outcome == PccOutcome.PREFILLED else portal_value,
                outcome=outcome,
            )
        )
    if changes:
        for name, value in changes.items():
            setattr(report, name, value)
        try:
            with transaction.atomic():
                services.save_report(report, by=by, reason=_("工程會標案管理系統資料帶入"))
        except ValidationError as error:
            if created:
                report.delete()
            return "；".join(error.messages), []
    return "", figures


def figures_for(report: MonthlyReport) -> list[dict]:
    """The latest PCC figure of each field of ``report``, for its pages."""
    latest = {}
    for figure in report.pcc_figures.select_related("pcc_import").order_by("pk"):
        latest[figure.field] = figure
    return [
        {"label": FIELD_LABELS.get(name, name), "figure": latest[name]}
        for name in FIELD_LABELS
        if name in latest
    ]


def hours_saved() -> list[dict]:
    """Figures pre-filled and the hours they saved, per host agency and year (each report's
    figure counted once however many imports filled it), most recent year first."""
    minutes = ControlSettings.get().pcc_minutes_per_figure
    filled = (
        PccFigure.objects.filter(outcome=PccOutcome.PREFILLED)
        .values_list(
            "report__project__host_agency__name", "report__period__year", "report_id", "field"
        )
        .order_by()
        .distinct()
    )
    counts: Counter = Counter((agency, year) for agency, year, _r, _f in filled)
    result = [
        {
            "agency": agency,
            "year": year,
            "figures": n,
            "hours": (Decimal(n * minutes) / 60).quantize(Decimal("0.1")),
        }
        for (agency, year), n in counts.items()
    ]
    result.sort(key=lambda r: (-r["year"], r["agency"]))
    return result


EXPLANATIONS = {
    TENDER: _noop("工程會標案管理系統的標案案號，須與入口網列管案件登錄的標案案號相同。"),
    TITLE: _noop("標案名稱（僅供對照）。"),
    MONTH: _noop("資料所屬年月，民國年月，例如 115/03。"),
    PLANNED: _noop("工程會系統的預定累計進度，僅與入口網的預定進度比對，不寫入。"),
    ACTUAL: _noop("實際累計進度（%），0至100，小數2位。"),
    PAID: _noop("累計估驗計價金額（元），帶入每月填報的實支數。"),
    STATUS: _noop("執行狀態，例如施工中、停工中（僅供對照）。"),
    LAG: _noop("落後原因，進度落後時帶入每月填報。"),
}


def template_workbook():
    """The PCC export layout as an xlsx: the data sheet with one example row, and the
    explanation of each column."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    sheet.append(
        ["1150301001", "安平區道路改善工程", "115/03", 45.5, 44.2, 12_500_000, "施工中", "雨季延誤"]
    )
    notes = workbook.create_sheet("欄位說明")
    notes.append(["欄位", "必填", "說明"])
    for column in COLUMNS:
        notes.append([column, "是" if column in REQUIRED else "", str(_(EXPLANATIONS[column]))])
    return workbook
