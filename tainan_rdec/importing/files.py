"""Reading an uploaded spreadsheet safely into rows: xlsx (openpyxl, read-only) or CSV.

Before any parsing: the file's size against ``IMPORT_MAX_FILE_BYTES``; for an xlsx, the sizes
its parts declare once unzipped against ``IMPORT_MAX_XLSX_UNZIPPED_BYTES`` (a zip bomb is
refused without inflating it: zipfile never inflates a part past its declared size) and its XML
parts for document type declarations (external entities, "billion laughs"). openpyxl parses
with defusedxml, which refuses entities anyway; the check here gives the user a clear message.

The rows keep the spreadsheet's own row numbers (the header is row 1 when it is the first row),
so errors point at the row the user sees; empty rows are dropped; merged cells, data under no
header and a workbook without the register's sheet are refused with a message each.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from tainan_rdec.importing.problems import ImportFileError, ImportProblem
from tainan_rdec.importing.widgets import fold, is_blank, to_decimal

# Sheets the template adds beside the data sheet.
EXPLANATION_SHEET = "欄位說明"
CHOICES_SHEET = "選項清單"

# The header may sit below a title row or two; look this far down for it.
HEADER_SEARCH_ROWS = 10
_XML_SCAN_BYTES = 64 * 1024
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Table:
    """The rows of the register's sheet: ``headers`` as written in the file; ``rows`` as
    (spreadsheet row number, values by column)."""

    headers: list[str]
    rows: list[tuple[int, list]]
    header_row: int = 1
    sheet: str | None = None
    kind: str = "xlsx"
    problems: list[ImportProblem] = field(default_factory=list)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _open(source) -> tuple[object, int, str, bool]:
    """(binary file object, size in bytes, file name, whether we opened it)."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.open("rb"), path.stat().st_size, path.name, True
    if isinstance(source, bytes):
        return io.BytesIO(source), len(source), "", True
    size = getattr(source, "size", None)
    if size is None:
        source.seek(0, os.SEEK_END)
        size = source.tell()
    source.seek(0)
    return source, size, os.path.basename(getattr(source, "name", "") or ""), False


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size > limit:
        raise ImportFileError(
            _("檔案大小 {size} 超過上限 {limit}，請分成幾個檔案匯入。").format(
                size=_megabytes(size), limit=_megabytes(limit)
            )
        )
    if size == 0:
        raise ImportFileError(_("檔案是空的。"))


def read_table(
    source, *, sheet_title: str, known_headers: set[str], required: list[str], name: str = ""
) -> Table:
    """The rows of ``source`` (a path, bytes, or an uploaded file). ``known_headers`` are the
    folded header names of the register (they locate the header row); ``required`` are the
    columns a file must have (named when no header row is found)."""
    handle, size, file_name, opened = _open(source)
    name = name or file_name
    try:
        check_size(size)
        head = handle.read(8)
        handle.seek(0)
        if head.startswith(b"PK\x03\x04"):
            return _read_xlsx(handle, sheet_title, known_headers, required)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFileError(
                _("這是舊版 Excel（.xls）或加密的活頁簿，請另存為 .xlsx 或 CSV（UTF-8）後再匯入。")
            )
        if name.lower().endswith((".xlsx", ".xlsm")):
            raise ImportFileError(_("檔名是 .xlsx，但內容不是 Excel 活頁簿，請確認檔案。"))
        return _read_csv(handle, known_headers, required)
    finally:
        if opened:
            handle.close()


# -- xlsx ------------------------------------------------------------------------------------


def check_archive(handle) -> None:
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile:
        raise ImportFileError(_("檔案已損毀，無法以 Excel 活頁簿開啟。")) from None
    with archive:
        members = archive.infolist()
        unzipped = sum(info.file_size for info in members)
        limit = settings.IMPORT_MAX_XLSX_UNZIPPED_BYTES
        if unzipped > limit or len(members) > 10_000:
            raise ImportFileError(
                _(
                    "活頁簿解壓縮後為 {size}，超過上限 {limit}（疑似壓縮炸彈），已拒絕。"
                    "若確實是大量資料，請改存 CSV 匯入。"
                ).format(size=_megabytes(unzipped), limit=_megabytes(limit))
            )
        for info in members:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as part:
                start = part.read(_XML_SCAN_BYTES)
            if _DTD.search(start):
                raise ImportFileError(
                    _(
                        "活頁簿含有 XML 文件類型或實體宣告（{part}），可能引用外部資料，已拒絕。"
                        "請以 Excel 另存新檔後再匯入。"
                    ).format(part=info.filename)
                )
    handle.seek(0)


def _merged_ranges(workbook, sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only sheet as (first row, last row, first col, last col).

    Read-only worksheets do not expose merged cells, so the sheet's XML is scanned for its
    ``mergeCell`` elements (they follow the cell data)."""
    archive = getattr(workbook, "_archive", None)
    path = getattr(sheet, "_worksheet_path", None)
    if archive is None or path is None:  # pragma: no cover - openpyxl internals moved
        return []
    found = set()
    tail = b""
    with archive.open(path) as part:
        while chunk := part.read(1024 * 1024):
            data = tail + chunk
            for match in _MERGE_REF.finditer(data):
                c1, r1, c2, r2 = match.groups()
                found.add(
                    (
                        int(r1),
                        int(r2),
                        column_index_from_string(c1.decode()),
                        column_index_from_string(c2.decode()),
                    )
                )
            tail = data[-256:]
    return sorted(found)


def _cell_value(cell):
    value = cell.value
    number_format = getattr(cell, "number_format", None) or ""
    # A cell formatted as a percentage holds 0.455 for 45.5%: the register wants 45.5.
    if "%" in number_format and not isinstance(value, bool):
        number = to_decimal(value)
        if number is not None:
            return (number * 100).normalize()
    return value


def _caused_by(error: BaseException, kind) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_xlsx(handle, sheet_title: str, known_headers: set[str], required) -> Table:
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(handle)
    try:
        with warnings.catch_warnings():
            # Notices about parts openpyxl skips (extensions, default styles) mean nothing to
            # the user and must not stop an import.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        # openpyxl wraps defusedxml's refusal in a ValueError of its own.
        if _caused_by(error, DefusedXmlException):
            raise ImportFileError(_("活頁簿含有不允許的 XML 實體宣告，已拒絕。")) from None
        raise ImportFileError(_("檔案已損毀，無法以 Excel 活頁簿開啟。")) from None
    try:
        names = workbook.sheetnames
        if sheet_title in names:
            sheet = workbook[sheet_title]
        else:
            data_sheets = [n for n in names if n not in (EXPLANATION_SHEET, CHOICES_SHEET)]
            if len(data_sheets) != 1:
                raise ImportFileError(
                    _(
                        "找不到工作表「{title}」。檔案中的工作表：{names}。"
                        "請把資料放在名為「{title}」的工作表，或使用下載的範本。"
                    ).format(title=sheet_title, names="、".join(names))
                )
            sheet = workbook[data_sheets[0]]
        # The dimensions a file declares may be wrong (some tools write "A1"): read every row.
        sheet.reset_dimensions()
        try:
            raw_rows = (
                (number, [_cell_value(cell) for cell in cells])
                for number, cells in enumerate(sheet.iter_rows(), start=1)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = _table_from_rows(
                    raw_rows, known_headers, required, sheet=sheet.title, kind="xlsx"
                )
            merged = _merged_ranges(workbook, sheet)
        except DefusedXmlException:
            raise ImportFileError(_("活頁簿含有不允許的 XML 實體宣告，已拒絕。")) from None
        except (zipfile.BadZipFile, EOFError, OSError):
            raise ImportFileError(_("檔案已損毀，無法讀完工作表的資料。")) from None
    finally:
        workbook.close()
    table.problems.extend(_merged_problems(merged, table))
    return table


def _merged_problems(merged, table: Table) -> list[ImportProblem]:
    problems = []
    for r1, r2, c1, c2 in merged:
        if r2 < table.header_row:
            continue  # a title above the header
        ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
        if r1 <= table.header_row:
            problems.append(
                ImportProblem(
                    _("標題列有合併儲存格（{ref}），請取消合併，每個欄位名稱各占一格。").format(
                        ref=ref
                    ),
                    row=table.header_row,
                )
            )
            continue
        names = [
            table.headers[c - 1]
            for c in range(c1, c2 + 1)
            if c - 1 < len(table.headers) and table.headers[c - 1]
        ]
        problems.append(
            ImportProblem(
                _(
                    "第{first}列至第{last}列是合併儲存格（{ref}），請取消合併，並在每一列填入完整的值。"
                ).format(first=r1, last=r2, ref=ref),
                row=r1,
                column="、".join(names) or None,
            )
        )
    return problems


# -- CSV -------------------------------------------------------------------------------------


def detect_encoding(handle) -> str:
    # Excel on a Traditional Chinese Windows saves "CSV" as Big5 (cp950); "CSV UTF-8" has a BOM.
    for encoding in ("utf-8-sig", "cp950"):
        decoder = codecs.getincrementaldecoder(encoding)()
        handle.seek(0)
        try:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        handle.seek(0)
        return encoding
    raise ImportFileError(
        _("無法辨識檔案的文字編碼。請在 Excel 選「另存新檔」→「CSV UTF-8（逗號分隔）」後再匯入。")
    )


def _read_csv(handle, known_headers: set[str], required) -> Table:
    encoding = detect_encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        rows = ((number, row) for number, row in enumerate(reader, start=1))
        return _table_from_rows(rows, known_headers, required, sheet=None, kind="csv")
    except csv.Error as error:
        raise ImportFileError(
            _("CSV 檔案格式不正確（{error}），請確認是以逗號分隔的文字檔。").format(error=error)
        ) from None
    finally:
        text.detach()  # the caller closes the file it gave


# -- rows --------------------------------------------------------------------------------------


def _header_text(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _table_from_rows(rows, known_headers: set[str], required, *, sheet, kind) -> Table:
    """Find the header among the first rows, then keep the non-empty rows below it."""
    rows = iter(rows)
    header_row, headers = None, None
    for number, values in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        if any(fold(_header_text(v)) in known_headers for v in values if not is_blank(v)):
            header_row, headers = number, [_header_text(v) for v in values]
            break
    if headers is None:
        where = _("工作表「{sheet}」").format(sheet=sheet) if sheet else _("檔案")
        raise ImportFileError(
            _(
                "{where}前{n}列找不到標題列：應有{names}等欄位。請使用下載的範本，標題列放在第1列。"
            ).format(where=where, n=HEADER_SEARCH_ROWS, names="".join(f"「{n}」" for n in required))
        )
    while headers and not headers[-1]:
        headers.pop()
    table = Table(headers=headers, rows=[], header_row=header_row, sheet=sheet, kind=kind)
    width = len(headers)
    for number, values in rows:
        if number <= header_row:
            continue
        if all(is_blank(v) for v in values):
            continue
        values = list(values)
        for index in range(len(values)):
            if index >= width or not headers[index]:
                if not is_blank(values[index]):
                    table.problems.append(
                        ImportProblem(
                            _("第{col}欄有資料「{value}」，但這一欄沒有欄位名稱。").format(
                                col=get_column_letter(index + 1), value=values[index]
                            ),
                            row=number,
                        )
                    )
        values = (values + [None] * width)[:width]
        table.rows.append((number, values))
    return table
