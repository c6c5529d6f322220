"""The petitions dashboard's tables (陳情案件統計總覽), each defined once for the page and its
Excel download (``tainan_rdec.tables``): the monthly volume by channel, the ten busiest
categories, satisfaction, the agencies' timeliness and the timeliness by category, channel,
district or month. The figures are ``petitions.stats``'; the tables only say how they read.

Drill-down: a figure links to the case list filtered to it, for the users who may open the case
list (``links=True``); a senior official reads the figures without the cases (no link).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from urllib.parse import urlencode

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from petitions import stats
from petitions.charts import VolumeChart
from petitions.choices import CaseStatus
from tainan_rdec.models import District
from tainan_rdec.months import month_end
from tainan_rdec.roc import format_roc_date, format_roc_month
from tainan_rdec.tables import Column, Format, Table

# The breakdowns the second timeliness table offers (?by=), the first the default.
BREAKDOWNS = {
    "category": gettext_lazy("案件類別"),
    "channel": gettext_lazy("受理管道"),
    "district": gettext_lazy("行政區"),
    "month": gettext_lazy("受理月份"),
}
DEFAULT_BREAKDOWN = "category"


def case_list_urls() -> Callable[..., str]:
    """A function giving the case list's address filtered by its keyword arguments (those
    not None or empty, as ``urlencode`` writes them): the address reversed once for a table,
    and each filter encoded once, not once for each of its hundreds of linked cells."""
    index = reverse("petitions:index")
    encoded: dict[tuple, str] = {}

    def pair(name: str, value) -> str:
        key = (name, value)
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = urlencode({name: value})
        return text

    def url(**params) -> str:
        query = "&".join(pair(k, v) for k, v in params.items() if v not in (None, ""))
        return index + ("?" + query if query else "")

    return url


def period_filters(first: date, last: date) -> list[tuple[str, str]]:
    return [
        (
            _("統計期間"),
            _("{first}至{last}").format(first=format_roc_month(first), last=format_roc_month(last)),
        )
    ]


def _received(first: date, last: date) -> dict:
    return {"received_from": format_roc_date(first), "received_to": format_roc_date(last)}


def volume_table(chart: VolumeChart, first: date, last: date) -> Table:
    """Cases received per month, a column per channel, and the total."""
    return Table(
        _("每月受理件數（依受理管道）"),
        [
            Column(_("月份"), Format.TEXT, "label"),
            *(
                Column(label, value=lambda bar, i=i: bar.counts[i])
                for i, (label, _colour) in enumerate(chart.legend)
            ),
            Column(_("合計"), value="total"),
        ],
        chart.bars,
        unit=_("單位：件"),
        total=SimpleNamespace(label="", counts=chart.channel_totals, total=chart.total),
        key="volume",
        filters=period_filters(first, last),
        html_id="volume-table",
        sheet_name=_("每月受理件數"),
    )


def category_table(categories: list[dict], first: date, last: date, *, links: bool) -> Table:
    """The ten categories with most cases received, most first."""
    rows = [{**category, "rank": i} for i, category in enumerate(categories, start=1)]
    case_list_url = case_list_urls()

    def link(row) -> str:
        return case_list_url(category=row["category_id"], **_received(first, last))

    return Table(
        _("受理件數前十名案件類別"),
        [
            Column(_("名次"), value=lambda row: row["rank"], total=False),
            Column(_("案件類別"), Format.TEXT, lambda row: row["name"]),
            Column(
                _("受理件數"),
                value=lambda row: row["received"],
                unit=_("件"),
                link=link if links else None,
            ),
        ],
        rows,
        key="categories",
        filters=period_filters(first, last),
        row_header=1,
        empty=_("期間內沒有受理案件。"),
        html_id="category-table",
        caption_hidden=True,
        narrow=True,
        sheet_name=_("前十名案件類別"),
    )


def satisfaction_table(
    rows, total, *, key: str, html_id: str, title: str, first_label: str, first: date, last: date
) -> Table:
    """Number answered, mean (1–5) and share satisfied (4 or 5) per row, and the total."""
    return Table(
        title,
        [
            Column(first_label, Format.TEXT, "label"),
            Column(_("回答件數"), value="satisfaction_count", unit=_("件")),
            Column(_("平均滿意度（1–5分）"), Format.NUMBER, "mean_satisfaction"),
            Column(_("滿意比率（4–5分）"), Format.PERCENT, "satisfied_pct", unit="%"),
        ],
        rows,
        total=total,
        key=key,
        filters=period_filters(first, last),
        html_id=html_id,
        narrow=True,
    )


def _note(overdue_flag_rate) -> Callable:
    rate = floatformat(overdue_flag_rate, "-2")

    def note(row: stats.TimelinessRow) -> str:
        if not row.ranked:
            return _("案件數未達排名門檻")
        if row.flagged:
            return _("逾期率高於 {rate}%，應提改善計畫").format(rate=rate)
        return ""

    return note


def _timeliness_columns(
    first_label: str,
    *,
    received_url: Callable | None = None,
    closed_url: Callable | None = None,
    open_url: Callable | None = None,
    note: Callable | None = None,
    sort: str = "",
    sort_urls: dict | None = None,
) -> list[Column]:
    sort_urls = sort_urls or {}

    def sorting(key: str, state: str) -> dict:
        return {"sort_state": state if sort == key else ""}

    columns = [
        Column(first_label, Format.TEXT, "label"),
        Column(
            _("受理件數"),
            value="received",
            unit=_("件"),
            link=received_url,
            **sorting("received", "descending"),
        ),
        Column(_("結案件數"), value="closed", unit=_("件"), link=closed_url),
        Column(
            _("依限結案比率"),
            Format.PERCENT,
            "closed_on_time_pct",
            unit="%",
            **sorting("on_time", "ascending"),
        ),
        Column(
            _("屆期依限結案率"),
            Format.PERCENT,
            "on_time_closure_rate",
            unit="%",
            **sorting("rate", "ascending"),
        ),
        Column(
            _("逾期率"),
            Format.PERCENT,
            "overdue_rate",
            unit="%",
            **sorting("overdue", "descending"),
        ),
        Column(
            _("平均處理天數"),
            Format.NUMBER,
            "mean_days",
            unit=_("工作天"),
            **sorting("mean", "descending"),
        ),
        Column(
            _("第90百分位處理天數"),
            Format.NUMBER,
            "p90_days",
            unit=_("工作天"),
            **sorting("p90", "descending"),
        ),
        Column(_("逾期未結案"), value="overdue_open", unit=_("件"), link=open_url),
    ]
    if note is not None:
        columns.append(Column(_("備註"), Format.TEXT, note, total=False))
    return columns


def agency_table(
    rows: list[stats.TimelinessRow],
    first: date,
    last: date,
    *,
    overdue_flag_rate,
    links: bool,
    sort: str = "",
) -> Table:
    """The agencies' timeliness in the page's order (``sort``), agencies that owe an
    improvement plan marked."""
    received = _received(first, last)
    case_list_url = case_list_urls()
    return Table(
        _("各機關處理時效一覽"),
        _timeliness_columns(
            _("承辦機關"),
            received_url=(lambda row: case_list_url(agency=row.key, **received)) if links else None,
            closed_url=(
                lambda row: case_list_url(agency=row.key, status=CaseStatus.CLOSED, **received)
            )
            if links
            else None,
            open_url=(lambda row: case_list_url(agency=row.key, status="open")) if links else None,
            note=_note(overdue_flag_rate),
            sort=sort,
        ),
        rows,
        key="agencies",
        filters=period_filters(first, last),
        notes=[_("處理天數以工作天計，當日結案計 0.5 天。")],
        row_attrs=lambda row: {"class": "row-alert"} if row.owes_improvement_plan else {},
        empty=_("期間內沒有案件統計資料。"),
        html_id="agency-table",
        caption_hidden=True,
        sheet_name=_("各機關處理時效"),
    )


def _breakdown_params(by: str, rows, first: date, last: date) -> Callable | None:
    """The case list's filter for a row of the ``by`` breakdown (its period included)."""
    received = _received(first, last)
    if by == "category":
        return lambda row: {"category": row.key, **received}
    if by == "channel":
        return lambda row: {"channel": row.key, **received}
    if by == "district":
        ids = dict(
            District.objects.filter(code__in=[row.key for row in rows if row.key]).values_list(
                "code", "pk"
            )
        )
        return lambda row: {"district": ids[row.key], **received} if row.key in ids else None
    if by == "month":
        return lambda row: {
            "received_from": format_roc_date(max(row.key, first)),
            "received_to": format_roc_date(min(month_end(row.key), last)),
        }
    return None


def breakdown_table(
    by: str, rows: list[stats.TimelinessRow], first: date, last: date, *, links: bool
) -> Table:
    """The timeliness by category, channel, district or month, and the total."""
    params = _breakdown_params(by, rows, first, last) if links else None
    case_list_url = case_list_urls()

    def url(**extra) -> Callable | None:
        if params is None:
            return None

        def link(row) -> str:
            found = params(row)
            return case_list_url(**found, **extra) if found is not None else ""

        return link

    label = str(BREAKDOWNS[by])
    return Table(
        _("依{label}之處理時效").format(label=label),
        _timeliness_columns(
            label,
            received_url=url(),
            closed_url=url(status=CaseStatus.CLOSED),
        ),
        rows,
        total=stats.total_row(rows, _("合計")),
        key="breakdown",
        filters=[*period_filters(first, last), (_("分析維度"), label)],
        notes=[_("處理天數以工作天計，當日結案計 0.5 天。")],
        empty=_("期間內沒有案件統計資料。"),
        html_id="breakdown-table",
        caption_hidden=True,
        sheet_name=_("依{label}").format(label=label),
    )


def event_day_table(event, counts, today: date) -> Table:
    """An event's cases per day and category (``views.dashboard.event_counts``), the watched
    categories first and marked, the day's total and the column totals; today's row is marked
    on the page while the event runs."""
    rows = [
        SimpleNamespace(label=format_roc_date(day), counts=values, total=total, today=day == today)
        for day, values, total in counts.days
    ]
    return Table(
        _("每日各類別案件數"),
        [
            Column(
                _("日期"), Format.TEXT, "label", template="petitions/includes/event_day_cell.html"
            ),
            *(
                Column(
                    _("{name}（關注）").format(name=name) if watched else name,
                    value=lambda row, i=i: row.counts[i],
                )
                for i, (_pk, name, watched) in enumerate(counts.columns)
            ),
            Column(_("合計"), value="total"),
        ],
        rows,
        unit=_("單位：件"),
        total=SimpleNamespace(label="", counts=counts.column_totals, total=counts.total),
        key="days",
        filters=[
            (_("專案"), event.name),
            (
                _("期間"),
                _("{start}至{end}").format(
                    start=format_roc_date(event.start_date), end=format_roc_date(event.end_date)
                ),
            ),
        ],
        row_attrs=lambda row: {"aria-current": "date"} if row.today else None,
        html_id="event-counts",
        caption_hidden=True,
        sheet_name=_("每日各類別案件數"),
    )


def calls_problems_table(
    rows, total, *, key: str, html_id: str, title: str, first_label: str, first: date, last: date
) -> Table:
    """Calls and problems side by side (重複陳情歸併: a problem called about several times counts
    once), per agency or category, and the total (``petitions.problems.CallsRow``)."""
    return Table(
        title,
        [
            Column(first_label, Format.TEXT, "label"),
            Column(_("陳情件數"), value="calls", unit=_("件")),
            Column(_("問題數"), value="problems", unit=_("個")),
            Column(_("重複陳情件數"), value="repeat_calls", unit=_("件")),
            Column(_("每個問題平均陳情件數"), Format.NUMBER, "calls_per_problem"),
        ],
        rows,
        total=total,
        key=key,
        filters=period_filters(first, last),
        notes=[_("同一問題的多件陳情歸併為一個問題；問題數＝陳情件數－重複陳情件數。")],
        empty=_("期間內沒有案件。"),
        html_id=html_id,
        narrow=True,
    )
