"""Files the registers write: exports (xlsx, csv) and the downloadable import templates.

Exports write every column in the form the import reads back (dates ``113/03/26``, choices by
label, agencies by code), so export → import changes nothing. Text that a spreadsheet program
would run as a formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``) is escaped: in xlsx the cell is
stored as text with Excel's quote prefix (no formula can exist in the file); in csv it gets a
leading apostrophe, which the import removes again.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tainan_rdec.importing.files import CHOICES_SHEET, EXPLANATION_SHEET
from tainan_rdec.importing.widgets import DateWidget, cell_text, needs_formula_escape
from tainan_rdec.roc import format_roc_date_export
from tainan_rdec.tables import Column, Format, Table, write_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")
# Rows of the template that carry the choice lists (data validation) and text formats.
TEMPLATE_ROWS = 5000
# Exports are built in a temporary file that stays in memory up to this size.
SPOOL_BYTES = 10 * 1024 * 1024

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_EXAMPLE_FONT = Font(italic=True, color="595959")


@dataclass
class ExportFile:
    """A file to send: its open handle (rewound), name and content type."""

    handle: object
    filename: str
    content_type: str


def _plain(value):
    """A value as a cell takes it: numbers stay numbers, everything else is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, int | float | Decimal):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", str(value))


def write_xlsx(headers, rows, out, *, sheet_title: str) -> None:
    """Write a one-sheet workbook to the binary stream ``out`` (streaming, flat memory), the
    header in the first row as the import reads it back: the statistics tables' writer
    (``tainan_rdec.tables``), which keeps formula-like text as text."""
    table = Table(
        sheet_title,
        [Column(header, Format.PLAIN) for header in headers],
        ([_plain(value) for value in row] for row in rows),
        row_header=None,
    )
    write_workbook([table], out, heading=False)


def _csv_text(value) -> str:
    value = _plain(value)
    if isinstance(value, str):
        return "'" + value if needs_formula_escape(value) else value
    return str(value)


def write_csv(headers, rows, out) -> None:
    """Write UTF-8 CSV with a BOM (so Excel reads the Chinese) to the binary stream ``out``."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([_csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    text.flush()
    text.detach()


def _filename(resource, suffix: str, extension: str) -> str:
    today = format_roc_date_export(timezone.localdate()).replace("/", "")
    return f"{resource.sheet_title()}{suffix}_{today}.{extension}"


def export_file(resource, queryset=None, *, fmt: str = "xlsx") -> ExportFile:
    """The register's rows (``queryset``, narrowed to what the resource's user may see) as an
    xlsx or csv file. Personal data never appear: no register has such a column."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    queryset = resource.export_queryset(queryset)
    headers = [c.column_name for c in resource.columns()]
    rows = (resource.export_resource(obj) for obj in resource.iter_queryset(queryset))
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    if fmt == "xlsx":
        write_xlsx(headers, rows, handle, sheet_title=resource.sheet_title())
        content_type = XLSX_CONTENT_TYPE
    else:
        write_csv(headers, rows, handle)
        content_type = CSV_CONTENT_TYPE
    handle.seek(0)
    return ExportFile(handle, _filename(resource, "", fmt), content_type)


# -- the import template ----------------------------------------------------------------------


def example_value(column):
    """The example cell of ``column``: written as a user would type it."""
    return "" if column.example is None else column.example


def template_file(resource, *, fmt: str = "xlsx") -> ExportFile:
    """The register's import template: the data sheet (header, one example row, choice lists as
    data validation), the explanation sheet, and the hidden sheet holding the choice lists. As
    csv (for big files), the header and the example row only: a csv has no room for the
    rest."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown template format {fmt!r}")
    columns = resource.import_columns()
    if fmt == "csv":
        handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        write_csv([c.column_name for c in columns], [[example_value(c) for c in columns]], handle)
        handle.seek(0)
        return ExportFile(handle, _filename(resource, _("_匯入範本"), "csv"), CSV_CONTENT_TYPE)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = resource.sheet_title()
    choices = workbook.create_sheet(CHOICES_SHEET)
    choices.sheet_state = "hidden"
    explanation = workbook.create_sheet(EXPLANATION_SHEET)

    key_names = {c.column_name for c in resource.key_columns()}
    choice_index = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.column_name)
        header.font = _HEADER_FONT
        header.fill = (
            _REQUIRED_FILL if column.required or column.column_name in key_names else (_HEADER_FILL)
        )
        header.alignment = Alignment(wrap_text=True, vertical="center")
        if column.help:
            header.comment = Comment(str(column.help), "研考會")
        example = sheet.cell(row=2, column=index, value=_plain(example_value(column)))
        example.font = _EXAMPLE_FONT
        if isinstance(example.value, str) and needs_formula_escape(example.value):
            example.data_type = "s"
        sheet.column_dimensions[letter].width = max(14, len(column.column_name) * 2 + 4)
        if isinstance(column.widget, DateWidget):
            # Keep typed ROC dates as text: Excel would turn 113/3/26 into something else.
            sheet.column_dimensions[letter].number_format = "@"
        values = column.allowed_values()
        if values:
            choice_index += 1
            list_letter = get_column_letter(choice_index)
            choices.cell(row=1, column=choice_index, value=column.column_name)
            for n, value in enumerate(values, start=2):
                choices.cell(row=n, column=choice_index, value=value)
            validation = DataValidation(
                type="list",
                formula1=f"'{CHOICES_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("不是可選的值"),
                error=_("請從清單選擇：{values}").format(values="、".join(values))[:255],
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    explanation.append([_("欄位"), _("必填"), _("填寫格式"), _("可填的值"), _("說明")])
    for cell in explanation[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for column in columns:
        required = column.required or column.column_name in key_names
        explanation.append(
            [
                column.column_name,
                _("是") if required else _("否"),
                column.format_hint,
                "、".join(column.allowed_values()),
                str(column.help or ""),
            ]
        )
    explanation.append([])
    keys = "".join(f"「{c.column_name}」" for c in resource.key_columns())
    for note in (
        _("第2列是範例，匯入前請改為實際資料或刪除；原樣匯入會被拒絕。"),
        _("以{keys}辨識每筆資料：已存在的資料會更新，沒有的會新增；同一檔案中不可重複。").format(
            keys=keys
        ),
        _("日期可填民國年（113/03/26、113.3.26）或西元年（2024-03-26），也可用 Excel 日期格式。"),
        _("只要有任何一列有錯，整個檔案都不會寫入；請依錯誤訊息修正後再匯入。"),
        _("大量資料請存成 CSV（UTF-8）。"),
    ):
        explanation.append([note])
    for letter, width in zip("ABCDE", (22, 8, 40, 40, 50), strict=True):
        explanation.column_dimensions[letter].width = width

    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    workbook.save(handle)
    handle.seek(0)
    return ExportFile(handle, _filename(resource, _("_匯入範本"), "xlsx"), XLSX_CONTENT_TYPE)
