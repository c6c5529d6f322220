"""The briefing as a PowerPoint deck (16:9), built with python-pptx.

Officials re-edit their decks, so nothing is a picture: titles and figures are text boxes, the
tables are PowerPoint tables and the charts PowerPoint charts whose data sheet holds the
numbers (``Chart.numbers``: the same values the web page and the PDF draw). A title slide with
the contents, a divider per chapter, then one slide per part; each slide's notes say what the
figures mean and which page of the portal they come from.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from tainan_rdec.briefing.assemble import Briefing
from tainan_rdec.briefing.charts import colour, is_horizontal
from tainan_rdec.briefing.content import Chart, ChartKind, Format, Part, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
INNER = WIDTH - 2 * MARGIN
BODY_BOTTOM = Inches(6.85)
ROW = Inches(0.3)
HEADER_ROW = Inches(0.45)  # column labels may take two lines
MIN_CHART_HEIGHT = Inches(2.6)
GAP = Inches(0.2)
BLANK_LAYOUT = 6
# The deck's East Asian font: 微軟正黑體, which every Office in Taiwan has (LibreOffice maps it to
# a CJK font it has). Without it PowerPoint picks one by the editing language, and an English
# Office may show the Chinese in a font that lacks half the glyphs.
EAST_ASIAN_FONT = "Microsoft JhengHei"
BRAND = RGBColor.from_string("174A7C")
MUTED = RGBColor.from_string("4A5562")

# Excel number formats of a chart's data sheet and value axis, by the column format.
NUMBER_FORMATS = {
    Format.COUNT: "#,##0",
    Format.PERCENT: "0.0",
    Format.NUMBER: "#,##0.0#",
    Format.YI: "#,##0.00",
}
CHART_TYPES = {
    (False, ChartKind.CLUSTERED): XL_CHART_TYPE.COLUMN_CLUSTERED,
    (False, ChartKind.STACKED): XL_CHART_TYPE.COLUMN_STACKED,
    (True, ChartKind.CLUSTERED): XL_CHART_TYPE.BAR_CLUSTERED,
    (True, ChartKind.STACKED): XL_CHART_TYPE.BAR_STACKED,
}


def _text(slide, x, y, w, h, text, *, size=14, bold=False, color=None, align=None, name=""):
    box = slide.shapes.add_textbox(x, y, w, h)
    if name:
        box.name = name  # PowerPoint's selection pane shows it; the tests find shapes by it
    frame = box.text_frame
    frame.word_wrap = True
    lines = text if isinstance(text, list) else [text]
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        if align is not None:
            paragraph.alignment = align
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            if color is not None:
                run.font.color.rgb = color
    return box


def _title_slide(deck, briefing: Briefing) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _text(
        slide,
        MARGIN,
        Inches(1.6),
        INNER,
        Inches(1.1),
        briefing.title,
        size=36,
        bold=True,
        color=BRAND,
    )
    _text(slide, MARGIN, Inches(2.8), INNER, Inches(0.6), briefing.subtitle, size=20, color=MUTED)
    contents = [
        f"{i}. {section.title}：" + "、".join(part.title for part in section.parts)
        for i, section in enumerate(briefing.sections, 1)
    ]
    _text(slide, MARGIN, Inches(3.8), INNER, Inches(3), contents, size=16)


def _chapter_slide(deck, number: int, title: str) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _text(
        slide,
        MARGIN,
        Inches(3.0),
        INNER,
        Inches(1.2),
        f"{number}. {title}",
        size=40,
        bold=True,
        color=BRAND,
    )


def _headlines(slide, part: Part, top) -> None:
    n = len(part.headlines)
    width = (INNER - GAP * (n - 1)) // n
    for i, headline in enumerate(part.headlines):
        x = MARGIN + i * (width + GAP)
        box = _text(
            slide,
            x,
            top,
            width,
            Inches(0.95),
            [headline.label, headline.display],
            size=12,
            name=f"重點數字{i + 1}",
        )
        value = box.text_frame.paragraphs[1].runs[0].font
        value.size, value.bold, value.color.rgb = Pt(24), True, BRAND


def _first_column_width(table: Table, width: int) -> int:
    longest = max((len(row[0]) for row in table.text_rows()), default=2)
    return min(max(Inches(0.25 + 0.19 * longest), Inches(1.0)), width // 2)


def _table(slide, table: Table, x, y, width, *, size: int) -> int:
    """The table with its caption above it; returns its bottom."""
    caption = table.title + (f"（{table.unit}）" if table.unit else "")
    _text(
        slide, x, y, width, Inches(0.35), caption, size=12, bold=True, name=f"表名：{table.title}"
    )
    y += Inches(0.38)
    rows = [[column.label for column in table.columns], *table.text_rows()]
    height = HEADER_ROW + ROW * (len(rows) - 1)
    shape = slide.shapes.add_table(len(rows), len(table.columns), x, y, width, height)
    shape.name = f"表：{table.title}"
    grid = shape.table
    first = _first_column_width(table, width)
    grid.columns[0].width = first
    for i in range(1, len(table.columns)):
        grid.columns[i].width = (width - first) // (len(table.columns) - 1)
    for r, row in enumerate(rows):
        grid.rows[r].height = HEADER_ROW if r == 0 else ROW
        for c, text in enumerate(row):
            cell = grid.cell(r, c)
            cell.text = text
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.LEFT if c == 0 else PP_ALIGN.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(size)
                run.font.bold = r == 0 or (table.total is not None and r == len(rows) - 1)
    return y + height


def _chart(slide, chart: Chart, x, y, width, height) -> None:
    data = CategoryChartData(number_format=NUMBER_FORMATS[chart.fmt])
    data.categories = chart.categories
    for series, values in zip(chart.series, chart.numbers(), strict=True):
        data.add_series(series.name, values)
    horizontal = is_horizontal(chart)
    frame = slide.shapes.add_chart(CHART_TYPES[(horizontal, chart.kind)], x, y, width, height, data)
    frame.name = f"圖：{chart.title}"
    drawn = frame.chart
    drawn.has_title = True
    drawn.chart_title.text_frame.text = chart.title + (f"（{chart.unit}）" if chart.unit else "")
    drawn.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)
    drawn.has_legend = len(chart.series) > 1
    if drawn.has_legend:
        drawn.legend.position = XL_LEGEND_POSITION.BOTTOM
        drawn.legend.include_in_layout = False
        drawn.legend.font.size = Pt(10)
    drawn.font.size = Pt(10)
    axis = drawn.value_axis
    axis.has_major_gridlines = True
    axis.tick_labels.number_format = NUMBER_FORMATS[chart.fmt]
    axis.tick_labels.number_format_is_linked = False
    if horizontal:
        # Bars are drawn bottom up: keep the categories in the table's order, top down.
        drawn.category_axis.reverse_order = True
    for i, series in enumerate(drawn.plots[0].series):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = RGBColor.from_string(colour(i).lstrip("#"))


def _slide(deck, chapter: str, title: str):
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(0.2), INNER, Inches(0.35), chapter, size=12, color=BRAND, name="章")
    _text(slide, MARGIN, Inches(0.5), INNER, Inches(0.7), title, size=26, bold=True, name="標題")
    return slide


def _footer(slide, part: Part) -> None:
    """The source under the figures, and the notes (definitions, source) in the speaker notes."""
    notes = [*part.notes]
    if part.source:
        source = _("資料來源：管考入口網「{page}」").format(page=part.source.label)
        _text(
            slide,
            MARGIN,
            Inches(6.95),
            INNER,
            Inches(0.35),
            source,
            size=10,
            color=MUTED,
            name="資料來源",
        )
        notes.append(source)
    slide.notes_slide.notes_text_frame.text = "\n".join(notes)


def _part_slides(deck, chapter: str, part: Part) -> None:
    """The part's slide: headline figures, then the tables beside the chart; a table too wide
    to share the slide takes its width, and the chart goes under it, or on a slide of its own
    when too little height is left for it to be read."""
    slide = _slide(deck, chapter, part.title)
    top = Inches(1.3)
    if part.headlines:
        _headlines(slide, part, top)
        top += Inches(1.1)
    if part.wide or not part.charts:
        y = top
        for table in part.tables:
            y = _table(slide, table, MARGIN, y, INNER, size=10) + GAP
        if part.charts and BODY_BOTTOM - y < MIN_CHART_HEIGHT:
            _footer(slide, part)
            slide = _slide(deck, chapter, _("{title}（圖）").format(title=part.title))
            y = Inches(1.4)
        for chart in part.charts:
            _chart(slide, chart, MARGIN + INNER // 8, y, INNER * 3 // 4, BODY_BOTTOM - y)
    else:
        left = INNER * 52 // 100
        y = top
        for table in part.tables:
            y = _table(slide, table, MARGIN, y, left, size=11) + GAP
        chart_x = MARGIN + left + GAP
        for chart in part.charts:
            _chart(slide, chart, chart_x, top, WIDTH - MARGIN - chart_x, BODY_BOTTOM - top)
    _footer(slide, part)


def _east_asian_font(deck, typeface: str) -> None:
    """Name ``typeface`` as the theme's East Asian font (headings and body), which every text
    box, table and chart of the deck inherits.

    python-pptx has no API for the theme (its default template leaves ``<a:ea typeface=""/>``
    empty) and keeps the theme as a plain part: its XML is edited and put back here."""
    theme = deck.slide_master.part.part_related_by(RELATIONSHIP_TYPE.THEME)
    root = etree.fromstring(theme.blob)
    for kind in ("a:majorFont", "a:minorFont"):
        for font in root.iter(qn(kind)):
            font.find(qn("a:ea")).set("typeface", typeface)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build_deck(briefing: Briefing) -> bytes:
    deck = Presentation()
    _east_asian_font(deck, EAST_ASIAN_FONT)
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = f"{briefing.title}（{briefing.span.label}）"
    deck.core_properties.author = _("臺南市政府研究發展考核委員會")
    _title_slide(deck, briefing)
    for number, section in enumerate(briefing.sections, 1):
        _chapter_slide(deck, number, section.title)
        for part in section.parts:
            _part_slides(deck, section.title, part)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()
