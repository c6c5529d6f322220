"""The dashboard's chart of cases received per month: server-rendered SVG (no script, no CDN),
one stacked bar a month with a segment per channel."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.safestring import SafeString
from django.utils.translation import gettext

from petitions.choices import Channel
from tainan_rdec.months import add_months
from tainan_rdec.roc import format_roc_month
from tainan_rdec.scales import round_ticks
from tainan_rdec.tables import cell_text, html_text

CHANNEL_COLOURS = {
    Channel.HOTLINE_1999: "#1f5fa8",
    Channel.MAYOR_MAILBOX: "#b42318",
    Channel.WEB: "#1f7a3f",
    Channel.EMAIL: "#b7791f",
    Channel.COUNTER: "#6941c6",
    Channel.LETTER: "#6b7785",
    Channel.APP: "#0e7490",
}

CHART_LEFT = 64  # room for the axis labels
CHART_TOP = 12
CHART_PLOT_HEIGHT = 220
CHART_BOTTOM = 28
CHART_BAR_STEP = 14
CHART_BAR_WIDTH = 10


@dataclass
class Segment:
    channel: str
    label: str
    count: int
    colour: str
    y: float = 0
    height: float = 0


@dataclass
class MonthBar:
    month: datetime.date
    x: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)

    @cached_property
    def label(self) -> str:
        return format_roc_month(self.month)

    @property
    def counts(self) -> list[int]:
        return [s.count for s in self.segments]

    def svg(self, bar_width: int) -> str:
        """The bar's SVG group: a segment per channel with cases, each with its title. Built
        here rather than by the template (60 bars of 7 segments were a fifth of the dashboard's
        rendering), its text escaped as the tables' cells are (``tables.html_text``);
        coordinates as ``str`` gives them, as the template printed them with localisation
        off, counts as a table cell writes them (``1,976``, as ``|number``)."""
        label = html_text(self.label)
        segments = "".join(
            f'<rect x="{self.x}" y="{seg.y}" width="{bar_width}" height="{seg.height}" '
            f'fill="{html_text(seg.colour)}"><title>{label} {html_text(seg.label)} '
            f"{cell_text(seg.count)}</title></rect>"
            for seg in self.segments
            if seg.count
        )
        return SafeString(
            f'<g class="volume-bar">\n            <title>{label} {cell_text(self.total)}</title>'
            f"\n            {segments}\n          </g>"
        )


@dataclass
class VolumeChart:
    """Cases received per month, one stacked bar per month, a segment per channel."""

    bars: list[MonthBar]
    legend: list[tuple[str, str]]  # (label, colour)
    maximum: int
    ticks: list[int] = field(default_factory=lambda: [0])  # the value axis; bars reach ticks[-1]

    @property
    def width(self) -> int:
        return CHART_LEFT + len(self.bars) * CHART_BAR_STEP + 8

    @property
    def height(self) -> int:
        return CHART_TOP + CHART_PLOT_HEIGHT + CHART_BOTTOM

    @property
    def baseline(self) -> int:
        return CHART_TOP + CHART_PLOT_HEIGHT

    @property
    def top(self) -> int:
        return CHART_TOP

    @property
    def left(self) -> int:
        return CHART_LEFT

    @property
    def bar_width(self) -> int:
        return CHART_BAR_WIDTH

    @property
    def bars_svg(self) -> list[str]:
        return [bar.svg(self.bar_width) for bar in self.bars]

    @property
    def total(self) -> int:
        return sum(bar.total for bar in self.bars)

    @property
    def channel_totals(self) -> list[int]:
        return [sum(counts) for counts in zip(*(bar.counts for bar in self.bars), strict=True)]

    @property
    def value_ticks(self) -> list[tuple[float, int]]:
        """Each tick of the value axis as (y, value), 0 (the baseline) first."""
        top = self.ticks[-1] or 1
        return [
            (round(CHART_TOP + CHART_PLOT_HEIGHT * (1 - value / top), 1), value)
            for value in self.ticks
        ]

    @property
    def year_ticks(self) -> list[tuple[int, str]]:
        """A label under each January (and the first month), as (x, ROC year)."""
        return [
            (bar.x, gettext("{year}年").format(year=bar.month.year - 1911))
            for i, bar in enumerate(self.bars)
            if i == 0 or bar.month.month == 1
        ]

    @property
    def description(self) -> str:
        return gettext("每月受理件數，依受理管道堆疊；單月最多 {n} 件。").format(
            n=f"{self.maximum:,}"
        )


def volume_chart(rows: list[dict], first: datetime.date, last: datetime.date) -> VolumeChart:
    by_key = {(r["month"], r["channel"]): r["received"] for r in rows}
    channels = [c for c in Channel if any(r["channel"] == c for r in rows)]
    labels = {channel: str(channel.label) for channel in channels}
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    bars = []
    for i, month in enumerate(months):
        bar = MonthBar(month, CHART_LEFT + i * CHART_BAR_STEP + 2)
        for channel in channels:
            bar.segments.append(
                Segment(
                    channel.value,
                    labels[channel],
                    by_key.get((month, channel.value), 0),
                    CHANNEL_COLOURS[channel],
                )
            )
        bars.append(bar)
    maximum = max((bar.total for bar in bars), default=0)
    ticks = round_ticks(maximum)
    scale = CHART_PLOT_HEIGHT / ticks[-1] if maximum else 0
    for bar in bars:
        top = float(CHART_TOP + CHART_PLOT_HEIGHT)
        for segment in bar.segments:
            segment.height = round(segment.count * scale, 1)
            top -= segment.height
            segment.y = round(top, 1)
    legend = [(labels[c], CHANNEL_COLOURS[c]) for c in channels]
    return VolumeChart(bars, legend, maximum, ticks)
