"""The evaluation pages' statistics tables, each defined once for the page and its Excel
download (``tainan_rdec.tables``): the annual service-performance ranking with its component
scores (服務效能評比), the Government Service Award funnel (政府服務獎輔導歷程), and the
telephone-test and mystery-shopper registers summed up by agency (電話禮貌測試／神秘客實地稽核
統計).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.db.models import Avg, Count, Max, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations.charts import FunnelChart
from tainan_rdec.tables import Column, Format, Table


def _note(row) -> str:
    if not row.needs_improvement:
        return ""
    note = _("待加強機關")
    if row.below_threshold:
        note += _("（低於門檻）")
    if row.in_bottom_n:
        note += _("（末段）")
    return note


def ranking_table(rows, *, year: int, roc_year: int) -> Table:
    """The year's ranked agencies (the lines the user may see) with each component's average
    and how many records it stands on."""
    phone, audit = _("電話禮貌測試"), _("神秘客實地稽核")
    return Table(
        _("{year}年度服務效能評比排名").format(year=roc_year),
        [
            Column(_("名次"), value="rank"),
            Column(
                _("機關"),
                Format.TEXT,
                "agency.name",
                link=lambda row: reverse("evaluations:result_detail", args=[year, row.agency.code]),
            ),
            Column(_("平均"), Format.NUMBER, "phone_score", unit=_("分"), group=phone),
            Column(_("次數"), value="phone_count", unit=_("次"), group=phone),
            Column(_("平均"), Format.NUMBER, "audit_score", unit=_("分"), group=audit),
            Column(_("次數"), value="audit_count", unit=_("次"), group=audit),
            Column(_("屆期依限結案率"), Format.PERCENT, "petition_score", unit="%"),
            Column(_("總分"), Format.NUMBER, "total_score", unit=_("分")),
            Column(_("備註"), Format.TEXT, _note),
        ],
        rows,
        key="ranking",
        filters=[(_("評比年度"), _("{year}年度").format(year=roc_year))],
        notes=[_("「—」表示該年度無資料，不列入計分，權重依其餘項目比例計算。")],
        row_header=1,
        row_attrs=lambda row: {"class": "row-alert"} if row.needs_improvement else {},
        html_id="ranking-table",
        caption_hidden=True,
        sheet_name=_("服務效能評比"),
    )


def funnel_table(chart: FunnelChart, *, roc_year: int) -> Table:
    """How many entries reached each stage, and their share of the stage before."""
    return Table(
        _("{year}年度政府服務獎輔導歷程").format(year=roc_year),
        [
            Column(_("階段"), Format.TEXT, "label"),
            Column(_("機關（方案）數"), value="count", unit=_("件")),
            Column(_("占前一階段"), Format.PERCENT, "share", unit="%"),
        ],
        chart.bars,
        key="funnel",
        filters=[(_("輔導年度"), _("{year}年度").format(year=roc_year))],
        html_id="funnel-table",
        narrow=True,
        sheet_name=_("政府服務獎輔導歷程"),
    )


def _two_places(value) -> Decimal | None:
    """A score as the page shows it: two decimals, half up, whatever the database hands back
    (an average is a float on SQLite, a maximum may lose its trailing zeros)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def record_summary_table(records, *, key: str, title: str, filters) -> Table:
    """The filtered register summed up by agency: how many records, their average, lowest and
    highest score, and the same over all of them (two grouped queries, whatever the rows)."""
    measures = {"n": Count("pk"), "mean": Avg("score"), "low": Min("score"), "high": Max("score")}
    rows = [
        SimpleNamespace(
            label=row["agency__name"],
            n=row["n"],
            mean=_two_places(row["mean"]),
            low=_two_places(row["low"]),
            high=_two_places(row["high"]),
        )
        for row in records.order_by()
        .values("agency__name", "agency__sort_order", "agency__code")
        .annotate(**measures)
        .order_by("agency__sort_order", "agency__code")
    ]
    whole = records.order_by().aggregate(**measures)
    return Table(
        title,
        [
            Column(_("機關"), Format.TEXT, "label"),
            Column(_("次數"), value="n", unit=_("次")),
            Column(_("平均成績"), Format.NUMBER, "mean", unit=_("分")),
            Column(_("最低"), Format.NUMBER, "low", unit=_("分")),
            Column(_("最高"), Format.NUMBER, "high", unit=_("分")),
        ],
        rows,
        total=SimpleNamespace(
            label="",
            n=whole["n"],
            mean=_two_places(whole["mean"]),
            low=_two_places(whole["low"]),
            high=_two_places(whole["high"]),
        ),
        key=key,
        filters=filters,
        html_id=f"{key}-table",
        caption_hidden=True,
        narrow=True,
    )
