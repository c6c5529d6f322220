"""One problem, many callers (重複陳情歸併): a pothole reported by forty callers is one problem.

**The rule.** Two cases report the same problem when they are of the same category, were
received within ``PetitionSettings.grouping_working_days`` working days of each other (*default*
3), are within ``grouping_distance_m`` metres (*default* 50) *or* at the same normalised address,
and their descriptions are alike (``similar``: the share of two-character pieces they have in
common, at least ``SIMILARITY``). The relation is chained: a case like any case of a group joins
it, so a problem reported over a week by callers a few days apart stays one problem. A group has
two cases or more; a case in no group is a problem of its own.

*The same address* counts only with a house number (``normalise_address``: full-width to
half-width, 台 → 臺, spaces and the city's name dropped, floors and rooms after the 號 cut off):
a road alone is no place. The working-day span applies to both ways of being at one place, so a
pothole reported at one address in two different years is two problems.

**A reviewer's decision stays.** Cases a reviewer moved (a split or a merge: ``Case.group_kept``)
keep their group, and groups a reviewer made or changed (``ProblemGroup.kept``) are never
dissolved by regrouping; the grouping works on the other cases only.

**The full run** (``group_all``, the task ``petitions.tasks.group_cases_task``) reads the cases of
one category at a time in the order received, as a stream (the database hands them over in
chunks), keeping only the cases of the last few working days in memory: a window indexed by a
grid of ``distance``-sized cells (a case's neighbours are in its own and the eight cells around)
and by address. Memory therefore grows with the busiest few days of one category, not with the
table; the union-find of the groups keeps one entry per case of the category. The groups are
then written in bulk.
"""

from __future__ import annotations

import math
import re
import time as clock
import unicodedata
from collections import deque
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from petitions.models import Case, Category, PetitionSettings, ProblemGroup
from tainan_rdec.workdays import WorkingCalendar, to_local_date

# Two descriptions are alike when at least this share of their two-character pieces (of the
# pieces of both) is shared: "中華路一段路面坑洞，機車危險" and "中華路一段有坑洞很危險"
# share 0.375.
SIMILARITY = 0.3
# Only the start of a description is compared: callers say what is wrong first.
DESCRIPTION_CHARS = 120
METRES_PER_DEGREE = 111_320.0
READ_CHUNK = 5_000
WRITE_BATCH = 2_000

_NOT_TEXT = re.compile(r"[\W_]+")
_HOUSE_NUMBER = re.compile(r"^(.*?\d+號(?:之\d+)?)")


def normalise_address(address: str) -> str:
    """The address as a place: "" when it has no house number (a road alone is no place)."""
    text = unicodedata.normalize("NFKC", address or "").replace("台", "臺")
    text = re.sub(r"\s+", "", text)
    text = text.removeprefix("臺南市")
    match = _HOUSE_NUMBER.match(text)
    return match.group(1) if match else ""


def pieces(description: str) -> frozenset[str]:
    """The two-character pieces of a description's text (punctuation and spaces dropped)."""
    text = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", description or ""))[:DESCRIPTION_CHARS]
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) >= SIMILARITY


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Metres between two points a few hundred metres apart at most (flat-earth is exact
    enough there: within 0.1% at Tainan's latitude)."""
    y = (lat2 - lat1) * METRES_PER_DEGREE
    x = (lng2 - lng1) * METRES_PER_DEGREE * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, y)


@dataclass(frozen=True)
class Rules:
    distance_m: float
    working_days: int

    @classmethod
    def current(cls) -> Rules:
        settings = PetitionSettings.get()
        return cls(float(settings.grouping_distance_m), settings.grouping_working_days)


@dataclass
class _Case:
    pk: int
    day: int  # working days since the calendar's start
    lat: float | None
    lng: float | None
    cell: tuple[int, int] | None
    address: str
    pieces: frozenset[str]


class _Window:
    """The cases of one category received in the last few working days, by grid cell and by
    address, oldest first."""

    def __init__(self, rules: Rules, latitude: float):
        self.span = rules.working_days
        self.distance = rules.distance_m
        self.lat_step = rules.distance_m / METRES_PER_DEGREE
        self.lng_step = self.lat_step / math.cos(math.radians(latitude))
        self.cases: deque[_Case] = deque()
        self.cells: dict[tuple[int, int], list[_Case]] = {}
        self.addresses: dict[str, list[_Case]] = {}

    def cell(self, lat: float, lng: float) -> tuple[int, int]:
        return (math.floor(lat / self.lat_step), math.floor(lng / self.lng_step))

    def forget_before(self, day: int) -> None:
        while self.cases and self.cases[0].day < day - self.span:
            old = self.cases.popleft()
            if old.cell is not None:
                self._drop(self.cells, old.cell, old)
            if old.address:
                self._drop(self.addresses, old.address, old)

    @staticmethod
    def _drop(index: dict, key, case: _Case) -> None:
        bucket = index[key]
        bucket.remove(case)
        if not bucket:
            del index[key]

    def neighbours(self, case: _Case):
        """The cases in the window at the same place as ``case``."""
        seen = set()
        if case.cell is not None:
            row, column = case.cell
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    for other in self.cells.get((row + dr, column + dc), ()):
                        if distance_m(case.lat, case.lng, other.lat, other.lng) <= self.distance:
                            seen.add(other.pk)
                            yield other
        if case.address:
            for other in self.addresses.get(case.address, ()):
                if other.pk not in seen:
                    yield other

    def add(self, case: _Case) -> None:
        self.cases.append(case)
        if case.cell is not None:
            self.cells.setdefault(case.cell, []).append(case)
        if case.address:
            self.addresses.setdefault(case.address, []).append(case)


class _Groups:
    """Union-find over case primary keys."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, pk: int) -> int:
        parent = self.parent
        root = pk
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(pk, pk) != root:  # path compression
            parent[pk], pk = root, parent[pk]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The earlier case's root stays the root: a group is named by its first case.
            self.parent[max(ra, rb)] = min(ra, rb)

    def members(self) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for pk in list(self.parent):
            groups.setdefault(self.find(pk), []).append(pk)
        for root, pks in groups.items():
            if root not in pks:
                pks.append(root)
            pks.sort()
        return groups


class _WorkingDayIndex:
    """Working days since a start date, for any received date, from one calendar."""

    def __init__(self, first: date, last: date):
        self.start = first
        self.calendar = WorkingCalendar.for_years(first.year, last.year + 1)
        self.known: dict[date, int] = {}

    def __call__(self, day: date) -> int:
        index = self.known.get(day)
        if index is None:
            index = self.known[day] = self.calendar.working_days_between(self.start, day)
        return index


def _group_category(category_id: int, rules: Rules, days: _WorkingDayIndex) -> dict[int, list]:
    """The groups of one category's cases left to the grouping: {first case pk: [case pks]}."""
    window = _Window(rules, latitude=23.0)
    groups = _Groups()
    rows = (
        Case.objects.filter(category_id=category_id, group_kept=False)
        .order_by("received_at", "pk")
        .values_list("pk", "received_at", "latitude", "longitude", "address", "description")
        .iterator(chunk_size=READ_CHUNK)
    )
    for pk, received_at, latitude, longitude, address, description in rows:
        located = latitude is not None and longitude is not None
        lat = float(latitude) if located else None
        lng = float(longitude) if located else None
        case = _Case(
            pk=pk,
            day=days(to_local_date(received_at)),
            lat=lat,
            lng=lng,
            cell=window.cell(lat, lng) if located else None,
            address=normalise_address(address),
            pieces=pieces(description),
        )
        window.forget_before(case.day)
        for other in window.neighbours(case):
            if similar(case.pieces, other.pieces):
                groups.union(other.pk, pk)
        window.add(case)
    return {root: pks for root, pks in groups.members().items() if len(pks) > 1}


@dataclass
class Outcome:
    """What a full run did."""

    cases: int
    groups: int
    grouped_cases: int
    seconds: float


def group_all(rules: Rules | None = None) -> Outcome:
    """Regroup every case left to the grouping (not placed by a reviewer), replacing the
    groups the grouping made before. Idempotent: the same cases give the same groups."""
    started = clock.monotonic()
    rules = rules or Rules.current()
    bounds = Case.objects.order_by("received_at").values_list("received_at", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None:
        return Outcome(0, 0, 0, 0.0)
    days = _WorkingDayIndex(to_local_date(first), to_local_date(last))
    found: list[tuple[int, list[int]]] = []
    for category_id in Category.objects.order_by("pk").values_list("pk", flat=True):
        found += [(category_id, pks) for pks in _group_category(category_id, rules, days).values()]
    with transaction.atomic():
        _replace_groups(found)
    return Outcome(
        cases=Case.objects.count(),
        groups=len(found),
        grouped_cases=sum(len(pks) for _c, pks in found),
        seconds=clock.monotonic() - started,
    )


def _replace_groups(found: list[tuple[int, list[int]]]) -> None:
    """Drop the grouping's own groups and write ``found`` in their place; a reviewer's groups
    and the cases a reviewer placed stay."""
    Case.objects.filter(problem_group__isnull=False, group_kept=False).update(problem_group=None)
    ProblemGroup.objects.filter(kept=False).delete()
    firsts = {
        pk: row
        for pk, *row in Case.objects.filter(pk__in=[pks[0] for _c, pks in found]).values_list(
            "pk", "handling_agency_id", "latitude", "longitude", "address"
        )
    }
    spans = _received_spans(found)
    groups = [
        ProblemGroup(
            category_id=category_id,
            handling_agency_id=firsts[pks[0]][0],
            latitude=firsts[pks[0]][1],
            longitude=firsts[pks[0]][2],
            address=firsts[pks[0]][3],
            first_received_at=spans[pks[0]][0],
            last_received_at=spans[pks[0]][1],
            case_count=len(pks),
        )
        for category_id, pks in found
    ]
    ProblemGroup.objects.bulk_create(groups, batch_size=WRITE_BATCH)
    _assign(
        [
            (case_pk, group.pk)
            for group, (_c, pks) in zip(groups, found, strict=True)
            for case_pk in pks
        ]
    )


def _received_spans(found) -> dict[int, tuple]:
    """{first case pk: (first, last received_at)} for each group, read in batches."""
    owner = {case_pk: pks[0] for _c, pks in found for case_pk in pks}
    spans: dict[int, list] = {}
    pks = list(owner)
    for start in range(0, len(pks), WRITE_BATCH * 5):
        for pk, received_at in Case.objects.filter(
            pk__in=pks[start : start + WRITE_BATCH * 5]
        ).values_list("pk", "received_at"):
            span = spans.setdefault(owner[pk], [received_at, received_at])
            span[0], span[1] = min(span[0], received_at), max(span[1], received_at)
    return {key: (low, high) for key, (low, high) in spans.items()}


def _assign(pairs: list[tuple[int, int]]) -> None:
    """Set each case's group, in bulk: one UPDATE … FROM (VALUES …) per batch on PostgreSQL,
    a batch of UPDATEs elsewhere."""
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), WRITE_BATCH):
            batch = pairs[start : start + WRITE_BATCH]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s, %s)"] * len(batch))
                cursor.execute(
                    f"UPDATE {table} AS c SET problem_group_id = v.group_id "
                    f"FROM (VALUES {values}) AS v(case_id, group_id) WHERE c.id = v.case_id",
                    [value for pair in batch for value in pair],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET problem_group_id = %s WHERE id = %s",
                    [(group_id, case_id) for case_id, group_id in batch],
                )
