"""A chart's value axis gets a handful of round ticks from 0 to just above the largest value,
so a reader can tell 1,500 from 2,000 (the petitions chart had only its maximum and 0)."""

from __future__ import annotations

import pytest

from tainan_rdec.scales import round_ticks

ROUND = {1, 2, 5, 10, 20, 25, 50}


def _is_round(step: int) -> bool:
    while step >= 100 and step % 10 == 0:
        step //= 10
    return step in ROUND


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (1976, [0, 500, 1000, 1500, 2000]),
        (60, [0, 20, 40, 60]),
        (61, [0, 20, 40, 60, 80]),
        (101, [0, 25, 50, 75, 100, 125]),
        (7, [0, 2, 4, 6, 8]),
        (1, [0, 1, 2, 3]),
        (28_345, [0, 10_000, 20_000, 30_000]),
    ],
)
def test_round_ticks_for_known_maxima(maximum, ticks):
    assert round_ticks(maximum) == ticks


@pytest.mark.parametrize("maximum", [*range(1, 400), 999, 1000, 1001, 12_345, 9_999_999])
def test_every_maximum_gets_four_to_six_round_ticks_from_zero_past_it(maximum):
    ticks = round_ticks(maximum)
    step = ticks[1]
    assert 4 <= len(ticks) <= 6
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert ticks[-2] < maximum or len(ticks) == 4  # no empty band on top, but 4 ticks at least
    assert ticks == [step * i for i in range(len(ticks))]
    assert _is_round(step), step


def test_nothing_to_show_is_one_tick():
    assert round_ticks(0) == [0]
