"""One problem, many callers (重複陳情歸併): a pothole reported by forty callers is one problem.

**The rule.** Two cases report the same problem when they are of the same category, were
received within ``PetitionSettings.grouping_working_days`` working days of each other (*default*
3), are within ``grouping_distance_m`` metres (*default* 50) *or* at the same normalised address,
and their descriptions are alike (``similar``: the share of two-character pieces they have in
common, at least ``SIMILARITY``). The relation is chained: a case like any case of a group joins
it, so a problem reported over a week by callers a few days apart stays one problem. A group has
two cases or more; a case in no group is a problem of its own. The groups are therefore the
connected pieces of the graph whose edges are the pairs the rule links (``linked``), whatever
the order the cases arrive in.

*The same address* counts only with a house number (``normalise_address``: full-width to
half-width, 台 → 臺, spaces and the city's name dropped, floors and rooms after the 號 cut off):
a road alone is no place. The working-day span applies to both ways of being at one place, so a
pothole reported at one address in two different years is two problems.

**The first call.** A group's ``first_case`` is its earliest received case (of two received at
one moment, the one registered first); the others are repeat calls, counted in the rollups'
``repeat_calls`` so that statistics show calls and problems side by side. Every change of a
group here returns the cases whose mark changed (``RepeatChange``) for the caller to put into
the rollups (``petitions.services.apply_repeat_changes``, or a rebuild of their days).

**A reviewer's decision stays.** Cases a reviewer moved (a split or a merge: ``Case.group_kept``)
keep their group, and groups a reviewer made or changed (``ProblemGroup.kept``) are never
dissolved by regrouping; the grouping works on the other cases only (a kept group's cases are
all marked, so a later caller of a kept problem starts a group of its own).

**The full run** (``group_all``, the task ``petitions.tasks.group_cases_task``, nightly) reads the
cases of one category at a time in the order received, as a stream, keeping only the cases of
the last few working days in memory: a window indexed by a grid of ``distance``-sized cells (a
case's neighbours are in its own and the eight cells around) and by address. Memory therefore
grows with the busiest few days of one category, not with the table. The groups are then
written in bulk.

**As cases arrive** (``Arrivals``: ``register_case``, each chunk of the ordinary import), the new
cases are linked to the cases of their category already registered within the working-day
window — the open groups and the recent cases — and to each other; a new case that links two
groups merges them. Adding a case with its links to the graph joins exactly the pieces it
touches, so the groups after each chunk are the groups the full run gives on the same cases
(tested). The cases of the days a chunk needs are read once and kept while memory allows
(``CACHE_LIMIT``).

**After an import** (``Arrivals.sweep``, the fast import), the new cases, all written, are linked
in one pass over the dates their windows cover, in the order received, as the full run reads
them, a pair counting when either case is new; the pieces are joined as above. A file in any
order reads each date once, in memory that holds a few working days of each category.

Grouping writes take one lock (``hold_lock``, a PostgreSQL transaction lock): an import, a full
run and a reviewer's split or merge never interleave; ``register_case`` does not wait for it and
leaves the case to the nightly run when another grouping holds it.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
import time as clock
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from hashlib import blake2b

from django.db import connection, transaction
from django.db.models import Q

from petitions.models import Case, Category, PetitionSettings, ProblemGroup
from tainan_rdec.workdays import TAIPEI, WorkingCalendar, to_local_date

# Two descriptions are alike when at least this share of their two-character pieces (of the
# pieces of both) is shared: "中華路一段路面坑洞，機車危險" and "中華路一段有坑洞很危險"
# share 0.375.
SIMILARITY = 0.3
# Only the start of a description is compared: callers say what is wrong first.
DESCRIPTION_CHARS = 120
# What a case held in memory keeps of its description, its text made only when it is compared
# (most cases have nobody at their place): enough to hold the compared start however much
# punctuation and space come first.
_HELD_CHARS = 4 * DESCRIPTION_CHARS
METRES_PER_DEGREE = 111_320.0
# Tainan's latitude: the grid's cells are ``distance`` metres wide there.
LATITUDE = 23.0
READ_CHUNK = 5_000
WRITE_BATCH = 2_000
# Cases kept in memory between chunks of one import (about 600 bytes each).
CACHE_LIMIT = 200_000
# The calendar days of registered cases read in one query when a chunk needs them.
DAYS_PER_READ = 31
# The runs of consecutive dates one query of registered cases reads (a condition each).
RUNS_PER_READ = 50

_NOT_TEXT = re.compile(r"[\W_]+")
_HOUSE_NUMBER = re.compile(r"^(.*?\d+號(?:之\d+)?)")
# The lock every grouping write takes (a 64-bit advisory lock key).
LOCK_KEY = int.from_bytes(
    blake2b(b"petitions.grouping", digest_size=8).digest(), "big", signed=True
)


@functools.lru_cache(maxsize=2**16)  # a place's callers give its address again and again
def normalise_address(address: str) -> str:
    """The address as a place: "" when it has no house number (a road alone is no place)."""
    text = unicodedata.normalize("NFKC", address or "").replace("台", "臺")
    text = re.sub(r"\s+", "", text)
    text = text.removeprefix("臺南市")
    match = _HOUSE_NUMBER.match(text)
    return match.group(1) if match else ""


def description_text(description: str) -> str:
    """The part of a description the rule compares: its start, punctuation and spaces dropped."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", description or ""))[:DESCRIPTION_CHARS]


def text_pieces(text: str) -> frozenset[str]:
    """The two-character pieces of a ``description_text``."""
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(map(operator.add, text, text[1:]))  # each character with the next


def pieces(description: str) -> frozenset[str]:
    """The two-character pieces of a description's text (punctuation and spaces dropped)."""
    return text_pieces(description_text(description))


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


class _Case:
    """A case as the rule sees it. The text and pieces of its description are made when first
    compared (most cases have nobody at their place to be compared with)."""

    __slots__ = (
        "_pieces",
        "address",
        "agency",
        "category",
        "cell",
        "day",
        "description",
        "group",
        "lat",
        "lng",
        "new",
        "pk",
    )

    def __init__(self, pk, category, agency, day, lat, lng, cell, address, description, group=None):
        self.pk = pk
        self.category = category
        self.agency = agency
        self.day = day  # working days since the day index's start
        self.lat = lat
        self.lng = lng
        self.cell = cell
        self.address = address
        self.description = description  # its start (``_HELD_CHARS``), read when compared
        self.group = group  # its ProblemGroup pk while grouped (Arrivals only)
        self.new = False  # one of the cases whose links count (``_links``)
        self._pieces = None

    @property
    def pieces(self) -> frozenset[str]:
        if self._pieces is None:
            self._pieces = pieces(self.description)
        return self._pieces


class _Places:
    """Cases of one category by grid cell and by address: who is at the same place as a case."""

    def __init__(self, rules: Rules):
        self.distance = rules.distance_m
        self.lat_step = rules.distance_m / METRES_PER_DEGREE
        self.lng_step = self.lat_step / math.cos(math.radians(LATITUDE))
        self.cells: dict[tuple[int, int], list[_Case]] = {}
        self.addresses: dict[str, list[_Case]] = {}

    def cell(self, lat: float | None, lng: float | None) -> tuple[int, int] | None:
        if lat is None or lng is None:
            return None
        return (math.floor(lat / self.lat_step), math.floor(lng / self.lng_step))

    def add(self, case: _Case) -> None:
        if case.cell is not None:
            self.cells.setdefault(case.cell, []).append(case)
        if case.address:
            self.addresses.setdefault(case.address, []).append(case)

    def remove(self, case: _Case) -> None:
        if case.cell is not None:
            self._drop(self.cells, case.cell, case)
        if case.address:
            self._drop(self.addresses, case.address, case)

    @staticmethod
    def _drop(index: dict, key, case: _Case) -> None:
        bucket = index[key]
        bucket.remove(case)
        if not bucket:
            del index[key]

    def neighbours(self, case: _Case):
        """The cases held at the same place as ``case`` (within the distance, or at the same
        address), each once."""
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


def linked(case: _Case, other: _Case, span: int) -> bool:
    """The rule, for two cases already known to be of one category at one place."""
    return abs(case.day - other.day) <= span and similar(case.pieces, other.pieces)


class _Window(_Places):
    """The cases of one category received in the last few working days, oldest first."""

    def __init__(self, rules: Rules):
        super().__init__(rules)
        self.span = rules.working_days
        self.cases: deque[_Case] = deque()

    def forget_before(self, day: int) -> None:
        while self.cases and self.cases[0].day < day - self.span:
            self.remove(self.cases.popleft())

    def add(self, case: _Case) -> None:
        self.cases.append(case)
        super().add(case)


class _Groups:
    """Union-find over integer nodes (case primary keys; ``Arrivals`` adds groups as negative
    numbers). The smaller node stays the root."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(node, node) != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def members(self) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for node in list(self.parent):
            groups.setdefault(self.find(node), []).append(node)
        for root, nodes in groups.items():
            if root not in nodes:
                nodes.append(root)
            nodes.sort()
        return groups


class _DayIndex:
    """Working days since ``start`` for any date, from one calendar; negative before it. Only
    differences matter: the number of working days in (a, b] is ``index(b) − index(a)``."""

    def __init__(self, start: date, calendar: WorkingCalendar | None = None):
        self.start = start
        self.calendar = calendar or WorkingCalendar.for_years(start.year, start.year)
        self.known: dict[date, int] = {}

    def __call__(self, day: date) -> int:
        index = self.known.get(day)
        if index is None:
            between = self.calendar.working_days_between
            index = between(self.start, day) if day >= self.start else -between(day, self.start)
            self.known[day] = index
        return index

    def dates_within(self, day: date, span: int) -> tuple[date, date]:
        """The first and last calendar dates whose index is within ``span`` of ``day``'s."""
        index, one = self(day), timedelta(days=1)
        first = last = day
        while self(first - one) >= index - span:
            first -= one
        while self(last + one) <= index + span:
            last += one
        return first, last


def _case_of(row, places: _Places, days: _DayIndex, day: date | None = None) -> _Case:
    """A row of ``FIELDS`` (then maybe its group) as the rule sees it; ``day``, its local date
    of receipt, when the caller has it already."""
    pk, category, received_at, latitude, longitude, address, description, agency, *group = row
    located = latitude is not None and longitude is not None
    lat = float(latitude) if located else None
    lng = float(longitude) if located else None
    return _Case(
        pk,
        category,
        agency,
        days(day or to_local_date(received_at)),
        lat,
        lng,
        places.cell(lat, lng),
        normalise_address(address),
        held_description(description),
        group[0] if group else None,
    )


def held_description(description: str | None) -> str:
    """What a case held in memory keeps of its description (``_HELD_CHARS``)."""
    return (description or "")[:_HELD_CHARS]


# What a case is read as: ``_case_of`` takes these, then its group.
FIELDS = (
    "pk",
    "category_id",
    "received_at",
    "latitude",
    "longitude",
    "address",
    "description",
    "handling_agency_id",
)


# -- the first call and the rollups' repeat calls ----------------------------------------------


@dataclass(frozen=True)
class RepeatChange:
    """A case that became a repeat call of a problem (``repeat``) or stopped being one."""

    pk: int
    repeat: bool
    received_at: datetime


def repeat_marks(group_ids) -> dict[int, tuple[bool, datetime]]:
    """{case pk: (is a repeat call, received at)} for every case of the groups."""
    marks = {}
    for some in _batches(list(group_ids)):
        rows = Case.objects.filter(problem_group__in=some).values_list(
            "pk", "problem_group__first_case_id", "received_at"
        )
        for pk, first, received_at in rows:
            marks[pk] = (first != pk, received_at)
    return marks


def changes_between(before: dict, after: dict) -> list[RepeatChange]:
    """The cases whose mark differs between two ``repeat_marks`` (a case missing from one is
    no repeat call there: alone, or new)."""
    changes = []
    for pk in before.keys() | after.keys():
        was, at = before.get(pk, (False, None))
        now, at_now = after.get(pk, (False, None))
        if was != now:
            changes.append(RepeatChange(pk, now, at or at_now))
    return sorted(changes, key=lambda c: c.pk)


def refresh_groups(group_ids, *, marks: dict | None = None) -> set[int]:
    """Recount groups from their cases: count, first and last receipt, the first call and its
    agency and place. A group left with fewer than two cases is dissolved (its case is alone
    again). Returns the ids of the groups dissolved; ``marks``, when given, gets the
    ``repeat_marks`` of the groups kept (read with them rather than again)."""
    members: dict[int, list[tuple]] = {}
    ids = list(group_ids)
    groups = []
    for some in _batches(ids):
        groups += ProblemGroup.objects.filter(pk__in=some)
        rows = (
            Case.objects.filter(problem_group__in=some)
            .order_by("received_at", "pk")
            .values_list(
                "problem_group_id",
                "pk",
                "received_at",
                "handling_agency_id",
                "latitude",
                "longitude",
                "address",
            )
        )
        for group_id, *row in rows:
            members.setdefault(group_id, []).append(row)
    dissolved = {group.pk for group in groups if len(members.get(group.pk, ())) < 2}
    for group in groups:
        rows = members.get(group.pk)
        if group.pk in dissolved:
            continue
        first_pk, first_at, agency, latitude, longitude, address = rows[0]
        group.first_case_id = first_pk
        group.handling_agency_id = agency
        group.latitude, group.longitude, group.address = latitude, longitude, address
        group.first_received_at = first_at
        group.last_received_at = max(row[1] for row in rows)
        group.case_count = len(rows)
        if marks is not None:
            marks.update((row[0], (row[0] != first_pk, row[1])) for row in rows)
    save_group_fields([g for g in groups if g.pk not in dissolved])
    if dissolved:
        Case.objects.filter(problem_group__in=dissolved).update(problem_group=None)
        ProblemGroup.objects.filter(pk__in=dissolved).delete()
    return dissolved


def regroup_members(group: ProblemGroup) -> list[int]:
    """Regroup a group the grouping made after a case left it: its cases may now be several
    problems (the case that left linked them). The largest piece keeps the group, each other
    piece of two or more cases becomes a new group, and a case linked to none is alone. Returns
    the new groups' ids; the caller refreshes them and the group (``refresh_groups``)."""
    rules = Rules.current()
    rows = list(
        Case.objects.filter(problem_group=group).order_by("received_at", "pk").values_list(*FIELDS)
    )
    if not rows:
        return []
    days = _DayIndex(to_local_date(rows[0][2]))
    places = _Places(rules)
    links = _Groups()
    for row in rows:
        case = _case_of(row, places, days)
        for other in places.neighbours(case):
            if linked(case, other, rules.working_days):
                links.union(other.pk, case.pk)
        places.add(case)
    pieces = sorted(links.members().values(), key=lambda pks: (-len(pks), pks[0]))
    grouped = {pk for pks in pieces for pk in pks}
    alone = [row[0] for row in rows if row[0] not in grouped]
    made = [
        ProblemGroup(
            category_id=group.category_id,
            handling_agency_id=group.handling_agency_id,
            first_received_at=_EPOCH,
            last_received_at=_EPOCH,
            case_count=len(pks),
        )
        for pks in pieces[1:]
    ]
    ProblemGroup.objects.bulk_create(made)
    assign([(pk, new.pk) for new, pks in zip(made, pieces[1:], strict=True) for pk in pks])
    Case.objects.filter(pk__in=alone).update(problem_group=None)
    return [new.pk for new in made]


def hold_lock(*, wait: bool = True) -> bool:
    """Take the grouping lock until the end of the current transaction; False when ``wait``
    is off and another transaction holds it. Always True where there is no such lock (SQLite
    writes one transaction at a time anyway)."""
    if connection.vendor != "postgresql":
        return True
    if not connection.in_atomic_block:
        raise RuntimeError("the grouping lock is held for a transaction: call it inside one")
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


# -- the full run ------------------------------------------------------------------------------


def _group_category(category_id: int, rules: Rules, days: _DayIndex) -> dict[int, list]:
    """The groups of one category's cases left to the grouping: {first case pk: [case pks]}."""
    groups = _Groups()
    rows = (
        Case.objects.filter(category_id=category_id, group_kept=False)
        .order_by("received_at", "pk")
        .values_list(*FIELDS)
        .iterator(chunk_size=READ_CHUNK)
    )
    for case, other in _links(rows, rules, days):
        groups.union(other.pk, case.pk)
    return {root: pks for root, pks in groups.members().items() if len(pks) > 1}


def _links(rows, rules: Rules, days: _DayIndex, *, new=None):
    """Each pair of cases the rule links, ``(case, the earlier case)``, in rows (``FIELDS``,
    maybe then the group) read in the order received: each case is compared with the cases of
    its category at the same place in a window of the working days before it, so memory holds
    a few days of each category, whatever the number of rows. ``new``: only the pairs of which
    at least one case is in it (``in``) count (``_Case.new`` tells which)."""
    windows: dict[int, _Window] = {}
    span = rules.working_days
    for row in rows:
        window = windows.get(row[1])
        if window is None:
            window = windows[row[1]] = _Window(rules)
        case = _case_of(row, window, days)
        case.new = new is None or case.pk in new
        window.forget_before(case.day)
        for other in window.neighbours(case):
            if (case.new or other.new) and linked(case, other, span):
                yield case, other
        window.add(case)


@dataclass
class Outcome:
    """What a run did, and the cases whose repeat-call mark it changed."""

    cases: int
    groups: int
    grouped_cases: int
    seconds: float
    changes: list[RepeatChange] = field(default_factory=list)


@transaction.atomic
def group_all(rules: Rules | None = None) -> Outcome:
    """Regroup every case left to the grouping (not placed by a reviewer), replacing the
    groups the grouping made before. Idempotent: the same cases give the same groups. Holds
    the grouping lock throughout, so no import groups cases meanwhile."""
    started = clock.monotonic()
    hold_lock()
    rules = rules or Rules.current()
    first = Case.objects.order_by("received_at").values_list("received_at", flat=True).first()
    if first is None:
        return Outcome(0, 0, 0, 0.0)
    start = to_local_date(first)
    days = _DayIndex(start, WorkingCalendar.for_years(start.year, start.year))
    found: list[tuple[int, list[int]]] = []
    for category_id in Category.objects.order_by("pk").values_list("pk", flat=True):
        found += [(category_id, pks) for pks in _group_category(category_id, rules, days).values()]
    before = repeat_marks(
        list(ProblemGroup.objects.filter(kept=False).values_list("pk", flat=True))
    )
    new_ids = _replace_groups(found)
    after = repeat_marks(new_ids)
    return Outcome(
        cases=Case.objects.count(),
        groups=len(found),
        grouped_cases=sum(len(pks) for _c, pks in found),
        seconds=clock.monotonic() - started,
        changes=changes_between(before, after),
    )


def _replace_groups(found: list[tuple[int, list[int]]]) -> list[int]:
    """Write ``found`` over the grouping's own groups; a reviewer's groups and the cases a
    reviewer placed stay. Returns the ids of the groups written, in the order of ``found``.

    A group keeps its number while its problem goes on (a reviewer's bookmark, a link in a
    mail, the minutes of a meeting name it): each found group takes the number of the old
    group it shares the most cases with, each old number once (the larger share first, then
    the older group). Only what changed is written — the cases that moved, the groups whose
    counts or first call changed, the groups made and the groups no found group continues —
    so a nightly run over a quiet day writes next to nothing."""
    old_of = dict(
        Case.objects.filter(problem_group__isnull=False, group_kept=False)
        .values_list("pk", "problem_group_id")
        .iterator(chunk_size=READ_CHUNK)
    )
    ids = _continued_groups(found, old_of)
    firsts = _first_calls(found)

    def values(category_id: int, pks: list[int]) -> dict:
        first = firsts[pks[0]]
        return {
            "category_id": category_id,
            "first_case_id": first[0],
            "handling_agency_id": first[2],
            "latitude": first[3],
            "longitude": first[4],
            "address": first[5],
            "first_received_at": first[1],
            "last_received_at": first[6],
            "case_count": len(pks),
        }

    made = [
        ProblemGroup(**values(category_id, pks))
        for (category_id, pks), group_id in zip(found, ids, strict=True)
        if group_id is None
    ]
    ProblemGroup.objects.bulk_create(made, batch_size=WRITE_BATCH)
    new_ids = iter(group.pk for group in made)
    ids = [group_id if group_id is not None else next(new_ids) for group_id in ids]

    old_ids = set(old_of.values())
    kept_on = {group_id: n for n, group_id in enumerate(ids) if group_id in old_ids}
    changed = []
    for some in _batches(sorted(kept_on)):
        for group in ProblemGroup.objects.filter(pk__in=some):
            category_id, pks = found[kept_on[group.pk]]
            fresh = values(category_id, pks)
            if any(getattr(group, name) != value for name, value in fresh.items()):
                for name, value in fresh.items():
                    setattr(group, name, value)
                changed.append(group)
    save_group_fields(changed)

    new_of = {pk: group_id for (_c, pks), group_id in zip(found, ids, strict=True) for pk in pks}
    assign(
        [
            (pk, new_of.get(pk))
            for pk in sorted(old_of.keys() | new_of.keys())
            if old_of.get(pk) != new_of.get(pk)
        ]
    )
    written = set(ids)
    stale = [
        pk
        for pk in ProblemGroup.objects.filter(kept=False).values_list("pk", flat=True)
        if pk not in written
    ]
    for some in _batches(stale):
        ProblemGroup.objects.filter(pk__in=some).delete()
    return ids


def _batches(ids: list[int]):
    """``ids`` a ``WRITE_BATCH`` at a time: a query names at most that many (SQLite takes at
    most 32,766 parameters, and a city's five years make 76,807 groups)."""
    for start in range(0, len(ids), WRITE_BATCH):
        yield ids[start : start + WRITE_BATCH]


def _continued_groups(found, old_of: dict[int, int]) -> list[int | None]:
    """For each found group, the old group it continues (None: a new problem). A found group
    continues the old group it shares the most cases with; each old group is continued once,
    the larger share first, then the older group, then the earlier found group."""
    shares = []
    for n, (_category, pks) in enumerate(found):
        counts: dict[int, int] = {}
        for pk in pks:
            old = old_of.get(pk)
            if old is not None:
                counts[old] = counts.get(old, 0) + 1
        shares += [(-count, old, n) for old, count in counts.items()]
    ids: list[int | None] = [None] * len(found)
    taken = set()
    for _count, old, n in sorted(shares):
        if ids[n] is None and old not in taken:
            ids[n] = old
            taken.add(old)
    return ids


def _first_calls(found) -> dict[int, tuple]:
    """{a group's smallest pk: (first call's pk, its receipt, agency, latitude, longitude,
    address, the group's last receipt)}: the first call is the earliest received (then the
    smallest pk). Read in batches."""
    owner = {case_pk: pks[0] for _c, pks in found for case_pk in pks}
    firsts: dict[int, list] = {}
    pks = list(owner)
    for start in range(0, len(pks), WRITE_BATCH * 5):
        rows = Case.objects.filter(pk__in=pks[start : start + WRITE_BATCH * 5]).values_list(
            "pk", "received_at", "handling_agency_id", "latitude", "longitude", "address"
        )
        for row in rows:
            key = owner[row[0]]
            first = firsts.get(key)
            if first is None:
                firsts[key] = [*row, row[1]]
                continue
            if (row[1], row[0]) < (first[1], first[0]):
                firsts[key] = [*row, max(first[6], row[1])]
            else:
                first[6] = max(first[6], row[1])
    return {key: tuple(value) for key, value in firsts.items()}


def assign(pairs: list[tuple[int, int | None]]) -> None:
    """Set each case's group, in bulk: one UPDATE … FROM (VALUES …) per batch on PostgreSQL,
    a batch of UPDATEs elsewhere."""
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), WRITE_BATCH):
            batch = pairs[start : start + WRITE_BATCH]
            if connection.vendor == "postgresql":
                values = ", ".join(["(%s::bigint, %s::bigint)"] * len(batch))
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


# The fields of a group the grouping keeps, with the type each has in a VALUES list.
_GROUP_COLUMNS = {
    "category": "bigint",
    "first_case": "bigint",
    "handling_agency": "bigint",
    "latitude": "numeric",
    "longitude": "numeric",
    "address": "text",
    "first_received_at": "timestamptz",
    "last_received_at": "timestamptz",
    "case_count": "integer",
}


def save_group_fields(groups: list[ProblemGroup]) -> None:
    """Write the kept fields of these groups: one UPDATE … FROM (VALUES …) per batch on
    PostgreSQL; Django's ``bulk_update`` elsewhere. (``bulk_update`` builds a CASE WHEN per
    field and group, whose compiling was most of an import chunk's grouping time.)"""
    if not groups:
        return
    if connection.vendor != "postgresql":
        ProblemGroup.objects.bulk_update(groups, list(_GROUP_COLUMNS), batch_size=WRITE_BATCH)
        return
    fields = [ProblemGroup._meta.get_field(name) for name in _GROUP_COLUMNS]
    row = "(" + ", ".join(["%s::bigint", *(f"%s::{t}" for t in _GROUP_COLUMNS.values())]) + ")"
    names = ", ".join(["id", *(field.column for field in fields)])
    sets = ", ".join(f"{field.column} = v.{field.column}" for field in fields)
    table = ProblemGroup._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(groups), WRITE_BATCH):
            batch = groups[start : start + WRITE_BATCH]
            cursor.execute(
                f"UPDATE {table} AS g SET {sets} FROM (VALUES {', '.join([row] * len(batch))}) "
                f"AS v({names}) WHERE g.id = v.id",
                [
                    value
                    for group in batch
                    for value in (group.pk, *(getattr(group, f.attname) for f in fields))
                ],
            )


# -- as cases arrive ---------------------------------------------------------------------------


@dataclass
class Arrived:
    """What grouping a batch of new cases did."""

    grouped: int = 0  # new cases now in a group
    groups_made: int = 0
    groups_merged: int = 0
    changes: list[RepeatChange] = field(default_factory=list)


class Arrivals:
    """Groups new cases as they arrive, against the cases already registered: one instance
    for one import (its memory of the days read serves every chunk) or one registration.

    Two ways in, one rule:

    - ``add(rows)``: new cases already written (in no group): grouped, and their groups
      written to them (a registration, the ordinary import);
    - ``place(rows)`` then ``settle()``: new cases not yet written (their primary keys taken
      beforehand): ``place`` groups them and returns the group each is to be written with, so
      the caller writes a case once, group included (the fast import: an UPDATE of every new
      row after its COPY cost more than the linking); once they are written, ``settle``
      recounts the groups.

    Each new case (``FIELDS``, in any order) is linked to the cases of its category within the
    working-day window at the same place and to the other new cases: a new case linked to a
    group joins it, a case that links two groups merges them (into the older), cases linked to
    cases in no group make a new group. The caller holds the grouping lock (``hold_lock``)."""

    def __init__(
        self,
        rules: Rules | None = None,
        *,
        cache_limit: int = CACHE_LIMIT,
        categories: set[int] | None = None,
    ):
        self.rules = rules or Rules.current()
        self.cache_limit = cache_limit
        # The categories of every case that will arrive, when the caller knows them (one
        # registration): only their registered cases are read. None: any category.
        self.categories = categories
        self.days: _DayIndex | None = None
        self.places: dict[int, _Places] = {}
        self.known: dict[int, _Case] = {}  # the cases held, by pk
        self.by_day: dict[date, list[_Case]] = {}  # the dates read, with the cases held
        self.by_group: dict[int, set[int]] = {}  # the cases held, by group
        self.windows: dict[date, tuple[date, date]] = {}
        self.reads = 0  # queries of registered cases, for the benchmark
        self.arrived: set[int] = set()  # the new cases of every ``add`` and ``place``
        self.grouped: set[int] = set()  # of those, the ones now in a group
        self._pending = _Pending()

    def add(self, rows) -> Arrived:
        assign(list(self.place(rows).items()))
        return self.settle()

    def place(self, rows) -> dict[int, int]:
        """Group new cases not yet written; {pk: group} for those that joined one."""
        rows = sorted(rows, key=lambda row: (row[2], row[0]))  # in the order received
        if not rows:
            return {}
        if self.categories is not None and not {row[1] for row in rows} <= self.categories:
            raise ValueError("a case of a category these arrivals do not read")
        if self.days is None:
            self.days = _DayIndex(to_local_date(rows[0][2]))
        arriving = {row[0] for row in rows}
        self.arrived |= arriving
        batch, low = [], None
        for row in rows:
            day = to_local_date(row[2])
            first, last = self._window(day)
            if batch and (last - low).days > DAYS_PER_READ:
                self._group(batch, arriving)
                batch = []
            if not batch:
                low = first
            batch.append((row, day, first, last))
        self._group(batch, arriving)
        pending = self._pending
        placed, pending.placed = pending.placed, {}
        return {pk: pending.merged_to(group) for pk, group in placed.items()}

    def settle(self) -> Arrived:
        """Once the new cases placed are written: recount the groups they joined; what the
        grouping did since the last ``settle``."""
        pending, self._pending = self._pending, _Pending()
        result = pending.result
        after: dict[int, tuple[bool, datetime]] = {}
        refresh_groups(pending.targets - pending.merged.keys(), marks=after)
        # A new case counts once, in the batch that grouped it (maybe a later one's call).
        joined = {pk for pk in after if pk in self.arrived} - self.grouped
        self.grouped |= joined
        result.grouped += len(joined)
        result.changes = changes_between(pending.before, after)
        return result

    def _window(self, day: date) -> tuple[date, date]:
        window = self.windows.get(day)
        if window is None:
            window = self.windows[day] = self.days.dates_within(day, self.rules.working_days)
        return window

    def _places(self, category: int) -> _Places:
        places = self.places.get(category)
        if places is None:
            places = self.places[category] = _Places(self.rules)
        return places

    def _group(self, batch, arriving: set[int]) -> None:
        """Link a run of new cases (in the order received) and join what they linked."""
        self._read(_dates_of({(first, last) for _row, _day, first, last in batch}), arriving)
        span = self.rules.working_days
        links = _Groups()
        for row, day, _first, _last in batch:
            places = self._places(row[1])
            case = _case_of(row, places, self.days, day)
            for other in places.neighbours(case):
                if linked(case, other, span):
                    links.union(_node(other), case.pk)
            self._hold(case, day)
        pieces = [nodes for nodes in links.members().values() if len(nodes) > 1]
        if pieces:
            self._join(pieces, arriving)

    def _read(self, needed: set[date], arriving: set[int]) -> None:
        """Hold the registered cases of the needed dates not yet held, reading them in runs of
        consecutive dates; first let go of the other dates when memory is full. The cases
        arriving are left out: they are held as they are linked."""
        if len(self.known) > self.cache_limit:
            for day in [d for d in self.by_day if d not in needed]:
                for case in self.by_day.pop(day):
                    self._let_go(case)
        for some in _runs_at_a_time(_runs(needed - self.by_day.keys())):
            for run in some:
                for day in run:
                    self.by_day[day] = []
            for row in self._registered(some):
                if row[0] in self.known or row[0] in arriving:
                    continue
                day = to_local_date(row[2])
                self._hold(_case_of(row, self._places(row[1]), self.days, day), day)

    def _registered(self, runs: list[list[date]], *, ordered: bool = False):
        """The rows (``FIELDS``, then the group) of the cases left to the grouping received on
        the dates of ``runs`` (runs of consecutive dates), of the categories read; ``ordered``:
        in the order received."""
        dates = Q()
        for run in runs:
            dates |= Q(
                received_at__gte=_midnight(run[0]),
                received_at__lt=_midnight(run[-1] + timedelta(days=1)),
            )
        self.reads += 1
        registered = Case.objects.filter(dates, group_kept=False)
        if self.categories is not None:
            registered = registered.filter(category_id__in=self.categories)
        if ordered:
            registered = registered.order_by("received_at", "pk")
        return registered.values_list(*FIELDS, "problem_group_id").iterator(chunk_size=READ_CHUNK)

    def sweep(self, new, days: set[date]) -> Arrived:
        """Group an import's new cases once they are all written, in no group (the fast
        import). ``new``: their keys (anything ``in`` answers); ``days``: their local dates of
        receipt. One pass over the cases of the dates the new cases' windows cover, in the order
        received, as the full run reads them: each case is linked to the cases of its category
        at the same place within the working days before it, a pair counting when either is
        new, so every new case meets every case it may link to, whether received before or
        after it. Memory holds the last few working days of each category, whatever the file's
        size or order, and each date is read once (a file in random order, as a five-year
        export may be, read the same dates again and again when grouped a few chunks at a
        time). The pieces linked are then joined as ``add`` joins them, and settled. One sweep
        for an instance, not mixed with ``add``."""
        if not days:
            return self.settle()
        if self.days is None:
            self.days = _DayIndex(min(days))
        self.arrived = new
        runs = _runs(_dates_of({self._window(day) for day in days}))
        rows = itertools.chain.from_iterable(
            self._registered(some, ordered=True) for some in _runs_at_a_time(runs)
        )
        links = _Groups()
        for case, other in _links(rows, self.rules, self.days, new=new):
            links.union(_node(other), _node(case))
            self.known[case.pk], self.known[other.pk] = case, other
        pieces = [nodes for nodes in links.members().values() if len(nodes) > 1]
        if pieces:
            self._join(pieces, set())
        return self.settle()

    def _hold(self, case: _Case, day: date) -> None:
        self.known[case.pk] = case
        self.by_day.setdefault(day, []).append(case)
        self._places(case.category).add(case)
        if case.group is not None:
            self.by_group.setdefault(case.group, set()).add(case.pk)

    def _let_go(self, case: _Case) -> None:
        del self.known[case.pk]
        self._places(case.category).remove(case)
        if case.group is not None:
            held = self.by_group.get(case.group)
            if held is not None:
                held.discard(case.pk)
                if not held:
                    del self.by_group[case.group]

    def _join(self, pieces: list[list[int]], arriving: set[int]) -> None:
        """Each linked piece becomes one group: the oldest group in it, or a new one. The
        registered cases are moved to it now; the new ones' group is kept for ``place``."""
        pending = self._pending
        plans = [
            (sorted(-node for node in nodes if node < 0), [node for node in nodes if node > 0])
            for nodes in pieces
        ]
        # The marks before, of the groups that were there before this (once each).
        unread = {group for groups, _cases in plans for group in groups}
        unread -= pending.made | pending.read
        pending.before.update(repeat_marks(unread))
        pending.read |= unread
        made = [
            # Placeholders until ``refresh_groups`` counts the group from its cases.
            ProblemGroup(
                category_id=self.known[cases[0]].category,
                handling_agency_id=self.known[cases[0]].agency,
                first_received_at=_EPOCH,
                last_received_at=_EPOCH,
                case_count=len(cases),
            )
            for groups, cases in plans
            if not groups
        ]
        ProblemGroup.objects.bulk_create(made)
        pending.made.update(group.pk for group in made)
        new_groups = iter(made)
        pairs, merged = [], []
        for groups, cases in plans:
            target = groups[0] if groups else next(new_groups).pk
            pending.targets.add(target)
            merged += [(other, target) for other in groups[1:]]
            pairs += [(pk, target) for pk in cases]
        for other, target in merged:
            Case.objects.filter(problem_group=other).update(problem_group=target)
            pending.merged[other] = target
        if merged:
            ProblemGroup.objects.filter(pk__in=[other for other, _t in merged]).delete()
        assign([(pk, target) for pk, target in pairs if pk not in arriving])
        pending.placed.update((pk, target) for pk, target in pairs if pk in arriving)
        # What is held follows what was written.
        for other, target in merged:
            for pk in self.by_group.pop(other, ()):
                self.known[pk].group = target
                self.by_group.setdefault(target, set()).add(pk)
        for pk, target in pairs:
            case = self.known.get(pk)
            if case is not None:
                case.group = target
                self.by_group.setdefault(target, set()).add(pk)
        pending.result.groups_made += len(made)
        pending.result.groups_merged += len(merged)


@dataclass
class _Pending:
    """What ``Arrivals.place`` did that ``settle`` finishes."""

    result: Arrived = field(default_factory=Arrived)
    placed: dict[int, int] = field(default_factory=dict)  # new case → its group, to write
    targets: set[int] = field(default_factory=set)  # the groups cases joined
    made: set[int] = field(default_factory=set)  # the groups made
    merged: dict[int, int] = field(default_factory=dict)  # a group merged → into which
    read: set[int] = field(default_factory=set)  # the groups whose marks ``before`` holds
    before: dict[int, tuple[bool, datetime]] = field(default_factory=dict)

    def merged_to(self, group: int) -> int:
        while group in self.merged:
            group = self.merged[group]
        return group


def _dates_of(windows) -> set[date]:
    """Every date of some windows (first and last date)."""
    dates: set[date] = set()
    for first, last in windows:
        dates.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return dates


def _runs(dates) -> list[list[date]]:
    """The dates in runs of consecutive dates, in order."""
    runs: list[list[date]] = []
    for day in sorted(dates):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _runs_at_a_time(runs: list[list[date]]):
    """``RUNS_PER_READ`` runs at a time: one query's."""
    for start in range(0, len(runs), RUNS_PER_READ):
        yield runs[start : start + RUNS_PER_READ]


def _node(case: _Case) -> int:
    """A held case's node in the links: its group (negative) while grouped, else itself."""
    return -case.group if case.group is not None else case.pk


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, TAIPEI)


_EPOCH = datetime(2000, 1, 1, tzinfo=TAIPEI)
