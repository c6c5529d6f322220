"""Generates the demo case log: ``generate_cases(n)`` writes ``n`` cases over the five years
before today (plus the event's), with transfers, reopenings and satisfaction, in batches of
``BATCH`` through PostgreSQL ``COPY`` where it can, then rebuilds the rollups."""

from __future__ import annotations

import random
import time as clock
from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate, pairwise

from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Subquery, Value
from django.utils import timezone

from petitions.demo.catalogue import (
    AGENCIES_BY_CATEGORY,
    AGENCIES_BY_SUBCATEGORY,
    BATCH,
    CATEGORY_WEIGHTS,
    CHANNELS,
    CLOSED,
    DISTRICT_OFFICE,
    DISTRICTS,
    EVENT_AREA,
    EVENT_CATEGORIES,
    EVENT_DISTRICTS,
    EVENT_END,
    EVENT_NAME,
    EVENT_SHARE,
    EVENT_START,
    GIVEN,
    GROWTH_PER_YEAR,
    HALF_DAY,
    HOLIDAY_FACTOR,
    HOUR_WEIGHTS,
    IN_PROGRESS,
    LATE,
    MAIL_DOMAINS,
    MONTH_FACTOR,
    NEVER_CLOSED,
    OFFICE_OPENS,
    RATED,
    REOPENED,
    REOPENED_STATUS,
    REPEAT_EVERY,
    ROADS,
    SAME_DAY,
    SATISFACTION,
    SATISFACTION_CUM,
    SLOW_AGENCIES,
    SLOW_SATISFACTION_CUM,
    SPOTS,
    STILL_REOPENED,
    SURNAMES,
    TRANSFERRED,
    TYPHOON_BOOST,
    TYPHOON_MONTHS,
    WEEKDAY_FACTOR,
    YEARS,
    describe,
    repeat_pick,
)
from petitions.models import Case, CaseTransfer, Category, Event, MonthlyRollup, Subcategory
from petitions.rollups import rebuild_rollups
from tainan_rdec.models import Agency, District
from tainan_rdec.workdays import TAIPEI, WorkingCalendar


def _cum(weights) -> list[float]:
    return list(accumulate(weights))


HOUR_CUM = _cum(HOUR_WEIGHTS)


def _pick(rng: random.Random, items: list, cum: list[float]):
    return items[bisect_right(cum, rng.random() * cum[-1])]


def _five_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - YEARS, day=28)


class _Reference:
    """The rows the generator picks from, read once, as plain tuples with cumulative weights:
    a district is (pk, name, ``SPOTS`` coordinates in it, district office pk), a subcategory (pk,
    category pk, name, time limit, handling agency pks or None for the district office, their
    cumulative weights)."""

    def __init__(self, rng: random.Random):
        subs = list(Subcategory.objects.select_related("category").order_by("code"))
        if not subs:
            raise RuntimeError("no case categories: run migrate first")
        agencies = Agency.objects.in_bulk(field_name="code")
        fallback = agencies.get("B06") or next(iter(agencies.values()))
        by_name = {d.name: d for d in District.objects.order_by("code")}
        self.districts = [
            (d.pk, d.name, _spots(rng, d.name), agencies.get(f"D{d.code}", fallback).pk)
            for name, d in by_name.items()
            if name in DISTRICTS
        ]
        self.district_cum = _cum(DISTRICTS[d[1]][0] for d in self.districts)
        self.event_districts = [d for d in self.districts if d[1] in EVENT_DISTRICTS]
        self.event_district_cum = _cum(EVENT_DISTRICTS[d[1]] for d in self.event_districts)

        self.subs: dict[str, list[tuple]] = {}
        for sub in subs:
            rule = AGENCIES_BY_SUBCATEGORY.get(sub.name) or AGENCIES_BY_CATEGORY.get(
                sub.category.name, [("B06", 1)]
            )
            handlers = [
                None if code == DISTRICT_OFFICE else agencies.get(code, fallback).pk
                for code, _w in rule
            ]
            self.subs.setdefault(sub.category.name, []).append(
                (
                    sub.pk,
                    sub.category_id,
                    sub.name,
                    sub.effective_time_limit,
                    handlers,
                    _cum(w for _c, w in rule),
                )
            )
        self.categories = list(self.subs)
        # The first subcategory of a category is the commonest.
        self.sub_cum = {
            name: _cum(3 if i == 0 else 1 for i in range(len(items)))
            for name, items in self.subs.items()
        }
        self.category_cum_by_month = {}
        for month in range(1, 13):
            boost = TYPHOON_BOOST if month in TYPHOON_MONTHS else {}
            self.category_cum_by_month[month] = _cum(
                CATEGORY_WEIGHTS.get(name, 1) * boost.get(name, 1) for name in self.categories
            )
        self.event_categories = [c for c in EVENT_CATEGORIES if c in self.subs]
        self.event_category_cum = _cum(EVENT_CATEGORIES[c] for c in self.event_categories)
        self.slow = {agencies[c].pk: v for c, v in SLOW_AGENCIES.items() if c in agencies}
        self.other_agency_ids = sorted(a.pk for a in agencies.values() if a.kind != "hotline")
        self.channels = [str(c) for c in CHANNELS]
        self.channel_cum = _cum(CHANNELS.values())


def _spots(rng: random.Random, district: str) -> list[tuple[Decimal, Decimal]]:
    """Coordinates scattered around the district's centre, made once (not per case)."""
    _population, lat, lng = DISTRICTS[district]
    return [
        (
            Decimal(f"{lat + (rng.random() - 0.5) * 0.04:.6f}"),
            Decimal(f"{lng + (rng.random() - 0.5) * 0.04:.6f}"),
        )
        for _ in range(SPOTS)
    ]


def _people(rng: random.Random, n: int = 4096) -> list[tuple[str, str, str]]:
    """A pool of fake petitioners (name, mobile, e-mail or "")."""
    pool = []
    for i in range(n):
        surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2])
        phone = f"09{rng.randint(10, 99)}-{rng.randint(0, 999):03d}-{rng.randint(0, 999):03d}"
        email = (
            f"user{i:04d}{rng.randint(10, 99)}@{rng.choice(MAIL_DOMAINS)}"
            if rng.random() < 0.4
            else ""
        )
        pool.append((surname + given, phone, email))
    return pool


def _daily_counts(start: date, end: date, n: int, calendar: WorkingCalendar) -> list[int]:
    """How many cases each day in [start, end] receives, summing to n (largest remainder)."""
    days = (end - start).days + 1
    weights = []
    for i in range(days):
        day = start + timedelta(days=i)
        w = MONTH_FACTOR[day.month - 1] * WEEKDAY_FACTOR[day.weekday()]
        if day.weekday() < 5 and not calendar.is_working_day(day):
            w *= HOLIDAY_FACTOR
        w *= 1 + GROWTH_PER_YEAR * i / 365
        weights.append(w)
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    short = n - sum(counts)
    for i in sorted(range(days), key=lambda i: counts[i] - exact[i])[:short]:
        counts[i] += 1
    return counts


COLUMNS = (
    "case_number",
    "channel",
    "received_at",
    "subcategory",
    "category",
    "district",
    "address",
    "latitude",
    "longitude",
    "description",
    "handling_agency",
    "due_date",
    "first_response_at",
    "closed_at",
    "status",
    "processing_days",
    "closed_on_time",
    "reopened_count",
    "satisfaction",
    "event",
    "petitioner_name",
    "petitioner_phone",
    "petitioner_email",
    "receiving_agency",
    "updated_at",
)


def generate_cases(n: int, *, stdout=None, seed: int = 20240326, today: date | None = None) -> int:
    """Write ``n`` demo cases received over the five years before ``today`` (default: the local
    date) and rebuild the rollups. Returns the number of cases written: 0 when the case table
    is not empty (nothing is written)."""
    if n <= 0:
        return 0
    if Case.objects.exists():
        if not MonthlyRollup.objects.exists():
            # Rollups are derived data: a migration that reshapes them leaves them empty.
            rebuild_rollups()
        if stdout:
            stdout.write("  已有案件資料，略過產生示範案件")
        return 0
    began = clock.perf_counter()
    today = today or timezone.localdate()
    start = _five_years_before(today) + timedelta(days=1)
    # Due dates and late closes run past today: a year of margin.
    calendar = WorkingCalendar.for_years(start.year, today.year + 1)
    rng = random.Random(seed)
    ref = _Reference(rng)
    people = _people(rng)
    now = datetime.combine(today, time(7, 0), TAIPEI)

    event = None
    event_extra = 0
    if start <= EVENT_START and EVENT_END < today:
        event_extra = int(n * EVENT_SHARE)
        event = _event(ref)
    counts = _daily_counts(start, today - timedelta(days=1), n - event_extra, calendar)
    event_days = (EVENT_END - EVENT_START).days + 1
    writer = _Writer(now)

    with transaction.atomic():
        for offset, count in enumerate(counts):
            day = start + timedelta(days=offset)
            extra = 0
            if event and EVENT_START <= day <= EVENT_END:
                index = (day - EVENT_START).days
                extra = event_extra // event_days + (index < event_extra % event_days)
            for row, misrouted in _cases_of_day(
                day, count, extra, rng, ref, calendar, people, event, now
            ):
                writer.add(row, misrouted)
            if len(writer.rows) >= BATCH:
                writer.flush()
                if stdout and writer.written % 100_000 < BATCH:
                    stdout.write(f"  已產生 {writer.written:,} 件")
        writer.flush()
        rows = rebuild_rollups()
    if stdout:
        elapsed = clock.perf_counter() - began
        rate = writer.written / elapsed
        stdout.write(
            f"  示範案件 {writer.written:,} 件、統計 {rows:,} 列（{elapsed:.1f} 秒，"
            f"每秒 {rate:,.0f} 件）"
        )
    return writer.written


def _event(ref: _Reference) -> Event:
    event, created = Event.objects.get_or_create(
        name=EVENT_NAME,
        defaults={"start_date": EVENT_START, "end_date": EVENT_END, "area": EVENT_AREA},
    )
    if created:
        event.districts.set([d[0] for d in ref.event_districts])
        event.categories.set(Category.objects.filter(name__in=ref.event_categories))
    return event


class _Writer:
    """Inserts case rows ``BATCH`` at a time with one ``executemany`` each. Not
    ``bulk_create``: building model instances and compiling the INSERT per row cost more than
    the database (SQLite lets Django put only 999 parameters, 39 cases, in one statement), and
    the generator must stay above 20,000 cases a second. The values are adapted with the
    backend's own ``adapt_*`` operations, as the ORM would."""

    def __init__(self, now: datetime):
        meta = Case._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
        self.adapt = _datetime_adapter()
        self.updated_at = self.adapt(now)
        self.rows: list[list] = []
        self.transfers: dict[str, list[int]] = {}
        self.written = 0

    def add(self, row: list, misrouted: list[int]) -> None:
        adapt = self.adapt
        if misrouted:
            # case number -> every agency it went to, the handling agency last.
            self.transfers[row[0]] = [*misrouted, row[10]]
        row[2] = adapt(row[2])
        row[12] = adapt(row[12])
        row[13] = adapt(row[13])
        # receiving_agency: the first agency a transferred case went to.
        row.append(misrouted[0] if misrouted else None)
        row.append(self.updated_at)
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.written += len(self.rows)
        self.rows = []
        if self.transfers:
            ids = dict(
                Case.objects.filter(case_number__in=list(self.transfers)).values_list(
                    "case_number", "pk"
                )
            )
            steps: dict[int, list[CaseTransfer]] = {}
            for number, chain in self.transfers.items():
                for step, (from_agency, to_agency) in enumerate(pairwise(chain)):
                    steps.setdefault(step, []).append(
                        CaseTransfer(
                            case_id=ids[number],
                            from_agency_id=from_agency,
                            to_agency_id=to_agency,
                            reason="非屬本機關權責，改分權責機關",
                        )
                    )
            # ``at`` is auto_now_add: set afterwards, one UPDATE per step. The first transfer is
            # made the day the case was received, each next one a day later.
            received = Subquery(
                Case.objects.filter(pk=OuterRef("case_id")).values("received_at")[:1]
            )
            for step, transfers in sorted(steps.items()):
                made = CaseTransfer.objects.bulk_create(transfers, batch_size=BATCH)
                at = (
                    received
                    if step == 0
                    else ExpressionWrapper(
                        received + Value(timedelta(days=step)), output_field=DateTimeField()
                    )
                )
                CaseTransfer.objects.filter(pk__in=[t.pk for t in made]).update(at=at)
            self.transfers = {}


def _datetime_adapter():
    """The backend's ``adapt_datetimefield_value``; on SQLite the same conversion (to the
    connection's time zone, naive, as text) without the settings lookups per value."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    db_tz = connection.timezone

    def adapt(value):
        return None if value is None else str(value.astimezone(db_tz).replace(tzinfo=None))

    return adapt


def _cases_of_day(day, count, extra, rng, ref, calendar, people, event, now):
    """The day's case rows (``COLUMNS`` but ``updated_at``) in order of receipt, numbered
    UNyyyymmdd0001…, each with the agencies it went to before its handling agency, in order
    ([] for a case dispatched right the first time)."""
    category_cum = ref.category_cum_by_month[day.month]
    draws = []
    rand = rng.random
    for i in range(count + extra):
        if i < count:
            category = _pick(rng, ref.categories, category_cum)
            district = _pick(rng, ref.districts, ref.district_cum)
        else:
            category = _pick(rng, ref.event_categories, ref.event_category_cum)
            district = _pick(rng, ref.event_districts, ref.event_district_cum)
        hour = bisect_right(HOUR_CUM, rand() * HOUR_CUM[-1])
        draws.append((hour * 3600 + int(rand() * 3600), category, district, i >= count))
    draws.sort(key=lambda d: d[0])
    midnight = datetime.combine(day, time.min, TAIPEI)
    in_event = event is not None and EVENT_START <= day <= EVENT_END
    prefix = f"UN{day:%Y%m%d}"
    result = []
    previous = None  # the day's last call that was not a repeat
    for seq, (seconds, category, district, spike) in enumerate(draws, start=1):
        # A share of the calls repeat the call before them about the same problem: same
        # category, district, place and complaint, in other words (one problem, many callers).
        # Decided and copied without drawing, so the rest of the log stays as it was.
        repeat = previous is not None and seconds % REPEAT_EVERY == 0
        if repeat:
            category, district = previous[0], previous[1]
        sub_id, category_id, sub_name, limit, items, cum = _pick(
            rng, ref.subs[category], ref.sub_cum[category]
        )
        district_id, district_name, spots, office_id = district
        agency_id = _pick(rng, items, cum) or office_id
        received_at = midnight + timedelta(seconds=seconds)
        due = calendar.add_working_days(day, limit)
        late_share, open_share = ref.slow.get(agency_id, (LATE, NEVER_CLOSED))
        r = rand()
        if r < open_share:
            days = None  # never closed: an old overdue case still open
        elif r < open_share + late_share:
            days = limit + 1 + int(rng.expovariate(1 / (2 + limit / 2)))
        elif rand() < SAME_DAY:
            days = 0
        else:
            days = 1 + int(rand() * limit)
        name, phone, email = people[int(rand() * len(people))]
        road = ROADS[int(rand() * len(ROADS))]
        number = int(rand() * 300) + 1
        channel = _pick(rng, ref.channels, ref.channel_cum)
        spot = spots[int(rand() * SPOTS)]
        pick = seconds + number * 13
        if repeat:
            _category, _district, road, number, spot, first_pick = previous
            pick = repeat_pick(category, first_pick, seconds)
        else:
            previous = (category, district, road, number, spot, pick)
        place = f"{district_name}{road}{number}號前"
        row = [
            f"{prefix}{seq:04d}",
            channel,
            received_at,
            sub_id,
            category_id,
            district_id,
            f"臺南市{district_name}{road}{number}號",
            *spot,
            describe(category, sub_name, place, road, pick),
            agency_id,
            due,
            None,  # first_response_at
            None,  # closed_at
            IN_PROGRESS,
            None,  # processing_days
            None,  # closed_on_time
            0,  # reopened_count
            None,  # satisfaction
            event.pk if in_event and (spike or _watched(category, district_name)) else None,
            name,
            phone,
            email,
        ]
        _outcome(row, days, seconds, due, rng, calendar, now, agency_id in ref.slow)
        misrouted = []  # the agencies it went to before its handling agency, in order
        if rand() < TRANSFERRED:
            others = ref.other_agency_ids
            index = int(rand() * len(others))
            wrong = others[index]
            if wrong != agency_id:
                misrouted.append(wrong)
                # A third of them went to a second wrong agency first (a transfer chain).
                second = others[(index + number) % len(others)]
                if number % 3 == 0 and second not in (wrong, agency_id):
                    misrouted.append(second)
        result.append((row, misrouted))
    return result


def _watched(category: str, district_name: str) -> bool:
    return category in EVENT_CATEGORIES and district_name in EVENT_DISTRICTS


def _outcome(row, days, seconds, due, rng, calendar, now, slow) -> None:
    """Close the case ``days`` working days after receipt (0: the same day) unless that is
    still to come; some closed cases are reopened (and closed again later)."""
    received_at = row[2]
    first_response = received_at + timedelta(minutes=20 + int(rng.random() * 600))
    row[12] = first_response
    if days is None:
        return
    r = rng.random()
    reopened = r < REOPENED + STILL_REOPENED
    if reopened:
        # The first close was withdrawn; the final one comes a few working days later.
        days += 2 + int(rng.random() * 4)
        row[17] = 1
    received_on = received_at.date()
    if days == 0:
        closed_at = received_at + timedelta(seconds=int(rng.random() * (86_399 - seconds)))
        closed_on = received_on
    else:
        closed_on = calendar.add_working_days(received_on, days)
        closed_at = datetime.combine(closed_on, OFFICE_OPENS, TAIPEI) + timedelta(
            seconds=int(rng.random() * 9 * 3600)
        )
    if first_response > closed_at:
        row[12] = closed_at
    if closed_at >= now or (reopened and r >= REOPENED):
        row[14] = REOPENED_STATUS if reopened else IN_PROGRESS
        return
    row[13] = closed_at
    row[14] = CLOSED
    row[15] = HALF_DAY if days == 0 else Decimal(days)
    row[16] = closed_on <= due
    if rng.random() < RATED:
        weights = SLOW_SATISFACTION_CUM if slow else SATISFACTION_CUM
        row[18] = _pick(rng, SATISFACTION, weights)
