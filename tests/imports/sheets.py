"""Workbooks written by hand, part by part, for what openpyxl would never write: zip bombs of
millions of rows (small on disk: the rows are deflated as they are written), sheets that lie
about their size, characters XML forbids."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def string_row(indexes: Iterable[int]) -> bytes:
    """A ``<row>`` of shared strings, without the cell references Excel writes (they are
    optional): rows that repeat compress without limit."""
    return ("<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in indexes) + "</row>").encode()


def text_row(texts: Iterable[str], *, raw: bool = False) -> bytes:
    """A ``<row>`` of inline strings; ``raw`` leaves the text unescaped (to plant what XML
    forbids)."""
    cells = "".join(
        f'<c t="inlineStr"><is><t>{text if raw else escape(text)}</t></is></c>' for text in texts
    )
    return f"<row>{cells}</row>".encode()


def write_workbook(
    path: Path,
    rows: Iterable[bytes],
    *,
    strings: Iterable[str] = (),
    dimension: str | None = None,
    sheet: str = "Sheet1",
    raw_strings: bool = False,
) -> Path:
    """A one-sheet workbook at ``path``: ``rows`` (``<row>`` elements, streamed into the
    deflated part), ``strings`` the shared strings, ``dimension`` the range the sheet declares
    (``A1:B10``; none when None)."""
    strings = list(strings)
    shared = "".join(f"<si><t>{s if raw_strings else escape(s)}</t></si>" for s in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            f"{shared}</sst>",
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<worksheet xmlns="{_MAIN}">'.encode()
            )
            if dimension:
                part.write(f'<dimension ref="{dimension}"/>'.encode())
            part.write(b"<sheetData>")
            for row in rows:
                part.write(row)
            part.write(b"</sheetData></worksheet>")
    return path


def bomb(path: Path, *, headers: list[str], rows: int = 6_100_000, dimension=None) -> Path:
    """The issue's bomb: the register's header, then ``rows`` identical two-cell rows. With
    6.1 million rows the sheet unzips to ~470 MB (under the 500 MB limit) from ~1.4 MB."""
    # (spans and styles as Excel writes them: the rows were ~77 bytes)
    row = b'<row spans="1:2"><c s="0" t="s"><v>0</v></c><c s="0" t="s"><v>1</v></c></row>'
    chunk = row * 10_000

    def body():
        yield string_row(range(2, 2 + len(headers)))
        for _ in range(rows // 10_000):
            yield chunk
        yield row * (rows % 10_000)

    return write_workbook(
        path,
        body(),
        strings=["P113-0001", "東區道路人行環境改善工程", *headers],
        dimension=dimension,
    )
