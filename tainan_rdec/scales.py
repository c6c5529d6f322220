"""Round ticks for a chart's value axis, shared by the apps' server-rendered SVG charts.

A reader compares bars against labelled lines, so an axis needs a few of them at values people
count in (0, 500, 1,000 …), not only the maximum and 0. Counts are whole numbers: a step is
never below 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

# Steps a reader counts in, per power of ten; 2.5 only from 25 up (2.5 itself is no count).
_MANTISSAS = (1, 2, 2.5, 5)


def _steps() -> Iterator[int]:
    power = 1
    while True:
        for mantissa in _MANTISSAS:
            step = mantissa * power
            if step == int(step):
                yield int(step)
        power *= 10


def round_ticks(maximum: int, *, fewest: int = 3, most: int = 5) -> list[int]:
    """The tick values from 0 to the first tick at or above ``maximum``: the smallest round step
    that needs at most ``most`` intervals, and at least ``fewest`` intervals (a maximum of 1
    gets 0, 1, 2, 3), so an axis has 4 to 6 labels. ``[0]`` when there is nothing to show."""
    if maximum <= 0:
        return [0]
    for step in _steps():
        intervals = math.ceil(maximum / step)
        if intervals <= most:
            break
    intervals = max(intervals, fewest)
    return [step * i for i in range(intervals + 1)]
