"""智慧管考 and 前瞻基礎建設 in the executive briefing (業務簡報).

- Projects listed per year of the span (列管年度: the year of a project's first 納入列管 in the
  status log), split at the major threshold (``ControlSettings.major_threshold``), with budget
  in 億元 — the briefing's "108年-112年共列管1,349案：375件5千萬元以上…".
- The lifecycle counts, the filing compliance and the eight forward-looking categories: the
  overview dashboard's figures (``projects.dashboard.build_dashboard`` over every project, as
  the dashboard shows them unfiltered), computed once for both chapters.
- The hours the PCC feed saved: ``projects.pcc.hours_saved``, the page 工程會資料帶入節省工時,
  added up per year.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from projects.dashboard import Dashboard, build_dashboard
from projects.models import ControlSettings, Project
from projects.pcc import hours_saved
from projects.stats import ABOVE, BELOW, listing_statistics
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
    year_label,
)
from tainan_rdec.roc import (
    ROC_OFFSET,
    format_money,
    format_roc_date_long,
    format_roc_month,
)


def dashboard(span: Span) -> Dashboard:
    """The overview dashboard as it stands on the briefing's day, unfiltered."""
    return span.shared(
        "projects.dashboard", lambda: build_dashboard(Project.objects.all(), today=span.today)
    )


def listed_by_year(span: Span, threshold: int) -> dict[int, dict[str, list[int]]]:
    """{ROC year: {"major": [count, budget], "minor": [count, budget]}} of the projects first
    listed (納入列管) in each year of the span; major = total budget at or above ``threshold``.
    The listing statistics page's figures (``projects.stats``), over every project."""
    table = listing_statistics(Project.objects.all(), span.first, span.last, threshold)
    return {
        row.year: {
            "major": [row.by_band[ABOVE].count, row.by_band[ABOVE].budget],
            "minor": [row.by_band[BELOW].count, row.by_band[BELOW].budget],
        }
        for row in table.rows
    }


def _listing_part(span: Span) -> Part:
    threshold = ControlSettings.get().major_threshold
    figures = listed_by_year(span, threshold)
    line = format_money(threshold, "萬元")
    rows = []
    for year, f in figures.items():
        major, minor = f["major"], f["minor"]
        rows.append(
            [
                year_label(year),
                major[0],
                major[1],
                minor[0],
                minor[1],
                major[0] + minor[0],
                major[1] + minor[1],
            ]
        )
    total = [_("合計"), *(sum(row[i] for row in rows) for i in range(1, 7))]
    return Part(
        section=BriefingSection.CONTROL,
        key="projects-listing",
        title=_("列管案件（依列管年度）"),
        headlines=[
            Headline(_("{span}列管").format(span=span.label), total[5], unit=_("案")),
            Headline(_("{line}以上").format(line=line), total[1], unit=_("案")),
            Headline(_("未達{line}").format(line=line), total[3], unit=_("案")),
            Headline(_("總經費"), total[6], Format.YI, unit=_("億元")),
        ],
        tables=[
            Table(
                _("各年度列管案件數及經費"),
                [
                    Column(_("年度"), Format.TEXT),
                    Column(_("{line}以上（案）").format(line=line)),
                    Column(_("經費（億元）"), Format.YI),
                    Column(_("未達{line}（案）").format(line=line)),
                    Column(_("經費（億元）"), Format.YI),
                    Column(_("合計（案）")),
                    Column(_("合計經費（億元）"), Format.YI),
                ],
                rows,
                unit=_("單位：案、億元"),
                total=total,
            )
        ],
        charts=[
            Chart(
                _("各年度列管案件數"),
                [row[0] for row in rows],
                [
                    Series(_("{line}以上").format(line=line), [row[1] for row in rows]),
                    Series(_("未達{line}").format(line=line), [row[3] for row in rows]),
                ],
                kind=ChartKind.STACKED,
                unit=_("案"),
            )
        ],
        notes=[_("列管年度以案件首次納入列管之日期計；經費為總核定經費。")],
        source=Source(_("列管案件"), reverse("projects:index")),
    )


def _lifecycle_part(span: Span) -> Part:
    board = dashboard(span)
    compliance = board.compliance_total
    rows = [[group.label, group.count, group.budget] for group in board.by_status]
    return Part(
        section=BriefingSection.CONTROL,
        key="projects-lifecycle",
        title=_("列管狀態及填報情形"),
        headlines=[
            Headline(
                _("{period}準時填報率").format(period=format_roc_month(board.closed_period)),
                compliance.compliance_rate,
                Format.PERCENT,
                unit="%",
            ),
            Headline(_("逾期填報"), compliance.late, unit=_("件")),
            Headline(_("缺報"), compliance.missing, unit=_("件")),
        ],
        tables=[
            Table(
                _("各列管狀態案件數及經費"),
                [
                    Column(_("列管狀態"), Format.TEXT),
                    Column(_("案件數")),
                    Column(_("經費（億元）"), Format.YI),
                ],
                rows,
                unit=_("單位：案、億元"),
                total=[_("合計"), board.total.count, board.total.budget],
            ),
            Table(
                _("{period}填報情形").format(period=format_roc_month(board.closed_period)),
                [
                    Column(_("項目"), Format.TEXT),
                    Column(_("應填報")),
                    Column(_("已填報")),
                    Column(_("逾期填報")),
                    Column(_("缺報")),
                    Column(_("準時填報率（%）"), Format.PERCENT),
                ],
                [
                    [
                        _("全部列管案件"),
                        compliance.due,
                        compliance.filed,
                        compliance.late,
                        compliance.missing,
                        compliance.compliance_rate,
                    ]
                ],
                unit=_("單位：件、%"),
            ),
        ],
        charts=[
            Chart(
                _("各列管狀態案件數"),
                [row[0] for row in rows],
                [Series(_("案件數"), [row[1] for row in rows])],
                unit=_("案"),
            )
        ],
        notes=[
            _("統計至{day}；準時填報率＝期限內填報件數 ÷ 應填報件數。").format(
                day=format_roc_date_long(span.today)
            )
        ],
        source=Source(_("列管總覽"), reverse("projects:dashboard")),
    )


def hours_by_year(span: Span) -> dict[int, tuple[int, Decimal]]:
    """{ROC year: (figures pre-filled, hours saved)}: the rows of 工程會資料帶入節省工時 (per agency
    and year) added up."""
    result: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for row in hours_saved():
        year = row["year"] - ROC_OFFSET
        if span.first <= year <= span.last:
            result[year][0] += row["figures"]
            result[year][1] += row["hours"]
    return {year: tuple(result[year]) for year in span.years}


def _pcc_part(span: Span) -> Part:
    figures = hours_by_year(span)
    rows = [[year_label(year), n, hours] for year, (n, hours) in figures.items()]
    total_hours = sum((row[2] for row in rows), Decimal(0))
    minutes = ControlSettings.get().pcc_minutes_per_figure
    return Part(
        section=BriefingSection.CONTROL,
        key="projects-pcc-hours",
        title=_("介接工程會標案管理系統（一處填報、多方運用）"),
        headlines=[
            Headline(
                _("{span}節省工時").format(span=span.label),
                total_hours,
                Format.NUMBER,
                unit=_("小時"),
            ),
            Headline(_("帶入數字"), sum(row[1] for row in rows), unit=_("筆")),
        ],
        tables=[
            Table(
                _("各年度帶入數字及節省工時"),
                [
                    Column(_("年度"), Format.TEXT),
                    Column(_("帶入數字（筆）")),
                    Column(_("節省工時（小時）"), Format.NUMBER),
                ],
                rows,
                unit=_("單位：筆、小時"),
                total=[_("合計"), sum(row[1] for row in rows), total_hours],
            )
        ],
        charts=[
            Chart(
                _("各年度節省工時"),
                [row[0] for row in rows],
                [Series(_("節省工時"), [row[2] for row in rows])],
                fmt=Format.NUMBER,
                unit=_("小時"),
            )
        ],
        notes=[_("每筆由工程會資料預先帶入的數字以節省{minutes}分鐘計。").format(minutes=minutes)],
        source=Source(_("工程會資料帶入節省工時"), reverse("projects:pcc_hours")),
    )


def _forward_part(span: Span) -> Part:
    board = dashboard(span)

    def cells(label, row):
        return [
            label,
            row.count,
            row.budget,
            row.completed,
            row.completion_rate,
            row.assessed,
            row.on_schedule,
            row.on_schedule_rate,
        ]

    rows = [cells(str(row.category.label), row) for row in board.categories]
    total = board.category_total
    return Part(
        section=BriefingSection.FORWARD,
        key="projects-forward",
        title=_("前瞻基礎建設八大類計畫"),
        headlines=[
            Headline(_("計畫"), total.count, unit=_("項")),
            Headline(_("總經費"), total.budget, Format.YI, unit=_("億元")),
            Headline(_("完工率"), total.completion_rate, Format.PERCENT, unit="%"),
            Headline(_("進度符合率"), total.on_schedule_rate, Format.PERCENT, unit="%"),
        ],
        tables=[
            Table(
                _("前瞻基礎建設各類別計畫執行情形"),
                [
                    Column(_("類別"), Format.TEXT),
                    Column(_("計畫數")),
                    Column(_("經費（億元）"), Format.YI),
                    Column(_("已完工")),
                    Column(_("完工率（%）"), Format.PERCENT),
                    Column(_("有審核進度")),
                    Column(_("進度符合")),
                    Column(_("進度符合率（%）"), Format.PERCENT),
                ],
                rows,
                unit=_("單位：項、億元、%"),
                total=cells(_("合計"), total),
            )
        ],
        charts=[
            Chart(
                _("各類別經費"),
                [row[0] for row in rows],
                [Series(_("經費"), [row[2] for row in rows])],
                fmt=Format.YI,
                unit=_("億元"),
            )
        ],
        notes=[
            _(
                "完工率＝已申報竣工、驗收、結算或結案及有實際完工日期之計畫 ÷ 計畫數；"
                "進度符合率＝進度符合之計畫 ÷ 已有審核填報之計畫（含完工結案者）。"
            )
        ],
        source=Source(_("列管總覽"), reverse("projects:dashboard")),
    )


def build_control(span: Span) -> list[Part]:
    return [_listing_part(span), _lifecycle_part(span), _pcc_part(span)]


def build_forward(span: Span) -> list[Part]:
    return [_forward_part(span)]
