"""The overview dashboard's (列管總覽) and the early-warning list's (預警) tables, each defined
once for the page and its Excel download (``tainan_rdec.tables``). The figures are
``projects.dashboard`` / ``projects.warning``'s; the tables say how they read. Money is in 元 and
shows in 億元; rates are in %, as the column's header says.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse
from django.utils.translation import gettext as _

from projects.dashboard import Dashboard
from tainan_rdec.roc import format_roc_month
from tainan_rdec.tables import Column, Format, Table

# The 列管編號 cell keeps its number on one line (projects.css .control-number).
CONTROL_NUMBER = "projects/includes/control_number_cell.html"


def _link(row) -> str:
    return row.url


def _budget() -> Column:
    return Column(_("總核定經費"), Format.YI, "budget", unit=_("億元"))


def group_table(board: Dashboard, groups, *, key: str, title: str, label: str, filters) -> Table:
    """Projects and their budget by kind or by control status, and the total."""
    return Table(
        title,
        [
            Column(label, Format.TEXT, "label"),
            Column(_("件數"), value="count", unit=_("件"), link=_link),
            _budget(),
        ],
        groups,
        total=SimpleNamespace(label="", count=board.total.count, budget=board.total.budget),
        key=key,
        filters=filters,
        html_id=f"by-{key}",
    )


def lag_table(board: Dashboard, filters) -> Table:
    chart = board.lag_chart
    return Table(
        _("落後狀態分布"),
        [
            Column(_("落後狀態"), Format.TEXT, "label"),
            Column(_("件數"), value="count", unit=_("件"), link=_link),
            Column(_("占比"), Format.PERCENT, "percent", unit="%"),
        ],
        chart.bars,
        total=SimpleNamespace(
            label=_("列管中合計"),
            count=chart.total,
            percent=rate_of_whole(chart.total),
        ),
        key="lag",
        filters=filters,
        html_id="lag-table",
        narrow=True,
    )


def rate_of_whole(total: int) -> Decimal | None:
    """The whole's share of itself: 100.0%, or nothing to divide."""
    return Decimal("100.0") if total else None


def forward_table(board: Dashboard, filters) -> Table:
    """The eight forward-looking infrastructure categories (前瞻基礎建設八大類別)."""
    return Table(
        _("前瞻基礎建設八大類別執行情形"),
        [
            Column(_("類別"), Format.TEXT, lambda row: row.category.label if row.category else ""),
            Column(_("計畫數"), value="count", unit=_("件"), link=lambda row: row.url),
            _budget(),
            Column(_("已完成"), value="completed", unit=_("件")),
            Column(_("完成率"), Format.PERCENT, "completion_rate", unit="%"),
            Column(_("有審核進度"), value="assessed", unit=_("件")),
            Column(_("進度符合"), value="on_schedule", unit=_("件")),
            Column(_("進度符合率"), Format.PERCENT, "on_schedule_rate", unit="%"),
        ],
        board.categories,
        unit=_("經費單位：新臺幣億元"),
        total=board.category_total,
        key="forward",
        filters=filters,
        notes=[
            _(
                "完成率：執行階段為已申報竣工、驗收中、結算付款中或已結案，或已有實際完工日期之"
                "案件占該類別案件之比率。進度符合率：列管中及完工後解除列管且已有審核進度之案件"
                "中，落後狀態為「進度符合」者之比率；完工結案者以最後一次審核通過之進度計。"
            )
        ],
        html_id="forward-table",
        caption_hidden=True,
        sheet_name=_("前瞻八大類別"),
    )


def compliance_table(board: Dashboard, filters) -> Table:
    """Filing compliance by host agency: this month's (still open) and last month's (closed)."""
    current = _("{month}（填報中）").format(month=format_roc_month(board.period))
    closed = _("{month}（已截止）").format(month=format_roc_month(board.closed_period))
    return Table(
        _("各機關填報情形"),
        [
            Column(_("主辦機關"), Format.TEXT, "agency_name"),
            Column(_("列管中"), value="listed", unit=_("件")),
            Column(_("應填報"), value="current_due", unit=_("件"), group=current),
            Column(_("已填報"), value="current_filed", unit=_("件"), group=current),
            Column(_("尚未填報"), value="current_not_filed", unit=_("件"), group=current),
            Column(_("應填報"), value="due", unit=_("件"), group=closed),
            Column(_("已填報"), value="filed", unit=_("件"), group=closed),
            Column(_("逾期填報"), value="late", unit=_("件"), group=closed),
            Column(_("缺報"), value="missing", unit=_("件"), group=closed),
            Column(_("準時填報率"), Format.PERCENT, "compliance_rate", unit="%", group=closed),
        ],
        board.compliance,
        total=board.compliance_total,
        key="compliance",
        filters=filters,
        empty=_("沒有列管中的案件。"),
        html_id="compliance-table",
        caption_hidden=True,
    )


def _lag_text(assessment) -> str:
    text = str(assessment.status.label)
    if assessment.flag_labels:
        text += _("（{flags}）").format(flags="、".join(str(f) for f in assessment.flag_labels))
    return text


def serious_table(board: Dashboard, filters) -> Table:
    """The seriously-behind and stopped projects under control, worst first."""

    def latest(pair):
        return pair[1].assessment.latest

    return Table(
        _("嚴重落後及停工案件一覽"),
        [
            Column(
                _("列管編號"),
                Format.TEXT,
                lambda pair: pair[0].control_number,
                template=CONTROL_NUMBER,
            ),
            Column(
                _("案件名稱"),
                Format.TEXT,
                lambda pair: pair[0].name,
                link=lambda pair: reverse("projects:detail", args=[pair[0].pk]),
            ),
            Column(_("主辦機關"), Format.TEXT, lambda pair: pair[0].host_agency.display_name),
            Column(
                _("最新審核月份"),
                Format.MONTH,
                lambda pair: latest(pair).period if latest(pair) else None,
            ),
            Column(
                _("預定進度"),
                Format.NUMBER,
                lambda pair: latest(pair).planned_percent if latest(pair) else None,
                unit="%",
            ),
            Column(
                _("實際進度"),
                Format.NUMBER,
                lambda pair: latest(pair).actual_percent if latest(pair) else None,
                unit="%",
            ),
            Column(
                _("差異"),
                Format.NUMBER,
                lambda pair: pair[1].assessment.difference if latest(pair) else None,
                unit=_("百分點"),
            ),
            Column(_("落後狀態"), Format.TEXT, lambda pair: _lag_text(pair[1].assessment)),
        ],
        board.seriously_behind,
        key="serious",
        filters=filters,
        row_header=1,
        row_attrs=lambda pair: {"class": "row-alert"},
        empty=_("目前沒有嚴重落後或停工的列管案件。"),
        html_id="serious-table",
        caption_hidden=True,
        sheet_name=_("嚴重落後及停工"),
    )


def warning_table(rows, *, key: str, title: str, empty: str, filters, today) -> Table:
    """One risk level of the early-warning list (預警): the projects, their lag and why."""

    def latest(pair):
        return pair[1].assessment.latest

    return Table(
        title,
        [
            Column(
                _("列管編號"),
                Format.TEXT,
                lambda pair: pair[0].control_number,
                template=CONTROL_NUMBER,
            ),
            Column(
                _("案件名稱"),
                Format.TEXT,
                lambda pair: pair[0].name,
                link=lambda pair: reverse("projects:detail", args=[pair[0].pk]),
            ),
            Column(_("主辦機關"), Format.TEXT, lambda pair: pair[0].host_agency.display_name),
            Column(
                _("最新審核月份"),
                Format.MONTH,
                lambda pair: latest(pair).period if latest(pair) else None,
            ),
            Column(
                _("差異"),
                Format.NUMBER,
                lambda pair: pair[1].assessment.difference if latest(pair) else None,
                unit=_("百分點"),
            ),
            Column(_("落後狀態"), Format.TEXT, lambda pair: _lag_text(pair[1].assessment)),
            Column(_("預警原因"), Format.TEXT, lambda pair: list(pair[1].reasons), width=60),
        ],
        rows,
        key=key,
        filters=filters,
        row_header=1,
        row_attrs=lambda pair: {"class": "row-alert"} if pair[1].is_high else {},
        empty=empty,
        html_id=f"{key}-table",
        caption_hidden=True,
        today=today,
    )


def dashboard_tables(board: Dashboard, filters) -> dict[str, Table]:
    return {
        "kind": group_table(
            board,
            board.by_kind,
            key="kind",
            title=_("依列管類別"),
            label=_("列管類別"),
            filters=filters,
        ),
        "status": group_table(
            board,
            board.by_status,
            key="status",
            title=_("依列管狀態"),
            label=_("列管狀態"),
            filters=filters,
        ),
        "lag": lag_table(board, filters),
        "forward": forward_table(board, filters),
        "compliance": compliance_table(board, filters),
        "serious": serious_table(board, filters),
    }


# -- 列管統計 (projects/views/listing.py) --------------------------------------------------------


def _year_label(row) -> str:
    return _("{year}年").format(year=row.year) if row.year else ""


def _count_and_budget(group: str, cell_of, link_of) -> list[Column]:
    return [
        Column(
            _("案數"), value=lambda row: cell_of(row).count, unit=_("案"), group=group, link=link_of
        ),
        Column(_("經費"), Format.YI, lambda row: cell_of(row).budget, unit=_("億元"), group=group),
    ]


def listing_tables(stats, *, line: str, links, filters) -> dict[str, Table]:
    """The projects listed per year of the range, split at the major threshold (``line``, its
    amount in words) and by kind. ``stats``: ``projects.stats.ListingStatistics``; ``links``:
    ``links(row, kind=…, band=…)`` the address that opens a number's projects."""
    from projects.stats import ABOVE, BELOW

    year = Column(_("列管年度"), Format.TEXT, _year_label)
    total = _count_and_budget(_("合計"), lambda row: row.total, lambda row: links(row))
    by_band = [
        year,
        *_count_and_budget(
            _("{line}以上").format(line=line),
            lambda row: row.by_band[ABOVE],
            lambda row: links(row, band=ABOVE),
        ),
        *_count_and_budget(
            _("未達{line}").format(line=line),
            lambda row: row.by_band[BELOW],
            lambda row: links(row, band=BELOW),
        ),
        *total,
    ]
    by_kind = [year]
    for kind, label in stats.kinds:
        by_kind += _count_and_budget(
            label,
            lambda row, kind=kind: row.by_kind[kind],
            lambda row, kind=kind: links(row, kind=kind),
        )
    by_kind += total
    common = {"rows": stats.rows, "total": stats.total, "filters": filters}
    return {
        "band": Table(
            _("各年度列管案件數及經費（依重大建設門檻）"),
            by_band,
            key="band",
            html_id="by-band",
            **common,
        ),
        "kind": Table(
            _("各年度列管案件數及經費（依列管類別）"),
            by_kind,
            key="kind",
            html_id="by-kind",
            notes=[
                _(
                    "列管年度以案件首次納入列管之日期計，暫緩後再列管者仍計入首次列管之年度；經費為總核定經費。"
                )
            ],
            **common,
        ),
    }
