"""The Government Service Award funnel as server-rendered SVG geometry (no script, no CDN).

``funnel_chart(steps)`` turns the counts per stage into centred bars, widest first; the template
``evaluations/includes/funnel.html`` draws them with a data table beside it for screen readers
and print.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from evaluations.coaching import FunnelStep

WIDTH = 640
LABEL_WIDTH = 96
COUNT_WIDTH = 56
ROW_HEIGHT = 40
BAR_HEIGHT = 28
TOP = 8
MIN_BAR = 3  # a stage with one entry stays visible next to 64


@dataclass
class FunnelBar:
    label: str
    count: int
    x: float
    y: float
    width: float
    share: Decimal | None  # % of the previous stage

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2


@dataclass
class FunnelChart:
    bars: list[FunnelBar]
    width: int
    height: int
    label_x: int
    count_x: int

    @property
    def is_empty(self) -> bool:
        return not self.bars or not self.bars[0].count

    @property
    def description(self) -> str:
        return "、".join(
            _("{label}{count}個").format(label=bar.label, count=f"{bar.count:,}")
            for bar in self.bars
        )


def _share(count: int, previous: int | None) -> Decimal | None:
    if not previous:
        return None
    return (Decimal(100) * count / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def funnel_chart(steps: list[FunnelStep]) -> FunnelChart:
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - COUNT_WIDTH
    top = max((s.count for s in steps), default=0)
    bars = []
    previous = None
    for i, step in enumerate(steps):
        width = 0.0
        if top and step.count:
            width = max(round(plot_width * step.count / top, 1), MIN_BAR)
        bars.append(
            FunnelBar(
                label=step.label,
                count=step.count,
                x=round(plot_left + (plot_width - width) / 2, 1),
                y=TOP + i * ROW_HEIGHT,
                width=width,
                share=_share(step.count, previous),
            )
        )
        previous = step.count
    return FunnelChart(
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + len(steps) * ROW_HEIGHT,
        label_x=LABEL_WIDTH - 8,
        count_x=WIDTH - COUNT_WIDTH + 8,
    )
