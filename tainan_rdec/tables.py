"""Statistics tables, defined once: the page's HTML table and its Excel download come from the
same ``Table`` (columns with their headers, units and formats, the rows, a total row), so the
two cannot disagree. The executive briefing's tables are the same kind of object
(``tainan_rdec.briefing.content``), and the list exports write their sheets through
``write_workbook`` too: one way for a table to leave the portal as xlsx.

A page builds its tables (each app's ``tables.py``), renders each with
``{% include "includes/stat_table.html" with table=... %}`` (caption, unit line, header with
units, rows, total, and a "下載 Excel" link to the same address with ``format=xlsx&table=KEY``
added to the filters in force), and calls ``download`` first::

    response = tables.download(request, *page_tables)
    if response is not None:
        return response

Values stay raw until rendered (counts as ints, rates and scores as Decimals rounded the way
the page rounds them, money in 元, days as dates); ``cell_text`` is how a value reads on the
page, ``xlsx_value`` what the spreadsheet cell holds, with a number format that shows the same
digits. ROC dates and months are text in the sheet: a date cell would show the Gregorian date.

The workbook is written in openpyxl's write-only mode from the rows as they come (a generator
is fine), so a table of any length costs the same memory. Every text cell is written as text
with Excel's quote prefix when it starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR):
no cell of a download is a formula, whatever an agency or project name holds.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from html import escape as html_escape
from operator import attrgetter

from django import forms
from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tainan_rdec.roc import format_money, format_roc_date, format_roc_date_export, format_roc_month

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMAT_PARAM = "format"
TABLE_PARAM = "table"
# Query parameters a download drops: the page of a paged table (the file holds every page).
PAGE_PARAMS = ("page",)
# A cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EMPTY = "—"
# Downloads are built in a temporary file that stays in memory up to this size.
SPOOL_BYTES = 10 * 1024 * 1024
SHEET_NAME_MAX = 31  # Excel's limit
_NUM = ' class="num"'
_SHEET_NAME_BAD = re.compile(r"[\\/?*\[\]:]")


def html_text(value) -> str:
    """Text as HTML: ``django.utils.html.conditional_escape`` without its lazy-text wrappers,
    the same characters escaped (the standard library's ``html.escape``, which Django's
    calls). A long table's cells and a chart's bars call it thousands of times a page, and
    the wrappers cost more than the escaping. Markup already safe (``__html__``) stays as it
    is. The markup built with it is marked safe with ``SafeString`` (``mark_safe``'s wrapper
    costs as much)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


class Format(StrEnum):
    TEXT = "text"
    COUNT = "count"  # a whole number: 1,234
    NUMBER = "number"  # a Decimal as rounded by its source: 85.25, 1,234.5
    PERCENT = "percent"  # a Decimal in %, the column's unit (or label) says "%"
    YI = "yi"  # an amount in 元, shown in 億元 with two decimals
    DATE = "date"  # a date, shown in the ROC calendar: 113.3.26
    MONTH = "month"  # a month (its first day), shown as 113年3月
    PLAIN = "plain"  # as given: numbers stay numbers, the rest is text (register exports)


NUMERIC = frozenset({Format.COUNT, Format.NUMBER, Format.PERCENT, Format.YI})


def cell_text(value, fmt: Format = Format.COUNT) -> str:
    """How a value reads in a table cell or a headline: thousands separators, 億元 for money,
    ROC dates, "—" for a figure that cannot be computed (a rate over nothing)."""
    if type(value) is int and fmt is Format.COUNT:  # most cells: a count
        return f"{value:,}"
    if value is None or value == "":
        return EMPTY
    if isinstance(value, list | tuple):
        return "、".join(cell_text(item, Format.TEXT) for item in value)
    if fmt == Format.DATE:
        return format_roc_date(value)
    if fmt == Format.MONTH:
        return format_roc_month(value)
    if fmt in (Format.TEXT, Format.PLAIN) or isinstance(value, str):
        return str(value)
    if fmt == Format.YI:
        return format_money(value, "億元", with_unit=False)
    return f"{value:,}"


def yi(value) -> Decimal:
    """An amount in 元 as the 億元 figure the page shows (two decimals, half up)."""
    return Decimal(format_money(value, "億元", with_unit=False).replace(",", ""))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def number_format(value, fmt: Format) -> str:
    """The Excel number format that shows ``value`` with the digits the page shows."""
    if fmt == Format.YI:
        return "#,##0.00"
    if isinstance(value, Decimal) and _places(value):
        return "#,##0." + "0" * _places(value)
    return "#,##0"


def xlsx_value(value, fmt: Format):
    """What the spreadsheet cell holds: numbers as numbers (money in 億元), dates as ROC text,
    a figure that cannot be computed as "—", lists one item a line."""
    if fmt == Format.PLAIN:
        return "" if value is None else value
    if value is None or value == "":
        return EMPTY if fmt in NUMERIC else ""
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if fmt == Format.YI:
        return yi(value)
    if fmt in NUMERIC and isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value
    return cell_text(value, fmt)


def _reader(value) -> Callable | None:
    if value is None or callable(value):
        return value
    return attrgetter(value)


@dataclass(frozen=True)
class Column:
    """One column: its label and format, and how a row gives its value.

    ``value``: an attribute path (``"agency.name"``), a callable taking the row, or None (the
    row is a sequence: its item at this column's position, as the briefing's rows are).
    ``unit`` is shown in the header on the page and in the sheet: ``件數（件）``.
    ``group``: a heading over consecutive columns (a second header row on the page; joined to
    the label in the sheet). ``link`` gives the page cell's drill-down address (or "") and
    ``template`` a template that draws the page cell (given ``row``, ``value`` and ``text``);
    neither changes the figure. ``sort_url``/``sort_state`` make the header a sorting link.
    """

    label: str
    fmt: Format = Format.COUNT
    value: str | Callable | None = None
    unit: str = ""
    group: str = ""
    link: Callable | None = None
    template: str = ""
    sort_url: str = ""
    sort_state: str = ""  # "ascending", "descending" or "" (aria-sort)
    total: bool = True  # False: the total row leaves this column empty
    width: int | None = None

    @property
    def header(self) -> str:
        return self.label + (_("（{unit}）").format(unit=self.unit) if self.unit else "")

    @property
    def sheet_header(self) -> str:
        return f"{self.group}{self.header}" if self.group else self.header

    @property
    def numeric(self) -> bool:
        return self.fmt in NUMERIC

    @cached_property
    def _read(self) -> Callable | None:
        return _reader(self.value)

    def read(self, row, index: int):
        reader = self._read
        if reader is None:
            return row[index]
        return reader(row)

    def sheet_width(self, first: bool) -> int:
        if self.width:
            return self.width
        wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in self.sheet_header) + 2
        if self.fmt in (Format.TEXT, Format.PLAIN):
            return max(wide, 28 if first else 16)
        return max(wide, 12)


@dataclass(frozen=True)
class HeadCell:
    text: str
    numeric: bool = False
    colspan: int = 1
    rowspan: int = 1
    scope: str = "col"
    sort_url: str = ""
    sort_state: str = ""


# Slotted, not frozen: a long table's page makes thousands of cells, and a frozen dataclass
# sets each field through ``object.__setattr__``.
@dataclass(slots=True)
class Cell:
    text: str
    value: object = None
    row: object = None
    url: str = ""
    header: bool = False
    numeric: bool = False
    items: tuple = ()
    template: str = ""

    def html(self) -> str:
        """The cell's markup: built here rather than by a template per cell, which would cost
        more than the rest of a long table's page."""
        if self.template:
            inner = render_to_string(
                self.template, {"row": self.row, "value": self.value, "text": self.text}
            )
        elif self.items:
            inner = (
                '<ul class="cell-list">'
                + "".join(f"<li>{html_text(item)}</li>" for item in self.items)
                + "</ul>"
            )
        elif self.url:
            inner = f'<a href="{html_text(self.url)}">{html_text(self.text)}</a>'
        else:
            inner = html_text(self.text)
        num = _NUM if self.numeric else ""
        if self.header:
            return SafeString(f'<th scope="row"{num}>{inner}</th>')
        return SafeString(f"<td{num}>{inner}</td>")


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    attrs: dict[str, str]

    def html(self) -> str:
        """The row's markup, ``<tr>`` and its cells: joined here, not looped over cell by cell
        in the template, which cost a long table's page more than the cells themselves."""
        attrs = "".join(
            f' {html_text(name)}="{html_text(value)}"' for name, value in self.attrs.items()
        )
        cells = "".join(cell.html() for cell in self.cells)  # each cell escaped
        return SafeString(f"<tr{attrs}>{cells}</tr>")


@dataclass
class Table:
    """A statistics table: what the page draws and what its download holds.

    ``rows``: row objects (or sequences) read through the columns; a generator is fine for a
    download (it is read once). ``total``: one more row like the others, drawn under them
    (its first cell says ``total_label`` when it has no label of its own). ``key`` names the
    table among its page's (``?table=KEY``). ``filters``: (label, value) pairs of the filters
    in force, written in the sheet's title rows. ``row_header``: the position of the column
    that names the row (``<th scope="row">``), or None. ``row_attrs``: a row's extra HTML
    attributes (``{"class": "row-alert"}``)."""

    title: str
    columns: list[Column]
    rows: Iterable = ()
    unit: str = ""
    total: object | None = None
    key: str = ""
    filters: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    row_header: int | None = 0
    row_attrs: Callable | None = None
    total_label: str = ""
    empty: str = ""  # the page's sentence when there are no rows (no table is drawn)
    html_id: str = ""
    caption_hidden: bool = False
    narrow: bool = False
    today: date | None = None
    sheet_name: str = ""

    def text_rows(self) -> list[list[str]]:
        """Every row, the total last, as the cells read (the briefing's PDF and deck)."""
        rows = [*self.rows, *([self.total] if self.total is not None else [])]
        return [
            [cell_text(column.read(row, i), column.fmt) for i, column in enumerate(self.columns)]
            for row in rows
        ]

    # -- the page ------------------------------------------------------------------------

    @property
    def grouped(self) -> bool:
        return any(column.group for column in self.columns)

    def head_rows(self) -> list[list[HeadCell]]:
        """One header row, or two when columns are grouped (ungrouped ones span both)."""
        if not self.grouped:
            return [[self._head(column) for column in self.columns]]
        top: list[HeadCell] = []
        bottom: list[HeadCell] = []
        i = 0
        while i < len(self.columns):
            column = self.columns[i]
            if not column.group:
                top.append(self._head(column, rowspan=2))
                i += 1
                continue
            span = 1
            while i + span < len(self.columns) and self.columns[i + span].group == column.group:
                span += 1
            top.append(HeadCell(column.group, colspan=span, scope="colgroup"))
            bottom += [self._head(c) for c in self.columns[i : i + span]]
            i += span
        return [top, bottom]

    @staticmethod
    def _head(column: Column, rowspan: int = 1) -> HeadCell:
        return HeadCell(
            column.header,
            numeric=column.numeric,
            rowspan=rowspan,
            sort_url=column.sort_url,
            sort_state=column.sort_state,
        )

    def _row(self, row, *, is_total: bool = False) -> Row:
        cells = []
        for i, column in enumerate(self.columns):
            if is_total and not column.total and i != self.row_header:
                cells.append(Cell("", numeric=column.numeric))
                continue
            value = column.read(row, i)
            if is_total and i == self.row_header and not value:
                value = self.total_label or _("合計")
            items = tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()
            cells.append(
                Cell(
                    cell_text(value, column.fmt),
                    value=value,
                    row=row,
                    url="" if is_total or column.link is None else column.link(row) or "",
                    header=i == self.row_header,
                    numeric=column.numeric,
                    items=items,
                    template="" if is_total else column.template,
                )
            )
        attrs = {} if is_total or self.row_attrs is None else self.row_attrs(row) or {}
        return Row(cells, attrs)

    @cached_property
    def body(self) -> list[Row]:
        return [self._row(row) for row in self.rows]

    @cached_property
    def foot(self) -> Row | None:
        return None if self.total is None else self._row(self.total, is_total=True)


# -- the workbook --------------------------------------------------------------------------

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_MUTED = Font(color="595959")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


def clean_text(text: str) -> str:
    """Text as a cell may hold it: characters xlsx cannot store become U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", text)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def xlsx_cell(sheet, value, *, number_format: str = "", font=None, alignment=None):
    """A write-only cell. Text is always stored as text (never a formula) and gets Excel's
    quote prefix when it starts like a formula, so editing the cell cannot turn it into one."""
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    elif number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def sheet_name(title: str, taken: set[str]) -> str:
    """A unique sheet name Excel accepts (31 characters, none of ``\\/?*[]:``)."""
    base = _SHEET_NAME_BAD.sub("－", title).strip("'") or _("工作表")
    name, n = base[:SHEET_NAME_MAX], 1
    while name in taken:
        n += 1
        suffix = f"({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(name)
    return name


def filter_text(filters: Sequence[tuple[str, str]]) -> str:
    if not filters:
        return _("篩選條件：無（全部資料）")
    return _("篩選條件：{filters}").format(
        filters="；".join(f"{label}：{value}" for label, value in filters)
    )


def _data_row(sheet, table: Table, row, *, font=None, is_total=False, memo=None) -> list:
    cells = []
    for i, column in enumerate(table.columns):
        if is_total and not column.total and i != table.row_header:
            cells.append(xlsx_cell(sheet, None))
            continue
        value = column.read(row, i)
        if is_total and i == table.row_header and not value:
            value = table.total_label or _("合計")
        if memo is not None and column.fmt in (Format.DATE, Format.MONTH):
            # A long table repeats its months: each is written out in ROC once.
            key = (column.fmt, value)
            stored = memo.get(key)
            if stored is None:
                stored = memo[key] = xlsx_value(value, column.fmt)
        else:
            stored = xlsx_value(value, column.fmt)
        wrap = isinstance(value, list | tuple) or (isinstance(stored, str) and "\n" in stored)
        cells.append(
            xlsx_cell(
                sheet,
                stored,
                number_format=number_format(stored, column.fmt) if column.numeric else "",
                font=font,
                alignment=_WRAP if wrap else None,
            )
        )
    return cells


def write_sheet(book: Workbook, table: Table, *, heading: bool, today: date, taken: set) -> int:
    """Add ``table`` as a sheet of the write-only ``book``; returns the rows written.

    With ``heading``: the title, the filters and the data date (with the unit line) above the
    header; the header row is frozen and repeats on every printed page; the total row is
    bold; the notes follow the table."""
    sheet = book.create_sheet(sheet_name(table.sheet_name or table.title, taken))
    for i, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.sheet_width(i == 1)
    header_row = 4 if heading else 1
    # A write-only sheet takes its view and print settings before its first row.
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    if heading:
        day = format_roc_date_export(table.today or today)
        meta = _("資料日期：{day}").format(day=day)
        if table.unit:
            meta += "　" + table.unit
        sheet.append([xlsx_cell(sheet, table.title, font=_TITLE_FONT)])
        sheet.append([xlsx_cell(sheet, filter_text(table.filters))])
        sheet.append([xlsx_cell(sheet, meta, font=_MUTED)])
    sheet.append(
        [
            xlsx_cell(sheet, column.sheet_header, font=_BOLD, alignment=_HEADER_ALIGN)
            for column in table.columns
        ]
    )
    written = 0
    memo: dict = {}
    for row in table.rows:
        sheet.append(_data_row(sheet, table, row, memo=memo))
        written += 1
    if table.total is not None:
        sheet.append(_data_row(sheet, table, table.total, font=_BOLD, is_total=True))
    if heading and table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([xlsx_cell(sheet, note, font=_MUTED)])
    return written


def write_workbook(tables: Iterable[Table], out, *, heading: bool = True, today=None) -> None:
    """Write ``tables``, one sheet each, as an xlsx workbook to the binary stream ``out``.
    ``heading=False``: the header in the first row (a register export the import reads back)."""
    today = today or timezone.localdate()
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        write_sheet(book, table, heading=heading, today=today, taken=taken)
    book.save(out)


def xlsx_file(tables: Iterable[Table], *, today=None):
    """The workbook in a rewound temporary file (in memory while small)."""
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    write_workbook(tables, handle, today=today)
    handle.seek(0)
    return handle


def file_name(title: str, today: date) -> str:
    stem = _SHEET_NAME_BAD.sub("－", title).replace('"', "")
    return f"{stem}_{format_roc_date_export(today).replace('/', '')}.xlsx"


def xlsx_response(
    tables: Sequence[Table], *, title: str = "", filename: str = "", today=None
) -> FileResponse:
    """The workbook of ``tables`` as a download named after ``title`` (default: the first
    table's) and the data date, or ``filename`` when given."""
    today = today or timezone.localdate()
    return FileResponse(
        xlsx_file(tables, today=today),
        as_attachment=True,
        filename=filename or file_name(title or tables[0].title, today),
        content_type=XLSX_CONTENT_TYPE,
    )


def requested_table(request) -> str | None:
    """The key of the table a request downloads (``?format=xlsx&table=KEY``), else None."""
    if request.GET.get(FORMAT_PARAM) != "xlsx":
        return None
    return request.GET.get(TABLE_PARAM, "")


def download(request, *tables: Table) -> FileResponse | None:
    """The xlsx of the page table the request names, None when it asks for the page; a key
    that is none of the page's tables is 404."""
    key = requested_table(request)
    if key is None:
        return None
    for table in tables:
        if table.key == key:
            return xlsx_response([table])
    raise Http404


def form_data(request, form_class):
    """The query as ``form_class``'s data when it sets any of the form's fields (or a
    django-filter FilterSet's filters), else None (an unbound form: the defaults). A page's
    download link adds ``format`` and ``table`` to the query: the page without filters must
    not become a form bound to nothing."""
    names = getattr(form_class, "base_fields", None) or form_class.base_filters
    return request.GET if any(name in request.GET for name in names) else None


def download_url(request, table: Table) -> str:
    """The page's own address with its filters, asking for ``table`` as xlsx."""
    query = request.GET.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    query[FORMAT_PARAM] = "xlsx"
    query[TABLE_PARAM] = table.key
    return f"{request.path}?{query.urlencode()}"


# -- the filters in force -------------------------------------------------------------------


def _choice_label(choices, value) -> str:
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            found = _choice_label(label, value)
            if found:
                return found
        elif str(key) == str(value):
            return str(label)
    return ""


def describe_form(form, *, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The filters a valid bound form applies, as (label, value) pairs in the sheet's words:
    choices by their label, records by name, dates in ROC. An unbound or invalid form applies
    none."""
    if form is None or not form.is_bound or not form.is_valid():
        return []
    described = []
    for name, field_ in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in skip or value in (None, "", [], ()):
            continue
        if isinstance(field_, forms.ModelChoiceField):
            text = str(value)
        elif isinstance(field_, forms.ChoiceField):
            text = _choice_label(field_.choices, value) or str(value)
        elif isinstance(value, date):
            text = format_roc_date(value)
        else:
            text = str(value)
        described.append((str(field_.label), text))
    return described
