"""The awards summary (獎項統計): the city's published table for a range of ROC years.

Only confirmed awards count. The summary is a city-wide published figure, so it reads every
agency's confirmed awards whoever asks (the individual rows stay scoped: see the list and
detail pages). Two grouped queries whatever the number of awards: one by year and class, one by
agency and class; the nine-class table and the headline counts are sums of the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from awards.choices import AwardClass
from awards.models import Award

CLASSES = list(AwardClass)
DEFAULT_YEARS = 5  # the briefing's table covers five years (108–112)


def default_range(this_roc_year: int) -> tuple[int, int]:
    """The five complete years before this one (in 113: 108–112, as in the briefing)."""
    last = this_roc_year - 1
    return last - DEFAULT_YEARS + 1, last


@dataclass
class ClassRow:
    """One line of the nine-class table: the class, its 小計 and how many are top results."""

    award_class: AwardClass
    count: int
    top: int
    url: str = ""  # the awards behind the figure, where the user may see them

    @property
    def label(self) -> str:
        return str(self.award_class.label)


@dataclass
class SummaryRow:
    """A year or an agency: counts per class (in the city's order), total and top results."""

    key: int
    label: str
    counts: list[int] = field(default_factory=lambda: [0] * len(CLASSES))
    top: int = 0
    code: str = ""
    url: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)

    def add(self, award_class: str, n: int, top: int) -> None:
        self.counts[CLASSES.index(AwardClass(award_class))] += n
        self.top += top


@dataclass
class AwardSummary:
    first: int
    last: int
    classes: list[ClassRow]
    by_year: list[SummaryRow]
    by_agency: list[SummaryRow]

    @property
    def total(self) -> int:
        return sum(row.count for row in self.classes)

    @property
    def top(self) -> int:
        return sum(row.top for row in self.classes)

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def class_totals(self) -> list[int]:
        return [row.count for row in self.classes]

    @property
    def period_label(self) -> str:
        if self.first == self.last:
            return _("{year}年").format(year=self.first)
        return _("{first}年至{last}年").format(first=self.first, last=self.last)


def year_label(year: int) -> str:
    return _("{year}年").format(year=year)


def build_summary(first: int, last: int) -> AwardSummary:
    """The summary of confirmed awards of ROC years ``first``..``last`` (both included)."""
    awards = Award.objects.counted().in_years(first, last)
    counts = {"n": Count("pk"), "top_n": Count("pk", filter=Q(is_top=True))}

    years = {year: SummaryRow(year, year_label(year)) for year in range(first, last + 1)}
    class_counts = {c.value: [0, 0] for c in CLASSES}
    for row in awards.values("roc_year", "award_class").annotate(**counts).order_by():
        years[row["roc_year"]].add(row["award_class"], row["n"], row["top_n"])
        class_counts[row["award_class"]][0] += row["n"]
        class_counts[row["award_class"]][1] += row["top_n"]

    agencies: dict[int, SummaryRow] = {}
    order: dict[int, tuple] = {}
    rows = awards.values(
        "agency_id",
        "agency__name",
        "agency__code",
        "agency__sort_order",
        "award_class",
    ).annotate(**counts)
    for row in rows.order_by():
        agency_id = row["agency_id"]
        if agency_id not in agencies:
            agencies[agency_id] = SummaryRow(
                agency_id, row["agency__name"], code=row["agency__code"]
            )
            order[agency_id] = (row["agency__sort_order"], row["agency__code"])
        agencies[agency_id].add(row["award_class"], row["n"], row["top_n"])
    # Most awards first; ties in the city's agency order.
    by_agency = sorted(agencies.values(), key=lambda r: (-r.total, order[r.key]))

    return AwardSummary(
        first=first,
        last=last,
        classes=[ClassRow(c, *class_counts[c.value]) for c in CLASSES],
        by_year=list(years.values()),
        by_agency=by_agency,
    )
