"""The summary page's charts as server-rendered SVG geometry (no JavaScript, nothing from a
CDN): the nine classes as horizontal bars, and the awards of each year as columns split into
首獎及卓越成績 and the others. The template ``awards/includes/charts.html`` draws them; the
tables on the same page carry the same figures for screen readers and print."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from awards.stats import AwardSummary
from tainan_rdec.scales import round_ticks

# Class bars
CLASS_LABEL_WIDTH = 76
CLASS_PLOT_WIDTH = 480
CLASS_VALUE_ROOM = 56
CLASS_BAR_HEIGHT = 20
CLASS_BAR_GAP = 8
CLASS_TOP = 8

# Year columns
YEAR_LEFT = 48
YEAR_TOP = 20
YEAR_PLOT_HEIGHT = 200
YEAR_BOTTOM = 28
YEAR_STEP = 80
YEAR_BAR_WIDTH = 44


@dataclass
class ClassBar:
    label: str
    count: int
    y: float
    width: float

    @property
    def text_y(self) -> float:
        return round(self.y + CLASS_BAR_HEIGHT / 2, 1)


@dataclass
class ClassChart:
    bars: list[ClassBar]
    maximum: int
    description: str
    left: int = CLASS_LABEL_WIDTH
    bar_height: int = CLASS_BAR_HEIGHT

    @property
    def width(self) -> int:
        return CLASS_LABEL_WIDTH + CLASS_PLOT_WIDTH + CLASS_VALUE_ROOM

    @property
    def height(self) -> int:
        return CLASS_TOP * 2 + len(self.bars) * (CLASS_BAR_HEIGHT + CLASS_BAR_GAP)

    @property
    def label_x(self) -> int:
        return CLASS_LABEL_WIDTH - 8


def class_chart(summary: AwardSummary) -> ClassChart:
    maximum = max((row.count for row in summary.classes), default=0)
    scale = CLASS_PLOT_WIDTH / maximum if maximum else 0
    bars = [
        ClassBar(
            row.label,
            row.count,
            CLASS_TOP + i * (CLASS_BAR_HEIGHT + CLASS_BAR_GAP),
            round(row.count * scale, 1),
        )
        for i, row in enumerate(summary.classes)
    ]
    parts = [
        _("{period}各類獎項件數，合計{total}件：").format(
            period=summary.period_label, total=f"{summary.total:,}"
        ),
        "、".join(f"{bar.label}{bar.count:,}" for bar in bars),
        _("。"),
    ]
    return ClassChart(bars, maximum, "".join(parts))


@dataclass
class YearColumn:
    label: str
    total: int
    top: int
    x: float
    top_y: float
    top_height: float
    other_y: float
    other_height: float

    @property
    def other(self) -> int:
        return self.total - self.top

    @property
    def centre(self) -> float:
        return round(self.x + YEAR_BAR_WIDTH / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.other_y - 4, 1)


@dataclass
class YearChart:
    columns: list[YearColumn]
    maximum: int
    description: str
    ticks: list[int] = field(default_factory=lambda: [0])  # the value axis; bars reach ticks[-1]
    left: int = YEAR_LEFT
    top: int = YEAR_TOP
    bar_width: int = YEAR_BAR_WIDTH

    @property
    def value_ticks(self) -> list[tuple[float, int]]:
        """Each tick of the value axis as (y, value), 0 (the baseline) first."""
        top = self.ticks[-1] or 1
        return [
            (round(YEAR_TOP + YEAR_PLOT_HEIGHT * (1 - value / top), 1), value)
            for value in self.ticks
        ]

    @property
    def width(self) -> int:
        return YEAR_LEFT + len(self.columns) * YEAR_STEP + 8

    @property
    def height(self) -> int:
        return YEAR_TOP + YEAR_PLOT_HEIGHT + YEAR_BOTTOM

    @property
    def baseline(self) -> int:
        return YEAR_TOP + YEAR_PLOT_HEIGHT

    @property
    def label_y(self) -> int:
        return self.baseline + 18


def year_chart(summary: AwardSummary) -> YearChart:
    maximum = max((row.total for row in summary.by_year), default=0)
    ticks = round_ticks(maximum)
    scale = YEAR_PLOT_HEIGHT / ticks[-1] if maximum else 0
    baseline = YEAR_TOP + YEAR_PLOT_HEIGHT
    columns = []
    for i, row in enumerate(summary.by_year):
        # The top results sit on the baseline, the other awards on top of them.
        top_height = round(row.top * scale, 1)
        other_height = round((row.total - row.top) * scale, 1)
        top_y = round(baseline - top_height, 1)
        columns.append(
            YearColumn(
                row.label,
                row.total,
                row.top,
                YEAR_LEFT + i * YEAR_STEP + (YEAR_STEP - YEAR_BAR_WIDTH) / 2,
                top_y,
                top_height,
                round(top_y - other_height, 1),
                other_height,
            )
        )
    description = _("各年度獲獎件數：") + "、".join(
        _("{year}{total}件（首獎及卓越成績{top}件）").format(
            year=c.label, total=f"{c.total:,}", top=f"{c.top:,}"
        )
        for c in columns
    )
    return YearChart(columns, maximum, description + _("。"), ticks)
