"""獎項 in the executive briefing (業務簡報): the nine-class table with its total and the first
prizes and excellent results, for the briefing's years — ``awards.stats.build_summary``, the
function the awards summary page (獎項統計) reads for the same years."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from awards.stats import build_summary
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
)


def build(span: Span) -> list[Part]:
    summary = build_summary(span.first, span.last)
    rows = [[row.label, row.count, row.top] for row in summary.classes]
    return [
        Part(
            section=BriefingSection.AWARDS,
            key="awards-summary",
            title=_("{span}獲獎及評比成果").format(span=summary.period_label),
            headlines=[
                Headline(_("獎項及評比成果"), summary.total, unit=_("項")),
                Headline(_("首獎及卓越成績"), summary.top, unit=_("項")),
            ],
            tables=[
                Table(
                    _("各類獎項件數"),
                    [
                        Column(_("獎項"), Format.TEXT),
                        Column(_("小計")),
                        Column(_("其中首獎及卓越成績")),
                    ],
                    rows,
                    unit=_("單位：項"),
                    total=[_("合計"), summary.total, summary.top],
                )
            ],
            charts=[
                Chart(
                    _("各年度獲獎件數（依獎項類別）"),
                    [row.label for row in summary.by_year],
                    [
                        Series(str(cls.label), [row.counts[i] for row in summary.by_year])
                        for i, cls in enumerate(c.award_class for c in summary.classes)
                    ],
                    kind=ChartKind.STACKED,
                    unit=_("項"),
                )
            ],
            notes=[_("僅計已確認之獎項；每一獎項歸屬一個類別。")],
            source=Source(
                _("獎項統計"),
                reverse("awards:summary") + f"?start_year={span.first}&end_year={span.last}",
            ),
        )
    ]
