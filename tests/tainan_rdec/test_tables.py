"""The statistics tables' mechanism (tainan_rdec.tables) on its own: one definition gives the
page's cells and the sheet's, text that would be a formula stays text, a table of any length is
written from a generator, and the sheet carries its title, filters, units and frozen header."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from tainan_rdec import tables
from tainan_rdec.tables import Column, Format, Table
from tests.tainan_rdec.tables_reading import sheet_table


def _table(rows, **kwargs) -> Table:
    return Table(
        "各機關處理時效",
        [
            Column("承辦機關", Format.TEXT, "name"),
            Column("受理件數", value="received", unit="件"),
            Column("逾期率", Format.PERCENT, "rate", unit="%"),
            Column("預算", Format.YI, "budget", unit="億元"),
            Column("期限", Format.DATE, "due"),
            Column("月份", Format.MONTH, "month", total=False),
        ],
        rows,
        key="agencies",
        unit="單位：件",
        total=SimpleNamespace(
            name="", received=1235, rate=None, budget=250_000_000, due=None, month=None
        ),
        filters=[("期間", "113年1月至113年3月")],
        notes=["處理天數以工作天計。"],
        **kwargs,
    )


ROWS = [
    SimpleNamespace(
        name="臺南市政府工務局",
        received=1234,
        rate=Decimal("12.35"),
        budget=123_456_789,
        due=date(2024, 3, 26),
        month=date(2024, 3, 1),
    ),
    SimpleNamespace(
        name='=HYPERLINK("http://evil.example","點我")',
        received=1,
        rate=None,
        budget=126_543_211,
        due=None,
        month=date(2024, 1, 1),
    ),
]


def _xlsx(table: Table) -> bytes:
    out = BytesIO()
    tables.write_workbook([table], out, today=date(2024, 4, 1))
    return out.getvalue()


def test_the_page_and_the_sheet_read_the_same_figures():
    table = _table(ROWS)
    page = [[cell.text for cell in row.cells] for row in [*table.body, table.foot]]
    sheet = sheet_table(_xlsx(_table(iter(ROWS))))  # a generator: read once, as it streams

    assert page[0] == ["臺南市政府工務局", "1,234", "12.35", "1.23", "113.3.26", "113年3月"]
    assert page[-1] == ["合計", "1,235", "—", "2.50", "—", ""]
    assert sheet.header == [
        "承辦機關", "受理件數（件）", "逾期率（%）", "預算（億元）", "期限", "月份",
    ]  # fmt: skip
    assert sheet.rows[0] == page[0]
    assert sheet.rows[-1] == ["合計", "1,235", "—", "2.50", "", ""]
    assert sheet.title == "各機關處理時效"
    assert sheet.filters == "篩選條件：期間：113年1月至113年3月"
    assert sheet.meta == "資料日期：113/04/01　單位：件"
    assert sheet.frozen == "A5"
    assert sheet.notes == ["處理天數以工作天計。"]


@pytest.mark.parametrize(
    "value",
    [
        '<script>alert("x")</script>',
        "A&B 'quoted'",
        "臺南市政府工務局",
        1234,
        Decimal("12.35"),
        None,
        gettext_lazy("合計"),
        mark_safe("<b>已安全</b>"),
    ],
)
def test_html_text_escapes_as_djangos_conditional_escape(value):
    assert tables.html_text(value) == str(conditional_escape(value))


def test_a_rows_markup_escapes_its_text_links_items_and_attributes():
    name = '<img src=x onerror="alert(1)">&'
    table = Table(
        "表",
        [
            Column("名稱", Format.TEXT, "name", link=lambda row: f"/cases/?q={row.name}&b=1"),
            Column("項目", Format.TEXT, "items"),
            Column("件數", value="n"),
        ],
        [SimpleNamespace(name=name, items=["<i>", "a&b"], n=1976)],
        row_attrs=lambda row: {"data-name": row.name},
    )

    html = table.body[0].html()

    assert html == (
        '<tr data-name="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;">'
        '<th scope="row"><a href="/cases/?q=&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;'
        '&amp;b=1">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;</a></th>'
        '<td><ul class="cell-list"><li>&lt;i&gt;</li><li>a&amp;b</li></ul></td>'
        '<td class="num">1,976</td></tr>'
    )
    assert isinstance(html, SafeString)


def test_numbers_stay_numbers_with_the_pages_digits():
    book = load_workbook(BytesIO(_xlsx(_table(ROWS))))
    first = next(book.active.iter_rows(min_row=5, max_row=5))

    assert first[1].value == 1234 and first[1].number_format == "#,##0"
    assert first[2].value == pytest.approx(12.35) and first[2].number_format == "#,##0.00"
    assert first[3].value == pytest.approx(1.23) and first[3].number_format == "#,##0.00"
    assert book.active.print_title_rows == "$4:$4"


def test_formula_like_text_is_stored_as_text_with_the_quote_prefix():
    book = load_workbook(BytesIO(_xlsx(_table(ROWS))))
    cells = [cell for row in book.active.iter_rows() for cell in row]

    evil = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s" and evil.quotePrefix
    assert not any(cell.data_type == "f" for cell in cells)


@pytest.mark.parametrize(
    ("text", "prefixed"),
    [
        ("=1+1", True),
        ("+886 6 299 1111", True),
        ("-5", True),
        ("@cmd", True),
        ("\t=1+1", True),
        ("\r=1+1", True),
        ("公共工程金質獎", False),
        ("a=b", False),
    ],
)
def test_which_text_gets_the_quote_prefix(text, prefixed):
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet("x")
    cell = tables.xlsx_cell(sheet, text)

    assert cell.data_type == "s"
    assert bool(cell.quotePrefix) is prefixed


def test_characters_a_cell_cannot_hold_are_replaced():
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet("x")

    assert tables.xlsx_cell(sheet, "bad\x07bell").value == "bad\ufffdbell"


def test_sheet_names_are_what_excel_accepts_and_unique():
    taken: set[str] = set()

    assert tables.sheet_name("一/二:三", taken) == "一－二－三"
    long = "各" * 40
    assert tables.sheet_name(long, taken) == "各" * 31
    assert tables.sheet_name(long, taken) == "各" * 28 + "(2)"


def test_grouped_columns_have_two_header_rows_on_the_page_and_one_in_the_sheet():
    table = Table(
        "分組",
        [
            Column("機關", Format.TEXT, "name"),
            Column("件數", value="a", group="113年"),
            Column("比率", Format.PERCENT, "b", group="113年", unit="%"),
        ],
        [SimpleNamespace(name="甲", a=1, b=Decimal("50.0"))],
    )

    top, bottom = table.head_rows()
    assert [(c.text, c.colspan, c.rowspan) for c in top] == [("機關", 1, 2), ("113年", 2, 1)]
    assert [c.text for c in bottom] == ["件數", "比率（%）"]
    assert sheet_table(_xlsx(table)).header == ["機關", "113年件數", "113年比率（%）"]


def test_download_answers_the_named_table_and_404_for_another():
    table = _table(ROWS)
    factory = RequestFactory()

    assert tables.download(factory.get("/x/"), table) is None
    response = tables.download(factory.get("/x/", {"format": "xlsx", "table": "agencies"}), table)
    assert response["Content-Type"] == tables.XLSX_CONTENT_TYPE
    content = b"".join(response.streaming_content)
    response.file_to_stream.close()  # the test client would close it; here the test does
    assert sheet_table(content).rows[0][0] == "臺南市政府工務局"
    with pytest.raises(Http404):
        tables.download(factory.get("/x/", {"format": "xlsx", "table": "other"}), table)


def test_the_download_link_keeps_the_filters_and_drops_the_page_number():
    request = RequestFactory().get("/x/", {"start": "113.1", "page": "3"})

    assert tables.download_url(request, _table(ROWS)) == (
        "/x/?start=113.1&format=xlsx&table=agencies"
    )
