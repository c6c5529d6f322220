"""A briefing chart's geometry for server-rendered SVG (the web page and the PDF draw the same).

Columns by default; bars (categories down the side) when the category names are long, as the
eight forward-looking categories are: long names under columns would overlap. The value axis
has round ticks (``tainan_rdec.scales``). Every bar carries its value as a tooltip, and the
chart's description reads all of them, for those who cannot see the picture; the part's table
holds the same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext

from tainan_rdec.briefing.content import Chart, ChartKind, cell_text
from tainan_rdec.scales import round_ticks

# Colours with at least 3:1 contrast on white (WCAG 1.4.11), distinct side by side.
PALETTE = (
    "#1f4e79",
    "#c55a11",
    "#2e7d32",
    "#7b1fa2",
    "#b71c1c",
    "#00695c",
    "#6d4c41",
    "#ad1457",
    "#455a64",
)
WIDTH = 640
HEIGHT = 300
LEFT = 56  # value labels of a column chart
TOP = 12
BOTTOM = 30  # category labels of a column chart
BAR_LABEL_WIDTH = 190  # category names of a bar chart
LONG_NAME = 6  # characters: a category name longer than this turns columns into bars


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    tooltip: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class ChartDrawing:
    width: int
    height: int
    horizontal: bool
    rects: list[Rect]
    category_labels: list[Label]
    tick_labels: list[Label]
    grid: list[tuple[float, float, float, float]]
    axis: tuple[float, float, float, float]
    legend: list[tuple[str, str]]
    description: str


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def is_horizontal(chart: Chart) -> bool:
    return any(len(name) > LONG_NAME for name in chart.categories)


def _ticks(chart: Chart, numbers: list[list[float]]) -> list[int]:
    if chart.kind == ChartKind.STACKED:
        highest = max((sum(column) for column in zip(*numbers, strict=True)), default=0)
    else:
        highest = max((max(values, default=0) for values in numbers), default=0)
    return round_ticks(math.ceil(highest))


def _tooltip(chart: Chart, category: str, series_name: str, value) -> str:
    name = f"{category} {series_name}" if len(chart.series) > 1 else category
    return f"{name} {cell_text(value, chart.fmt)}{chart.unit}"


def draw(chart: Chart) -> ChartDrawing:
    numbers = chart.numbers()
    ticks = _ticks(chart, numbers)
    top_value = ticks[-1] or 1
    horizontal = is_horizontal(chart)
    n_categories = max(len(chart.categories), 1)
    n_series = max(len(chart.series), 1)
    stacked = chart.kind == ChartKind.STACKED
    rects: list[Rect] = []
    category_labels: list[Label] = []
    if horizontal:
        height = max(HEIGHT, TOP + BOTTOM + n_categories * 34)
        left, right, plot_top, plot_bottom = BAR_LABEL_WIDTH, WIDTH - 16, TOP, height - BOTTOM
        span = right - left
        slot = (plot_bottom - plot_top) / n_categories

        def scale(value):
            return span * value / top_value

        for i, category in enumerate(chart.categories):
            band = plot_top + i * slot
            thickness = slot * (0.6 if stacked else 0.75 / n_series)
            offset = left
            for j, series in enumerate(chart.series):
                length = scale(numbers[j][i])
                y = band + slot * 0.2 if stacked else band + slot * 0.125 + j * thickness
                x = offset if stacked else left
                rects.append(
                    Rect(
                        round(x, 1),
                        round(y, 1),
                        round(length, 1),
                        round(thickness, 1),
                        colour(j),
                        _tooltip(chart, category, series.name, series.values[i]),
                    )
                )
                if stacked:
                    offset += length
            category_labels.append(Label(left - 6, round(band + slot / 2, 1), category, "end"))
        tick_labels = [Label(round(left + scale(t), 1), plot_bottom + 16, f"{t:,}") for t in ticks]
        grid = [(left + scale(t), plot_top, left + scale(t), plot_bottom) for t in ticks]
        axis = (left, plot_top, left, plot_bottom)
    else:
        height = HEIGHT
        left, right, plot_top, plot_bottom = LEFT, WIDTH - 8, TOP, HEIGHT - BOTTOM
        span = plot_bottom - plot_top
        slot = (right - left) / n_categories

        def scale(value):
            return span * value / top_value

        for i, category in enumerate(chart.categories):
            band = left + i * slot
            thickness = slot * (0.5 if stacked else 0.7 / n_series)
            base = plot_bottom
            for j, series in enumerate(chart.series):
                length = scale(numbers[j][i])
                x = band + slot * 0.25 if stacked else band + slot * 0.15 + j * thickness
                y = base - length
                rects.append(
                    Rect(
                        round(x, 1),
                        round(y, 1),
                        round(thickness, 1),
                        round(length, 1),
                        colour(j),
                        _tooltip(chart, category, series.name, series.values[i]),
                    )
                )
                if stacked:
                    base -= length
            category_labels.append(Label(round(band + slot / 2, 1), plot_bottom + 18, category))
        tick_labels = [
            Label(left - 6, round(plot_bottom - scale(t), 1), f"{t:,}", "end") for t in ticks
        ]
        grid = [(left, plot_bottom - scale(t), right, plot_bottom - scale(t)) for t in ticks]
        axis = (left, plot_bottom, right, plot_bottom)
    return ChartDrawing(
        width=WIDTH,
        height=height,
        horizontal=horizontal,
        rects=[r for r in rects if r.width > 0 and r.height > 0],
        category_labels=category_labels,
        tick_labels=tick_labels,
        grid=[tuple(round(v, 1) for v in line) for line in grid],
        axis=axis,
        legend=[(s.name, colour(j)) for j, s in enumerate(chart.series)]
        if len(chart.series) > 1
        else [],
        description="；".join(r.tooltip for r in rects) or gettext("期間內沒有資料。"),
    )


def laid_out(briefing) -> list[dict]:
    """The briefing's chapters for a template: each part with its charts drawn, and ids for the
    page's headings and charts (unique on the page)."""
    return [
        {
            "section": section,
            "parts": [
                {
                    "part": part,
                    "id": part.key,
                    "wide": part.wide,
                    "charts": [
                        {"chart": chart, "drawing": draw(chart), "id": f"{part.key}-chart-{i}"}
                        for i, chart in enumerate(part.charts, 1)
                    ],
                }
                for part in section.parts
            ],
        }
        for section in briefing.sections
    ]
