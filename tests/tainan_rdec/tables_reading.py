"""Reading a statistics table back from both outputs, to compare them cell by cell: the page's
``<table>`` (lxml) and the downloaded sheet (openpyxl, each cell shown through its number
format as Excel would show it).

``page_table(html, table_id)`` and ``sheet_table(content)`` give the same shape: the header
(one row, a grouped column's heading joined to its label as the sheet writes it) and the rows,
the total last, every cell as the text a reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import lxml.html
from openpyxl import load_workbook

HEADER_ROW = 4  # title, filters, data date, then the header


@dataclass
class Read:
    header: list[str]
    rows: list[list[str]]
    title: str = ""
    filters: str = ""
    meta: str = ""
    notes: list[str] | None = None
    frozen: str = ""
    formats: list[list[str]] | None = None

    def column(self, label: str) -> list[str]:
        index = self.header.index(label)
        return [row[index] for row in self.rows]

    def row(self, first: str) -> list[str]:
        return next(row for row in self.rows if row[0] == first)


def _text(element) -> str:
    items = element.findall(".//li")
    if items:
        return "\n".join(item.text_content().strip() for item in items)
    return " ".join(element.text_content().replace(" ▲", "").replace(" ▼", "").split())


def page_table(html: str, table_id: str) -> Read:
    """The page's table ``table_id``: header and rows (body, then the footer)."""
    found = lxml.html.fromstring(html).get_element_by_id(table_id)
    head = found.find("thead").findall("tr")
    if len(head) == 1:
        header = [_text(th) for th in head[0]]
    else:
        bottom = [_text(th) for th in head[1]]
        header = []
        for th in head[0]:
            span = int(th.get("colspan", "1"))
            if th.get("rowspan") == "2":
                header.append(_text(th))
            else:
                group = _text(th)
                header += [group + label for label in bottom[:span]]
                bottom = bottom[span:]
    rows = [[_text(cell) for cell in tr] for tr in found.find("tbody").findall("tr")]
    foot = found.find("tfoot")
    if foot is not None:
        rows += [[_text(cell) for cell in tr] for tr in foot.findall("tr")]
    return Read(header=header, rows=rows, title=_text(found.find("caption")))


def shown(cell) -> str:
    """A cell as Excel shows it: numbers through their number format, the rest as text."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    fmt = cell.number_format
    places = len(fmt.split(".")[1]) if "." in fmt else 0
    comma = "," if "#,##0" in fmt else ""
    return f"{value:{comma}.{places}f}"


def sheet_table(content: bytes, sheet: str | int = 0, *, heading: bool = True) -> Read:
    """A downloaded workbook's sheet: title rows, header, rows up to the first empty one (the
    total included), the notes under them."""
    book = load_workbook(BytesIO(content))
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    all_rows = list(ws.iter_rows())
    start = HEADER_ROW if heading else 1
    width = sum(1 for cell in all_rows[start - 1] if cell.value is not None)
    header = [shown(cell) for cell in all_rows[start - 1][:width]]
    rows, formats, notes = [], [], []
    body = iter(all_rows[start:])
    for row in body:
        if all(cell.value is None for cell in row):
            notes = [shown(r[0]) for r in body]
            break
        cells = list(row[:width]) + [None] * (width - len(row))
        rows.append([shown(cell) if cell is not None else "" for cell in cells])
        formats.append([cell.number_format if cell is not None else "" for cell in cells])
    return Read(
        header=header,
        rows=rows,
        title=shown(all_rows[0][0]) if heading else "",
        filters=shown(all_rows[1][0]) if heading else "",
        meta=shown(all_rows[2][0]) if heading else "",
        notes=notes,
        frozen=ws.freeze_panes or "",
        formats=formats,
    )


def as_page_shows(read: Read) -> list[list[str]]:
    """The sheet's rows as the page writes them: an empty text cell is "—" on the page."""
    return [[cell if cell != "" else "—" for cell in row] for row in read.rows]


def assert_same_table(page: Read, sheet: Read) -> None:
    """The download holds exactly the page's table: the same header and every cell the same."""
    assert sheet.header == page.header
    assert as_page_shows(sheet) == page.rows
