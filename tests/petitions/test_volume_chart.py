"""The dashboard's monthly volume chart: a value axis with round ticks (not only the maximum and
0), bars drawn against the top tick, and a legend written out beside its colour swatches."""

from __future__ import annotations

import re
from datetime import date

import pytest

from petitions.charts import CHART_PLOT_HEIGHT, CHART_TOP, volume_chart
from petitions.choices import Channel

FIRST, LAST = date(2024, 1, 1), date(2024, 3, 1)


def _rows():
    return [
        {"month": date(2024, 1, 1), "channel": Channel.HOTLINE_1999, "received": 1500},
        {"month": date(2024, 1, 1), "channel": Channel.WEB, "received": 476},
        {"month": date(2024, 2, 1), "channel": Channel.HOTLINE_1999, "received": 800},
    ]


def test_the_value_axis_has_round_ticks():
    chart = volume_chart(_rows(), FIRST, LAST)
    assert [value for _y, value in chart.value_ticks] == [0, 500, 1000, 1500, 2000]
    positions = [y for y, _label in chart.value_ticks]
    assert positions[0] == chart.baseline and positions[-1] == CHART_TOP
    assert positions == sorted(positions, reverse=True)


def test_bars_are_drawn_against_the_top_tick():
    chart = volume_chart(_rows(), FIRST, LAST)
    january = chart.bars[0]
    assert sum(s.height for s in january.segments) == pytest.approx(
        1976 / 2000 * CHART_PLOT_HEIGHT, abs=0.2
    )
    assert min(s.y for s in january.segments if s.count) >= CHART_TOP


@pytest.mark.django_db
def test_the_dashboard_draws_the_ticks_and_a_labelled_legend(client_as, make_case, agency_a):
    for _ in range(7):
        make_case("2024-03-04 09:00")
    html = client_as("reviewer").get("/petitions/dashboard/", {"start": "113.1", "end": "113.6"})
    html = html.content.decode()
    svg = html.split('<svg class="volume-chart"', 1)[1].split("</svg>", 1)[0]
    labels = re.findall(
        r'<text class="chart-axis-label chart-value-label"[^>]*>([^<]+)</text>', svg
    )
    assert labels == ["0", "2", "4", "6", "8"]
    legend = re.search(
        r'<ul class="chart-legend"[^>]*aria-label="([^"]+)"[^>]*>(.*?)</ul>', html, re.S
    )
    assert legend, "the legend is a labelled list"
    assert "受理管道" in legend.group(1)
    assert re.findall(
        r'<svg class="chart-swatch"[^>]*>.*?</svg>\s*([^<]+?)\s*</li>', legend.group(2)
    ) == ["1999專線"]


def test_a_bar_draws_a_titled_segment_per_channel_with_cases():
    chart = volume_chart(_rows(), FIRST, LAST)
    january, february = chart.bars[:2]

    svg = january.svg(chart.bar_width)

    assert svg.startswith('<g class="volume-bar">') and svg.endswith("</g>")
    assert "<title>113年1月 1,976</title>" in svg  # the month's total, in the ROC calendar
    titles = re.findall(r"<rect [^>]*><title>([^<]*)</title></rect>", svg)
    assert titles == ["113年1月 1999專線 1,500", "113年1月 網路 476"]  # no empty channel
    assert len(re.findall("<rect ", february.svg(chart.bar_width))) == 1
    assert chart.bars_svg == [bar.svg(chart.bar_width) for bar in chart.bars]
