"""Dispatch quality (派工正確性): how often a case is sent to the wrong agency first.

From the cases' agency history (``CaseTransfer``, 改分): a case's *first agency* is the one it
was dispatched to when received (the first transfer's ``from_agency``; the handling agency of a
case never transferred), its *final agency* the one handling it now. A case transferred two
times or more (多次改分) was misrouted at least twice; the *working days lost* are the working
days from its receipt to the last transfer, when the final agency took it
(``WorkingCalendar.working_days_between``: the working days in (received, taken]).

The figures are by category and by first agency over the cases received in a period, with the
cases behind each row (drill-down), worst first. The case table and the transfers are read once
each per page (transfers of the transferred cases only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count

from petitions.models import Case, CaseTransfer, Category
from tainan_rdec.models import Agency
from tainan_rdec.workdays import TAIPEI, get_calendar, to_local_date

# Transferred this many times or more: misrouted more than once (多次改分).
MANY_TRANSFERS = 2
BATCH = 2_000


@dataclass
class Rerouted:
    """A transferred case: its agencies in the order they had it, and the days lost."""

    pk: int
    case_number: str
    category_id: int
    received_at: datetime
    agencies: list[int] = field(default_factory=list)  # first agency … final agency
    taken_at: datetime | None = None  # when the final agency took it
    days_lost: int = 0

    @property
    def transfers(self) -> int:
        return len(self.agencies) - 1

    @property
    def first_agency(self) -> int:
        return self.agencies[0]


@dataclass
class DispatchRow:
    """One category's or first agency's figures."""

    key: int
    label: str
    cases: int = 0
    transferred: int = 0
    many: int = 0  # transferred MANY_TRANSFERS times or more
    days_lost: int = 0  # of the cases transferred many times

    @property
    def many_pct(self) -> Decimal | None:
        if not self.cases:
            return None
        return (Decimal(100) * self.many / self.cases).quantize(Decimal("0.1"))

    @property
    def mean_days_lost(self) -> Decimal | None:
        if not self.many:
            return None
        return (Decimal(self.days_lost) / self.many).quantize(Decimal("0.1"))


@dataclass
class DispatchQuality:
    by_category: list[DispatchRow]
    by_first_agency: list[DispatchRow]
    total: DispatchRow
    cases: list[Rerouted]  # transferred many times, most days lost first


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, TAIPEI)


def received_between(start: date, end: date):
    return Case.objects.filter(
        received_at__gte=_midnight(start), received_at__lt=_midnight(end + timedelta(days=1))
    )


def rerouted_cases(start: date, end: date) -> list[Rerouted]:
    """The cases received in [start, end] that were transferred at least once, with their
    agency chains and the working days lost."""
    found = {
        pk: Rerouted(pk, number, category, received)
        for pk, number, category, received in received_between(start, end)
        .filter(transfers__isnull=False)
        .distinct()
        .values_list("pk", "case_number", "category_id", "received_at")
    }
    pks = sorted(found)
    for low in range(0, len(pks), BATCH):
        transfers = (
            CaseTransfer.objects.filter(case_id__in=pks[low : low + BATCH])
            .order_by("case_id", "at", "pk")
            .values_list("case_id", "from_agency_id", "to_agency_id", "at")
        )
        for case_id, from_agency, to_agency, at in transfers:
            case = found[case_id]
            if not case.agencies:
                case.agencies.append(from_agency)
            case.agencies.append(to_agency)
            case.taken_at = at
    calendar = get_calendar()
    for case in found.values():
        case.days_lost = calendar.working_days_between(
            to_local_date(case.received_at), to_local_date(case.taken_at)
        )
    return list(found.values())


def dispatch_quality(start: date, end: date) -> DispatchQuality:
    """The figures of the cases received in [start, end]."""
    rerouted = rerouted_cases(start, end)
    cases = received_between(start, end)
    by_category = {
        pk: DispatchRow(pk, name) for pk, name in Category.objects.values_list("pk", "name")
    }
    agency_names = dict(Agency.objects.values_list("pk", "name"))
    by_agency: dict[int, DispatchRow] = {}

    def agency_row(pk: int) -> DispatchRow:
        if pk not in by_agency:
            by_agency[pk] = DispatchRow(pk, agency_names.get(pk, str(pk)))
        return by_agency[pk]

    for category, n in cases.values_list("category_id").annotate(n=Count("pk")).order_by():
        by_category[category].cases += n
    # A case never transferred was received by its handling agency.
    untransferred = cases.filter(transfers__isnull=True)
    for agency, n in (
        untransferred.values_list("handling_agency_id").annotate(n=Count("pk")).order_by()
    ):
        agency_row(agency).cases += n
    total = DispatchRow(0, "")
    total.cases = sum(row.cases for row in by_category.values())
    for case in rerouted:
        first = agency_row(case.first_agency)
        first.cases += 1
        for row in (by_category[case.category_id], first, total):
            row.transferred += 1
            if case.transfers >= MANY_TRANSFERS:
                row.many += 1
                row.days_lost += case.days_lost

    def worst_first(rows):
        shown = [row for row in rows if row.cases]
        return sorted(shown, key=lambda r: (-r.many, -r.days_lost, -r.cases, r.label))

    return DispatchQuality(
        worst_first(by_category.values()), worst_first(by_agency.values()), total, _many(rerouted)
    )


def _many(rerouted: list[Rerouted]) -> list[Rerouted]:
    many = [case for case in rerouted if case.transfers >= MANY_TRANSFERS]
    return sorted(many, key=lambda c: (-c.days_lost, -c.transfers, c.received_at, c.pk))


def many_times_transferred(
    start: date, end: date, *, category_id: int | None = None, first_agency_id: int | None = None
) -> list[Rerouted]:
    """The drill-down: the cases received in [start, end] transferred ``MANY_TRANSFERS`` times
    or more, of one category and/or first agency, most working days lost first."""
    cases = _many(rerouted_cases(start, end))
    if category_id is not None:
        cases = [case for case in cases if case.category_id == category_id]
    if first_agency_id is not None:
        cases = [case for case in cases if case.first_agency == first_agency_id]
    return cases


def agency_names(cases: list[Rerouted]) -> dict[int, str]:
    """The names of the agencies in the cases' chains, in one query."""
    pks = {pk for case in cases for pk in case.agencies}
    return dict(Agency.objects.filter(pk__in=pks).values_list("pk", "name"))
