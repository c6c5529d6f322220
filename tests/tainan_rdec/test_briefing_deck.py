"""The briefing as a PowerPoint deck: built on known data, read back with python-pptx, every
number in its tables and chart series compared with the dashboard it comes from."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from tests.tainan_rdec.briefing_city import TODAY, build_city
from tests.tainan_rdec.briefing_expected import expected

pytestmark = pytest.mark.django_db

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def city(cast):
    build_city(cast)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _deck(client, query: str = "") -> Presentation:
    response = client.get("/briefing/download.pptx" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == PPTX
    assert "attachment" in response["Content-Disposition"]
    return Presentation(BytesIO(response.content))


def _named(slide, name: str):
    return next((shape for shape in slide.shapes if shape.name == name), None)


def _parts(deck) -> dict[str, dict]:
    """Per part title: its tables (rows of cell text, the header row left out), its charts
    (categories, values per series) and its headline texts, gathered over the part's slides
    (a chart may be on a slide of its own, titled "…（圖）")."""
    parts: dict[str, dict] = {}
    for slide in deck.slides:
        title = _named(slide, "標題")
        if title is None:
            continue
        name = title.text_frame.text.removesuffix("（圖）")
        part = parts.setdefault(name, {"tables": [], "charts": [], "headlines": []})
        for shape in slide.shapes:
            if shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                part["tables"].append(rows[1:])
            elif shape.has_chart:
                plot = shape.chart.plots[0]
                part["charts"].append(
                    (list(plot.categories), [list(series.values) for series in plot.series])
                )
            elif shape.name.startswith("重點數字"):
                part["headlines"].append(shape.text_frame.paragraphs[1].text)
    return parts


def test_every_number_of_the_deck_is_the_dashboards(city, today, client_as):
    client = client_as("reviewer")
    want = expected(client)
    got = _parts(_deck(client))
    assert set(got) == set(want)
    for title, figures in want.items():
        assert got[title]["tables"] == figures["tables"], title
        assert got[title]["charts"] == [
            (categories, [[float(v) for v in series] for series in values])
            for categories, values in figures["charts"]
        ], title
        for headline in figures.get("headlines", []):
            assert headline in got[title]["headlines"], (title, headline)


def test_the_deck_is_16_by_9_with_native_tables_and_charts_and_no_pictures(city, today, client_as):
    deck = _deck(client_as("official"))
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    shapes = [shape for slide in deck.slides for shape in slide.shapes]
    assert sum(shape.has_table for shape in shapes) >= 11
    assert sum(shape.has_chart for shape in shapes) == 10
    assert not [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    # Every shape lies on its slide.
    for shape in shapes:
        assert shape.left + shape.width <= deck.slide_width, shape.name
        assert shape.top + shape.height <= deck.slide_height, shape.name


def test_a_table_of_the_deck_can_be_edited_and_saved(city, today, client_as):
    deck = _deck(client_as("reviewer"))
    table = next(shape for slide in deck.slides for shape in slide.shapes if shape.has_table)
    table.table.cell(1, 1).text = "999"
    buffer = BytesIO()
    deck.save(buffer)
    reread = Presentation(BytesIO(buffer.getvalue()))
    edited = next(shape for slide in reread.slides for shape in slide.shapes if shape.has_table)
    assert edited.table.cell(1, 1).text == "999"


def test_each_slide_says_where_its_figures_come_from_in_its_notes(city, today, client_as):
    deck = _deck(client_as("reviewer"))
    noted = [
        slide.notes_slide.notes_text_frame.text
        for slide in deck.slides
        if _named(slide, "資料來源") is not None
    ]
    assert noted
    assert all("資料來源：管考入口網「" in text for text in noted)
    assert any("陳情案件統計總覽" in text for text in noted)


def test_the_deck_covers_the_years_asked_for(city, today, client_as):
    deck = _deck(client_as("reviewer"), "?start_year=112&end_year=113")
    parts = _parts(deck)
    assert parts["多元管道受理陳情及1999案件"]["charts"][0][0] == ["112年", "113年"]
    assert "112年至113年獲獎及評比成果" in parts


def test_the_deck_names_a_chinese_font_for_its_east_asian_text(city, today, client_as):
    """The theme's heading and body fonts name 微軟正黑體 for East Asian text (python-pptx's
    template leaves it empty), so every text box, table and chart shows the Chinese in it; the
    file still opens and keeps the name through a save."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE
    from pptx.oxml.ns import qn

    from tainan_rdec.briefing.deck import EAST_ASIAN_FONT

    deck = _deck(client_as("reviewer"))
    buffer = BytesIO()
    deck.save(buffer)
    for opened in (deck, Presentation(BytesIO(buffer.getvalue()))):
        theme = opened.slide_master.part.part_related_by(RELATIONSHIP_TYPE.THEME)
        root = etree.fromstring(theme.blob)
        typefaces = [
            font.find(qn("a:ea")).get("typeface")
            for kind in ("a:majorFont", "a:minorFont")
            for font in root.iter(qn(kind))
        ]
        assert typefaces == [EAST_ASIAN_FONT, EAST_ASIAN_FONT]
