"""The awards summary as an xlsx workbook (openpyxl) for the mayor's office.

Sheets: 獎項統計 (the nine-class table with 合計 and the headline counts), 各年度, 各機關, and
獎項明細 — the confirmed awards behind the figures that the requesting user may see (a bureau
user gets its own agency's rows; the tables are city-wide, as published).

Every text cell goes through ``safe_text``: a spreadsheet opens a cell starting with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return that hides one) as a formula, so such text
gets a leading ``'`` and is stored as the text it is (CSV/formula injection).
"""

from __future__ import annotations

import io
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from awards.models import Award
from awards.stats import CLASSES, AwardSummary, SummaryRow
from tainan_rdec.roc import format_roc_date_export

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def safe_text(value: str) -> str:
    """Text as a spreadsheet must show it: formula-like text gets a leading ``'``; characters
    that xlsx cannot hold (control characters) are dropped."""
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _cell(value):
    return safe_text(value) if isinstance(value, str) else value


def _append(sheet, values, *, font=None) -> None:
    sheet.append([_cell(v) for v in values])
    if font is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = font


def _widths(sheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _heading(sheet, title: str, note: str) -> None:
    _append(sheet, [title], font=TITLE)
    _append(sheet, [note])
    _append(sheet, [])


def _class_headers() -> list[str]:
    return [str(c.label) for c in CLASSES]


def _matrix(sheet, first_header: str, rows: list[SummaryRow]) -> None:
    _append(
        sheet,
        [first_header, *_class_headers(), _("合計"), _("首獎及卓越成績")],
        font=BOLD,
    )
    header_row = sheet.max_row
    for row in rows:
        _append(sheet, [row.label, *row.counts, row.total, row.top])
    totals = [sum(row.counts[i] for row in rows) for i in range(len(CLASSES))]
    _append(
        sheet,
        [_("合計"), *totals, sum(totals), sum(row.top for row in rows)],
        font=BOLD,
    )
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    _widths(sheet, [34, *([9] * len(CLASSES)), 9, 16])


def build_summary_workbook(summary: AwardSummary, details, *, today: date) -> bytes:
    """The workbook of ``summary``; ``details`` are the award rows for the 獎項明細 sheet
    (already narrowed to what the user may see)."""
    period = summary.period_label
    note = _("資料日期：{day}；僅計研考會已確認之獎項。").format(day=format_roc_date_export(today))
    book = Workbook()

    sheet = book.active
    sheet.title = _("獎項統計")
    _heading(sheet, _("臺南市政府{period}獲獎統計").format(period=period), note)
    _append(sheet, [_("獎項"), _("小計"), _("其中首獎及卓越成績")], font=BOLD)
    for row in summary.classes:
        _append(sheet, [row.label, row.count, row.top])
    _append(sheet, [_("合計"), summary.total, summary.top], font=BOLD)
    _append(sheet, [])
    _append(sheet, [_("獲獎總數"), summary.total])
    _append(sheet, [_("首獎及卓越成績"), summary.top])
    _widths(sheet, [24, 10, 20])

    sheet = book.create_sheet(_("各年度"))
    _heading(sheet, _("{period}各年度獲獎件數").format(period=period), note)
    _matrix(sheet, _("年度"), summary.by_year)

    sheet = book.create_sheet(_("各機關"))
    _heading(sheet, _("{period}各機關獲獎件數").format(period=period), note)
    _matrix(sheet, _("機關"), summary.by_agency)

    sheet = book.create_sheet(_("獎項明細"))
    headers = [
        _("年度"),
        _("獲獎日期"),
        _("機關代碼"),
        _("獲獎機關"),
        _("獎項名稱"),
        _("頒獎單位"),
        _("獎項類別"),
        _("首獎及卓越成績"),
        _("相關列管案件"),
        _("佐證連結"),
        _("備註"),
    ]
    _append(sheet, headers, font=BOLD)
    award: Award
    for award in details:
        _append(
            sheet,
            [
                award.roc_year,
                format_roc_date_export(award.award_date),
                award.agency.code,
                award.agency.name,
                award.name,
                award.awarding_body,
                award.get_award_class_display(),
                _("是") if award.is_top else _("否"),
                award.project.control_number if award.project_id else "",
                award.evidence_url,
                award.note,
            ],
        )
    for row in sheet.iter_rows(min_row=2, min_col=11, max_col=11):
        row[0].alignment = WRAP
    sheet.freeze_panes = "A2"
    _widths(sheet, [7, 12, 9, 28, 40, 24, 10, 14, 16, 30, 30])

    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
