"""The cases of 為民服務 in the executive briefing (業務簡報): cases received from every channel
and their timeliness, per year of the briefing's span.

Every figure comes from ``petitions.stats``, the functions the statistics dashboard
(陳情案件統計總覽) reads: the span's figures are the dashboard's for the same months
(``?start=110.1&end=114.12``), a year's timeliness the dashboard's for that year's twelve months.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from petitions import stats
from petitions.charts import volume_chart
from petitions.formatting import format_case_count
from petitions.models import PetitionSettings
from tainan_rdec.briefing.content import (
    BriefingSection,
    Chart,
    ChartKind,
    Column,
    Format,
    Headline,
    Part,
    Series,
    Source,
    Span,
    Table,
    year_end,
    year_label,
    year_start,
)
from tainan_rdec.roc import to_roc_year


def dashboard_url(first_year: int, last_year: int) -> str:
    """The statistics dashboard over the same months."""
    return reverse("petitions:dashboard") + f"?start={first_year}.1&end={last_year}.12"


def received_by_year_and_channel(span: Span) -> tuple[list[str], dict[int, list[int]]]:
    """The channels the dashboard's chart shows (those with cases in the span, in the usual
    order) and {ROC year: cases received per channel}: the chart's months added up by year."""
    chart = volume_chart(
        stats.volume_by_month_and_channel(span.start, span.end), span.start, span.end
    )
    counts = {year: [0] * len(chart.legend) for year in span.years}
    for bar in chart.bars:
        into = counts[to_roc_year(bar.month.year)]
        for i, count in enumerate(bar.counts):
            into[i] += count
    return [label for label, _colour in chart.legend], counts


def timeliness_of(first_year: int, last_year: int, today) -> tuple[stats.TimelinessRow, int]:
    """The city's timeliness over the years (the agencies' rows of the dashboard added up) and
    how many agencies owe an improvement plan (逾期率 above the threshold, enough cases)."""
    rows = stats.timeliness_by(
        "agency", start=year_start(first_year), end=year_end(last_year), today=today
    )
    return stats.total_row(rows, _("合計")), sum(row.owes_improvement_plan for row in rows)


def _cases_part(span: Span) -> Part:
    channels, counts = received_by_year_and_channel(span)
    total = stats.total_received(span.start, span.end)
    rows = [[year_label(year), *counts[year], sum(counts[year])] for year in span.years]
    totals = [sum(row[i] for row in rows) for i in range(1, len(channels) + 2)]
    return Part(
        section=BriefingSection.SERVICE,
        key="petitions-cases",
        title=_("多元管道受理陳情及1999案件"),
        headlines=[
            Headline(
                _("{span}受理案件").format(span=span.label), total, text=format_case_count(total)
            ),
            Headline(_("年平均受理"), round(total / len(span.years)), unit=_("件")),
        ],
        tables=[
            Table(
                _("各年度各管道受理件數"),
                [
                    Column(_("年度"), Format.TEXT),
                    *(Column(channel) for channel in channels),
                    Column(_("合計")),
                ],
                rows,
                unit=_("單位：件"),
                total=[_("合計"), *totals],
            )
        ],
        charts=[
            Chart(
                _("各年度受理件數（依受理管道）"),
                [row[0] for row in rows],
                [
                    Series(channel, [counts[year][i] for year in span.years])
                    for i, channel in enumerate(channels)
                ],
                kind=ChartKind.STACKED,
                unit=_("件"),
            )
        ],
        source=Source(_("陳情案件統計總覽"), dashboard_url(span.first, span.last)),
    )


def _timeliness_part(span: Span) -> Part:
    settings = PetitionSettings.get()
    whole, owing = timeliness_of(span.first, span.last, span.today)
    rows = []
    for year in span.years:
        total, flagged = timeliness_of(year, year, span.today)
        rows.append(
            [
                year_label(year),
                total.received,
                total.closed,
                total.closed_on_time_pct,
                total.on_time_closure_rate,
                flagged,
            ]
        )
    # The row may hold the field's int default until it is saved: read it as a Decimal.
    rate = f"{Decimal(settings.overdue_flag_rate).normalize():f}"
    return Part(
        section=BriefingSection.SERVICE,
        key="petitions-timeliness",
        title=_("陳情案件處理時效"),
        headlines=[
            Headline(_("依限結案比率"), whole.closed_on_time_pct, Format.PERCENT, unit="%"),
            Headline(_("屆期依限結案率"), whole.on_time_closure_rate, Format.PERCENT, unit="%"),
            Headline(_("逾期率高於{rate}%之機關").format(rate=rate), owing, unit=_("個機關")),
        ],
        tables=[
            Table(
                _("各年度處理時效"),
                [
                    Column(_("年度"), Format.TEXT),
                    Column(_("受理件數")),
                    Column(_("結案件數")),
                    Column(_("依限結案比率（%）"), Format.PERCENT),
                    Column(_("屆期依限結案率（%）"), Format.PERCENT),
                    Column(_("應提改善計畫機關數")),
                ],
                rows,
                unit=_("單位：件、%、個機關"),
                total=[
                    _("合計"),
                    whole.received,
                    whole.closed,
                    whole.closed_on_time_pct,
                    whole.on_time_closure_rate,
                    owing,
                ],
            )
        ],
        charts=[
            Chart(
                _("各年度依限結案比率"),
                [row[0] for row in rows],
                [
                    Series(_("依限結案比率"), [row[3] for row in rows]),
                    Series(_("屆期依限結案率"), [row[4] for row in rows]),
                ],
                fmt=Format.PERCENT,
                unit="%",
            )
        ],
        notes=[
            _(
                "依限結案比率＝依限結案件數 ÷ 結案件數；屆期依限結案率＝屆期且依限結案件數 ÷ "
                "已屆期件數；逾期率高於{rate}%且結案件數達{minimum}件之機關應提改善計畫"
                "（合計列為整段期間計算）。"
            ).format(rate=rate, minimum=f"{settings.min_cases_for_ranking:,}"),
        ],
        source=Source(_("陳情案件統計總覽"), dashboard_url(span.first, span.last)),
    )


def build(span: Span) -> list[Part]:
    return [_cases_part(span), _timeliness_part(span)]
