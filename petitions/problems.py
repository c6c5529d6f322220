"""Calls and problems side by side (「1,000 件陳情、120 個問題」) and the problem groups' lists.

A problem is a case alone or a problem group (重複陳情歸併, petitions/grouping.py); the calls of
a group after its first call are repeat calls. Problems = calls − repeat calls, counted like
cases: the rollups carry ``repeat_calls`` on the receipt day of each repeat call, for the agency
that received it and its category, so the figures by agency and category read the rollups
(``petitions.stats``) and cost the same whatever the number of cases. An event's figures count
its cases (``Event.received_cases``) as the event view does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q

from petitions.choices import OPEN_STATUSES
from petitions.models import Case, Event, ProblemGroup
from petitions.stats import TimelinessRow, _breakdown, _key, _labels


@dataclass(frozen=True)
class CallsRow:
    """One agency's, category's or event's calls and problems."""

    key: object
    label: str
    calls: int
    repeat_calls: int

    @property
    def problems(self) -> int:
        return self.calls - self.repeat_calls

    @property
    def calls_per_problem(self) -> Decimal | None:
        """How many calls each problem had on average (1.0: no problem was called twice)."""
        if not self.problems:
            return None
        return (Decimal(self.calls) / Decimal(self.problems)).quantize(Decimal("0.01"))


def calls_and_problems_by(
    dimension: str, *, start: date, end: date, today: date, agency_ids=None
) -> list[CallsRow]:
    """Calls and problems received in [start, end] by ``dimension`` ("agency": the agency that
    received each call; "category"), the most calls first; the city's, or of ``agency_ids``
    only. Read from the rollups."""
    rows = _breakdown(dimension, start, end, today, agency_ids).sums(
        received="received", repeat_calls="repeat_calls"
    )
    sums = {_key(dimension, raw): figures for raw, figures in rows.items()}
    labels = _labels(dimension, sums.keys())
    return _most_calls_first(
        (key, labels.get(key, key), figures["received"], figures["repeat_calls"])
        for key, figures in sums.items()
    )


def calls_and_problems_of_rows(rows: list[TimelinessRow]) -> list[CallsRow]:
    """What ``calls_and_problems_by`` gives, from the timeliness rows of the same breakdown
    and period (``stats.timeliness_by``, which sums the same rollup rows): a page that shows
    both reads the rollups once."""
    return _most_calls_first((r.key, r.label, r.received, r.repeat_calls) for r in rows)


def _most_calls_first(figures) -> list[CallsRow]:
    """The rows of (key, label, calls, repeat calls) that had a call, the most calls first."""
    result = [
        CallsRow(key, str(label), calls, repeats) for key, label, calls, repeats in figures if calls
    ]
    return sorted(result, key=lambda row: (-row.calls, row.label))


def total_of(rows: list[CallsRow], label: str) -> CallsRow:
    return CallsRow(None, label, sum(r.calls for r in rows), sum(r.repeat_calls for r in rows))


def repeat_call_q(prefix: str = "") -> Q:
    """A case that is a repeat call: in a group, and not the group's first call."""
    return Q(**{f"{prefix}problem_group__isnull": False}) & ~Q(
        **{f"{prefix}problem_group__first_case": F(f"{prefix}pk")}
    )


def calls_and_problems_of(cases) -> tuple[int, int]:
    """(calls, problems) of a queryset of cases, in one aggregate query."""
    figures = cases.aggregate(calls=Count("pk"), repeats=Count("pk", filter=repeat_call_q()))
    return figures["calls"], figures["calls"] - figures["repeats"]


def event_rows(events, cases=None) -> list[CallsRow]:
    """Each event's calls and problems (its received cases, of ``cases`` when given: those a
    user may see), one query per event."""
    rows = []
    for event in events:
        calls, problems = calls_and_problems_of(event.received_cases(cases))
        rows.append(CallsRow(event.pk, event.name, calls, calls - problems))
    return rows


def in_event(groups, event: Event):
    """The groups with a case received in the event's dates and districts."""
    return groups.filter(Exists(event.received_cases().filter(problem_group=OuterRef("pk"))))


def largest_open(groups):
    """Groups still open (a case not closed), the most calls first, then the latest."""
    return groups.open().order_by("-case_count", "-last_received_at", "-pk")


def group_cases(group: ProblemGroup):
    """A group's cases in the order received (its first call first)."""
    return Case.objects.filter(problem_group=group).order_by("received_at", "pk")


def open_cases_of(group: ProblemGroup) -> int:
    return Case.objects.filter(problem_group=group, status__in=OPEN_STATUSES).count()
