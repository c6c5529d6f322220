"""The statistics pages: the reviewers' dashboard (陳情案件統計總覽) and the event view (專案).

The dashboard reads ``petitions.stats`` only, so it runs the same handful of queries whatever
the number of cases. The event view counts the case table itself (one aggregate query): an
event is a few days in a few districts, and the desk wants the latest cases, not last night's
rollup.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from petitions import problems, stats
from petitions import tables as petition_tables
from petitions.charts import volume_chart
from petitions.formatting import format_case_count
from petitions.forms import PeriodForm
from petitions.map import may_map_cases, page_map
from petitions.models import Event, PetitionSettings, ProblemGroup
from tainan_rdec import tables
from tainan_rdec.choices import CITY_WIDE_READERS, AgencyKind
from tainan_rdec.roc import format_roc_date
from tainan_rdec.scoping import is_active_user, is_official, reads_every_agency, role_required
from tainan_rdec.workdays import TAIPEI

# The event view lists this many of its largest open problem groups.
EVENT_GROUPS = 10

# ?sort= → (row attribute, worst first is the largest value)
SORTS = {
    "received": ("received", True),
    "on_time": ("closed_on_time_pct", False),
    "rate": ("on_time_closure_rate", False),
    "overdue": ("overdue_rate", True),
    "mean": ("mean_days", True),
    "p90": ("p90_days", True),
}


def sort_rows(rows: list[stats.TimelinessRow], sort: str) -> list[stats.TimelinessRow]:
    """Worst first for the chosen column; for the rates, ranked agencies before the ones with
    too few cases, and rows without a value last. Unknown ``sort``: the agencies' order."""
    if sort not in SORTS:
        return rows
    attr, descending = SORTS[sort]

    def key(row):
        value = getattr(row, attr)
        missing = value is None
        number = Decimal(0) if missing else Decimal(value)
        return (
            sort != "received" and not row.ranked,
            missing,
            -number if descending else number,
            row.label,
        )

    return sorted(rows, key=key)


@role_required(*CITY_WIDE_READERS)
def dashboard(request):
    """The figures of the chosen months; each table also downloads as Excel
    (``?format=xlsx&table=KEY`` with the filters in force). Numbers link to the case list
    they count, for the users who may open it (not senior officials: figures, not cases)."""
    today = timezone.localdate()
    form = PeriodForm(tables.form_data(request, PeriodForm))
    first, last = form.period(today)
    sort = request.GET.get("sort", "")
    by = request.GET.get("by", "")
    by = by if by in petition_tables.BREAKDOWNS else petition_tables.DEFAULT_BREAKDOWN
    settings = PetitionSettings.get()
    links = not is_official(request.user)
    received_from, received_to = format_roc_date(first), format_roc_date(last)

    by_agency = stats.timeliness_by("agency", start=first, end=last, today=today)
    by_category = stats.timeliness_by("category", start=first, end=last, today=today)
    breakdown = (
        by_category
        if by == "category"
        else stats.timeliness_by(by, start=first, end=last, today=today)
    )
    rows = sort_rows(by_agency, sort)
    categories = stats.top_categories(first, last, n=10)
    chart = volume_chart(stats.volume_by_month_and_channel(first, last), first, last)
    satisfaction = stats.satisfaction_tables(by_category, by_agency)
    calls = {
        dimension: problems.calls_and_problems_of_rows(timeliness)
        for dimension, timeliness in (("agency", by_agency), ("category", by_category))
    }
    page_tables = {
        "volume": petition_tables.volume_table(chart, first, last),
        "categories": petition_tables.category_table(categories, first, last, links=links),
        "satisfaction_categories": petition_tables.satisfaction_table(
            satisfaction["categories"],
            satisfaction["total"],
            key="satisfaction_categories",
            html_id="satisfaction-by-category",
            title=gettext("各案件類別滿意度"),
            first_label=gettext("案件類別"),
            first=first,
            last=last,
        ),
        "satisfaction_agencies": petition_tables.satisfaction_table(
            satisfaction["agencies"],
            satisfaction["total"],
            key="satisfaction_agencies",
            html_id="satisfaction-by-agency",
            title=gettext("各機關滿意度"),
            first_label=gettext("承辦機關"),
            first=first,
            last=last,
        ),
        "agencies": petition_tables.agency_table(
            rows,
            first,
            last,
            overdue_flag_rate=settings.overdue_flag_rate,
            links=links,
            sort=sort,
        ),
        "breakdown": petition_tables.breakdown_table(by, breakdown, first, last, links=links),
        **{
            f"calls_{dimension}": petition_tables.calls_problems_table(
                calls[dimension],
                problems.total_of(calls[dimension], gettext("合計")),
                key=f"calls_{dimension}",
                html_id=f"calls-by-{dimension}",
                title=title,
                first_label=label,
                first=first,
                last=last,
            )
            for dimension, title, label in (
                ("agency", gettext("各機關陳情件數與問題數"), gettext("受理機關")),
                ("category", gettext("各案件類別陳情件數與問題數"), gettext("案件類別")),
            )
        },
    }
    response = tables.download(request, *page_tables.values())
    if response is not None:
        return response
    total = stats.total_received(first, last)
    period_query = {k: request.GET[k] for k in ("start", "end") if request.GET.get(k)}
    return render(
        request,
        "petitions/dashboard.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "today": today,
            "total": total,
            "total_text": format_case_count(total),
            "chart": chart,
            "categories": categories,
            "rows": rows,
            "tables": page_tables,
            "sort": sort if sort in SORTS else "",
            "by": by,
            "sort_links": {
                key: "?" + urlencode({**period_query, "by": by, "sort": key}) + "#agency-heading"
                for key in SORTS
            },
            "breakdown_links": [
                (
                    key,
                    label,
                    "?"
                    + urlencode({**period_query, **({"sort": sort} if sort else {}), "by": key})
                    + "#breakdown-heading",
                )
                for key, label in petition_tables.BREAKDOWNS.items()
            ],
            "settings": settings,
            "all_cases_url": petition_tables.case_list_urls()(
                received_from=received_from, received_to=received_to
            )
            if links
            else "",
            "satisfaction": satisfaction,
        },
    )


def may_watch_events(user) -> bool:
    """The commission, the senior officials and the 1999 centre's own staff (agency kind
    hotline): the view counts cases, it names no petitioner."""
    if not is_active_user(user):
        return False
    if reads_every_agency(user):
        return True
    return user.agency_id is not None and user.agency.kind == AgencyKind.HOTLINE_1999


def event_watchers_only(view):
    """Logged in (else the login page), and ``may_watch_events`` (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_watch_events(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def event_state(event: Event, today: datetime.date) -> str:
    if today < event.start_date:
        return gettext("尚未開始")
    if today > event.end_date:
        return gettext("已結束")
    return gettext("進行中")


def is_running(event: Event, today: datetime.date) -> bool:
    return event.start_date <= today <= event.end_date


@event_watchers_only
def event_list(request):
    today = timezone.localdate()
    events = Event.objects.prefetch_related("districts", "categories")
    return render(
        request,
        "petitions/event_list.html",
        {"rows": [(event, event_state(event, today)) for event in events], "today": today},
    )


@dataclass
class EventTable:
    """Cases per day (rows) and category (columns) for an event; watched categories first."""

    days: list[tuple[datetime.date, list[int], int]]  # (day, counts per column, day total)
    columns: list[tuple[int, str, bool]]  # (category id, name, watched)
    column_totals: list[int]
    total: int


def event_counts(event: Event) -> EventTable:
    """Count the cases of the event (``Event.received_cases``). One aggregate query grouped by
    day and category, so it costs the same however many cases there are."""
    cases = event.received_cases()
    counts = (
        cases.annotate(day=TruncDate("received_at", tzinfo=TAIPEI))
        .values("day", "category_id", "category__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_key: dict[tuple, int] = {}
    names: dict[int, str] = {}
    for row in counts:
        by_key[(row["day"], row["category_id"])] = row["n"]
        names[row["category_id"]] = row["category__name"]
    watched = list(event.categories.all())
    watched_ids = {c.pk for c in watched}
    columns = [(c.pk, c.name, True) for c in watched] + sorted(
        ((pk, name, False) for pk, name in names.items() if pk not in watched_ids),
        key=lambda column: column[1],
    )
    days = []
    day = event.start_date
    while day <= event.end_date:
        values = [by_key.get((day, pk), 0) for pk, _name, _watched in columns]
        days.append((day, values, sum(values)))
        day += datetime.timedelta(days=1)
    column_totals = [sum(values[i] for _d, values, _t in days) for i in range(len(columns))]
    return EventTable(days, columns, column_totals, sum(column_totals))


@event_watchers_only
def event_detail(request, pk):
    # Events belong to no agency: who may open the page is decided above, for every event.
    event = get_object_or_404(Event.objects.prefetch_related("districts", "categories"), pk=pk)
    today = timezone.localdate()
    counts = event_counts(event)
    day_table = petition_tables.event_day_table(event, counts, today)
    response = tables.download(request, day_table)
    if response is not None:
        return response
    return render(
        request,
        "petitions/event_detail.html",
        {
            "event": event,
            "table": counts,
            "day_table": day_table,
            # Open at once: the desk watches the map during the event. Not for those who may
            # not open the cases (senior officials: the counts are theirs, the cases are not).
            "case_map": page_map(
                reverse("petitions:map_cases") + "?" + urlencode({"event": event.pk}),
                open_at_start=True,
            )
            if may_map_cases(request.user)
            else None,
            "running": is_running(event, today),
            "state": event_state(event, today),
            # Calls and problems (重複陳情歸併) of the event's cases, as the table counts them,
            # and the largest open groups the user may see (not senior officials: the groups
            # list cases).
            "calls": problems.event_rows([event])[0],
            "largest_groups": problems.largest_open(
                problems.in_event(ProblemGroup.objects.visible_to(request.user), event)
            ).select_related("category", "handling_agency")[:EVENT_GROUPS],
            "today": today,
            "now": timezone.localtime(),
        },
    )
