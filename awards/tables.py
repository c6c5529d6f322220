"""The awards summary's tables (獎項統計), each defined once for the page and its Excel download,
and the workbook the mayor's office asks for: the three tables and the confirmed awards behind
them (獎項明細, the rows the requesting user may see; the tables are city-wide, as published).
"""

from __future__ import annotations

from operator import attrgetter
from types import SimpleNamespace

from django.utils.translation import gettext as _

from awards.models import Award
from awards.stats import CLASSES, AwardSummary, SummaryRow
from tainan_rdec.roc import format_roc_date_export
from tainan_rdec.tables import Column, Format, Table

URL = attrgetter("url")


def _filters(summary: AwardSummary) -> list[tuple[str, str]]:
    return [(_("年度"), summary.period_label)]


def _note() -> list[str]:
    return [_("僅計研考會已確認之獎項。")]


def class_table(summary: AwardSummary) -> Table:
    """The nine classes with their 小計 and how many are top results, and the total."""
    return Table(
        _("{period}獲獎統計表").format(period=summary.period_label),
        [
            Column(_("獎項"), Format.TEXT, "label"),
            Column(_("小計"), value="count", unit=_("項"), link=URL),
            Column(_("其中首獎及卓越成績"), value="top", unit=_("項")),
        ],
        summary.classes,
        total=SimpleNamespace(label=_("合計"), count=summary.total, top=summary.top),
        key="classes",
        filters=_filters(summary),
        notes=_note(),
        html_id="class-table",
        caption_hidden=True,
        narrow=True,
        sheet_name=_("獎項統計"),
    )


def _matrix_columns(first: str, *, link_label: bool) -> list[Column]:
    """The row's label, a count per class in the city's order, the total and top results;
    the drill-down sits on the label (an agency) or on the total (a year)."""
    return [
        Column(first, Format.TEXT, "label", link=URL if link_label else None),
        *(
            Column(str(c.label), value=lambda row, i=i: row.counts[i])
            for i, c in enumerate(CLASSES)
        ),
        Column(_("合計"), value="total", link=None if link_label else URL),
        Column(_("首獎及卓越成績"), value="top"),
    ]


def _total(summary: AwardSummary) -> SummaryRow:
    return SummaryRow(0, _("合計"), counts=summary.class_totals, top=summary.top)


def year_table(summary: AwardSummary) -> Table:
    return Table(
        _("{period}各年度獲獎件數").format(period=summary.period_label),
        _matrix_columns(_("年度"), link_label=False),
        summary.by_year,
        unit=_("單位：項"),
        total=_total(summary),
        key="years",
        filters=_filters(summary),
        notes=_note(),
        html_id="year-table",
        caption_hidden=True,
        sheet_name=_("各年度"),
    )


def agency_table(summary: AwardSummary) -> Table:
    """Agencies with most awards first; every award has one agency, so the total is the
    nine-class table's."""
    return Table(
        _("{period}各機關獲獎件數").format(period=summary.period_label),
        _matrix_columns(_("機關"), link_label=True),
        summary.by_agency,
        unit=_("單位：項"),
        total=_total(summary),
        key="agencies",
        filters=_filters(summary),
        notes=[*_note(), _("依獲獎件數由多至少排列。")],
        empty=_("期間內沒有已確認的獎項。"),
        html_id="agency-table",
        caption_hidden=True,
        sheet_name=_("各機關"),
    )


def page_tables(summary: AwardSummary) -> list[Table]:
    return [class_table(summary), year_table(summary), agency_table(summary)]


def details_table(summary: AwardSummary, details) -> Table:
    """The confirmed awards behind the figures (``details``: already what the user may see)."""

    def project(award: Award) -> str:
        return award.project.control_number if award.project_id else ""

    return Table(
        _("{period}獎項明細").format(period=summary.period_label),
        [
            Column(_("年度"), Format.PLAIN, "roc_year"),
            # The register's date form (111/06/01), as the list exports write dates.
            Column(_("獲獎日期"), Format.TEXT, lambda a: format_roc_date_export(a.award_date)),
            Column(_("機關代碼"), Format.TEXT, "agency.code"),
            Column(_("獲獎機關"), Format.TEXT, "agency.name", width=28),
            Column(_("獎項名稱"), Format.TEXT, "name", width=40),
            Column(_("頒獎單位"), Format.TEXT, "awarding_body", width=24),
            Column(_("獎項類別"), Format.TEXT, lambda a: a.get_award_class_display()),
            Column(_("首獎及卓越成績"), Format.TEXT, lambda a: _("是") if a.is_top else _("否")),
            Column(_("相關列管案件"), Format.TEXT, project),
            Column(_("佐證連結"), Format.TEXT, "evidence_url", width=30),
            Column(_("備註"), Format.TEXT, "note", width=30),
        ],
        details,
        filters=_filters(summary),
        notes=_note(),
        row_header=None,
        sheet_name=_("獎項明細"),
    )


def workbook_tables(summary: AwardSummary, details) -> list[Table]:
    """The summary workbook: 獎項統計, 各年度, 各機關 and 獎項明細, one sheet each."""
    return [*page_tables(summary), details_table(summary, details)]
