"""Reading an uploaded spreadsheet safely into rows: xlsx (openpyxl, read-only) or CSV.

Before any parsing: the file's size against ``IMPORT_MAX_FILE_BYTES``; for an xlsx, the sizes
its parts declare once unzipped against ``IMPORT_MAX_XLSX_UNZIPPED_BYTES`` and each big part's
compression ratio against ``IMPORT_MAX_XLSX_RATIO`` (a zip bomb is refused without inflating
it: zipfile never inflates a part past its declared size), and its XML parts for document type
declarations (external entities, "billion laughs"). openpyxl parses with defusedxml, which
refuses entities anyway; the check here gives the user a clear message. Then, still before
openpyxl opens the workbook, each sheet against the register's row limit (``max_rows``): the
size it declares (its ``<dimension>``), then its ``<row>`` and ``<c>`` elements counted in its
XML (openpyxl parses a whole sheet that declares no size just to find it, keeping an element
for each row).

Rows stream: openpyxl reads the sheet in read-only mode and a CSV is read line by line; the rows
kept are counted as they are read, and a file with more than the register's limit is refused
at the first row past it, whatever it declared. XML that cannot be parsed (a NUL byte, a
character XML forbids) is refused in Chinese, with the row where it is known.

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
# Only parts at least this big unzipped have their compression ratio judged: a small part's
# ratio says nothing about memory.
RATIO_FROM_BYTES = 1024 * 1024
# Rows and cells of a sheet's XML (any namespace prefix), counted without parsing it.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*\bref=\"\$?([A-Z]{1,3})?\$?(\d+)(?::\$?([A-Z]{1,3})?\$?(\d+))?\""
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
# Past the register's limit of rows of data, a sheet may hold this many rows more (blank or
# formatted rows, titles), and this many cells a row on average: openpyxl keeps an element for
# every row it reads, and reads a whole sheet that declares no size just to find its size.
SPARE_ROWS = 1_000
CELLS_PER_ROW = 100
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


def too_many_rows(limit: int) -> ImportFileError:
    """A file past the register's row limit, found while reading it."""
    return ImportFileError(
        _(
            "此名冊一次最多匯入 {limit:,} 列，這個檔案超過 {limit:,} 列，已停止讀取、"
            "沒有寫入任何資料。請分成每個不超過 {limit:,} 列的檔案匯入。"
        ).format(limit=limit)
    )


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
    source,
    *,
    sheet_title: str,
    known_headers: set[str],
    required: list[str],
    name: str = "",
    max_rows: int | None = None,
) -> Table:
    """The rows of ``source`` (a path, bytes, or an uploaded file). ``known_headers`` are the
    folded header names of the register (they locate the header row); ``required`` are the
    columns a file must have (named when no header row is found); a file with more than
    ``max_rows`` rows of data is refused (``too_many_rows``) as soon as reading finds it."""
    handle, size, file_name, opened = _open(source)
    name = name or file_name
    try:
        check_size(size)
        head = handle.read(8)
        handle.seek(0)
        if head.startswith(b"PK\x03\x04"):
            return _read_xlsx(handle, sheet_title, known_headers, required, max_rows)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ImportFileError(
                _("這是舊版 Excel（.xls）或加密的活頁簿，請另存為 .xlsx 或 CSV（UTF-8）後再匯入。")
            )
        if name.lower().endswith((".xlsx", ".xlsm")):
            raise ImportFileError(_("檔名是 .xlsx，但內容不是 Excel 活頁簿，請確認檔案。"))
        return _read_csv(handle, known_headers, required, max_rows)
    finally:
        if opened:
            handle.close()


# -- xlsx ------------------------------------------------------------------------------------


def check_archive(handle, max_rows: int | None = None) -> None:
    """Refuse a workbook from its zip directory and its XML parts' bytes, before openpyxl
    parses anything: too big unzipped, a part compressed past any spreadsheet's ratio, a
    document type declaration, and with ``max_rows`` (the register's limit of rows of data) a
    sheet that declares, or holds, more rows than that (``_check_sheet_size``)."""
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
        # Excel and openpyxl compress a sheet 10 to 25 times (100,000 identical rows: 21
        # times), as each cell carries its own reference; millions of rows that repeat without
        # them pack a sheet of hundreds of MB into one or two, which openpyxl would read row
        # by row for minutes.
        max_ratio = settings.IMPORT_MAX_XLSX_RATIO
        for info in members:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= RATIO_FROM_BYTES and ratio > max_ratio:
                raise ImportFileError(
                    _(
                        "活頁簿的 {part} 解壓縮後為 {size}，是壓縮後的 {ratio:,.0f} 倍，超過上限 "
                        "{limit:,} 倍（疑似壓縮炸彈），已拒絕。請以 Excel 開啟確認後另存新檔，"
                        "或改存 CSV 匯入。"
                    ).format(
                        part=info.filename,
                        size=_megabytes(info.file_size),
                        ratio=ratio,
                        limit=max_ratio,
                    )
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
        if max_rows is not None:
            for info in members:
                if _WORKSHEET_PART.fullmatch(info.filename):
                    _check_sheet_size(archive, info, max_rows)
    handle.seek(0)


def _declared_rows(head: bytes) -> tuple[str, int] | None:
    """The range a sheet's ``<dimension>`` declares and its last row, from the sheet's first
    bytes (the element comes before the data), or None."""
    data_at = _SHEET_DATA.search(head)
    match = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
    if match is None:
        return None
    c1, r1, c2, r2 = (g.decode() if g else "" for g in match.groups())
    return (f"{c1}{r1}:{c2}{r2}" if r2 else f"{c1}{r1}"), int(r2 or r1)


def _scan(part, *, stop_after_rows: int, stop_after_cells: int | None = None) -> tuple[int, int]:
    """(rows, cells) of a sheet's XML counted by their tags, chunk by chunk, stopping once past
    either bound (cells not counted without a bound)."""
    rows = cells = 0
    tail = b""
    while chunk := part.read(1024 * 1024):
        data = tail + chunk
        # A tag cut at the chunk's end is counted with the next chunk.
        cut = data.rfind(b"<")
        tail = data[cut:] if cut >= len(data) - 16 else b""
        counted = data[: len(data) - len(tail)]
        rows += len(_ROW_TAG.findall(counted))
        if stop_after_cells is not None:
            cells += len(_CELL_TAG.findall(counted))
        if rows > stop_after_rows or (stop_after_cells is not None and cells > stop_after_cells):
            break
    return rows, cells


def _check_sheet_size(archive, info, max_rows: int) -> None:
    """A sheet's size against the register's limit, before it is parsed: first the size it
    declares (its ``<dimension>``), then its ``<row>`` and ``<c>`` elements counted, as a file
    may declare no size (openpyxl would then parse all of it to find it) or a wrong one."""
    most_rows = max_rows + HEADER_SEARCH_ROWS + max(SPARE_ROWS, max_rows)
    with archive.open(info) as part:
        head = part.read(_XML_SCAN_BYTES)
        declared = _declared_rows(head)
        if declared is not None and declared[1] > max_rows + HEADER_SEARCH_ROWS:
            ref, rows = declared
            raise ImportFileError(
                _(
                    "此名冊一次最多匯入 {limit:,} 列，工作表宣告的範圍 {ref} 有 {rows:,} 列，"
                    "沒有讀取、沒有寫入任何資料。請分成每個不超過 {limit:,} 列的檔案匯入"
                    "（若其中多為空白列，請刪除後再存檔）。"
                ).format(limit=max_rows, ref=ref, rows=rows)
            )
    with archive.open(info) as part:
        rows, cells = _scan(
            part, stop_after_rows=most_rows, stop_after_cells=most_rows * CELLS_PER_ROW
        )
    if rows > most_rows:
        raise ImportFileError(
            _(
                "此名冊一次最多匯入 {limit:,} 列，這個檔案的工作表超過 {rows:,} 列（含空白列），"
                "沒有讀取、沒有寫入任何資料。請分成每個不超過 {limit:,} 列的檔案匯入，"
                "並刪除多餘的空白列。"
            ).format(limit=max_rows, rows=most_rows)
        )
    if cells > most_rows * CELLS_PER_ROW:
        raise ImportFileError(
            _(
                "這個檔案的工作表超過 {cells:,} 個儲存格，遠多於此名冊的欄位，沒有讀取、"
                "沒有寫入任何資料。請只保留範本的欄位，並刪除多餘的欄與空白列。"
            ).format(cells=most_rows * CELLS_PER_ROW)
        )


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


def _unreadable_xml(row: int | None = None) -> ImportFileError:
    """XML that cannot be parsed: most often a NUL byte or another control character that XML
    forbids (a program that writes them makes files Excel itself refuses). The row when it is
    known: a sheet read row by row; not when the workbook is opened (its shared strings, and a
    sheet that declares no size, which openpyxl parses whole to find it)."""
    message = _(
        "含有無法讀取的字元（例如 NUL 空字元或其他控制字元），請刪除該字元，"
        "或以 Excel 開啟後另存新檔再匯入。"
    )
    if row is not None:
        return ImportFileError(ImportProblem(message, row=row))
    return ImportFileError(_("活頁簿{message}").format(message=message))


def _read_xlsx(
    handle, sheet_title: str, known_headers: set[str], required, max_rows: int | None = None
) -> Table:
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(handle, max_rows)
    try:
        with warnings.catch_warnings():
            # Notices about parts openpyxl skips (extensions, default styles) mean nothing to
            # the user and must not stop an import.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except SyntaxError:  # ElementTree's ParseError
        raise _unreadable_xml() from None
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
        read = 0  # the last row read whole
        try:

            def raw_rows():
                nonlocal read
                for number, cells in enumerate(sheet.iter_rows(), start=1):
                    yield number, [_cell_value(cell) for cell in cells]
                    read = number

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = _table_from_rows(
                    raw_rows(),
                    known_headers,
                    required,
                    sheet=sheet.title,
                    kind="xlsx",
                    max_rows=max_rows,
                )
            merged = _merged_ranges(workbook, sheet)
        except DefusedXmlException:
            raise ImportFileError(_("活頁簿含有不允許的 XML 實體宣告，已拒絕。")) from None
        except SyntaxError:
            # The parser gives every row before the one it cannot read: that row is the next.
            raise _unreadable_xml(row=read + 1) from None
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


def _read_csv(handle, known_headers: set[str], required, max_rows: int | None = None) -> Table:
    encoding = detect_encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        rows = ((number, row) for number, row in enumerate(reader, start=1))
        return _table_from_rows(
            rows, known_headers, required, sheet=None, kind="csv", max_rows=max_rows
        )
    except csv.Error as error:
        raise ImportFileError(
            _("CSV 檔案格式不正確（{error}），請確認是以逗號分隔的文字檔。").format(error=error)
        ) from None
    finally:
        text.detach()  # the caller closes the file it gave


def count_csv_rows(source) -> int:
    """The rows of data of a CSV (a path or a binary file): its non-empty rows below the
    first, read as CSV (a cell may hold line breaks). A file object is left at its start."""
    handle, _size, _name, opened = _open(source)
    try:
        try:
            encoding = detect_encoding(handle)
        except ImportFileError:
            return 0  # the import itself says what is wrong with it
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        try:
            rows = sum(1 for row in csv.reader(text) if any(cell.strip() for cell in row))
        except csv.Error:
            rows = 0  # the import itself says what is wrong with it
        finally:
            text.detach()
        return max(rows - 1, 0)
    finally:
        if opened:
            handle.close()
        else:
            handle.seek(0)


# -- rows --------------------------------------------------------------------------------------


def _header_text(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _table_from_rows(
    rows, known_headers: set[str], required, *, sheet, kind, max_rows: int | None = None
) -> Table:
    """Find the header among the first rows, then keep the non-empty rows below it, at most
    ``max_rows`` of them (one more is refused: ``too_many_rows``)."""
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
        if max_rows is not None and len(table.rows) >= max_rows:
            raise too_many_rows(max_rows)
        values = (values + [None] * width)[:width]
        table.rows.append((number, values))
    return table


# -- how big, without parsing ---------------------------------------------------------------------


def count_rows(path, *, stop_after: int) -> int:
    """About how many rows of data ``path`` holds, counted without parsing it (what decides
    whether a page may read it): the lines of a CSV below its header, the ``<row>`` elements of
    an xlsx's sheets below one header each. Reading stops within a megabyte of passing
    ``stop_after``. A workbook refused by ``check_archive`` counts 0: reading it says why at
    once."""
    path = Path(path)
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            handle.seek(0)
            lines = 0
            while lines <= stop_after and (chunk := handle.read(1024 * 1024)):
                lines += chunk.count(b"\n")
            return max(lines - 1, 0)
        handle.seek(0)
        try:
            check_archive(handle)  # nothing is inflated before the size and ratio checks
        except ImportFileError:
            return 0
        with zipfile.ZipFile(handle) as archive:
            rows = 0
            for info in archive.infolist():
                if _WORKSHEET_PART.fullmatch(info.filename):
                    with archive.open(info) as part:
                        found, _cells = _scan(part, stop_after_rows=stop_after + 1)
                    rows += max(found - 1, 0)  # less its header
                    if rows > stop_after:
                        break
            return rows
