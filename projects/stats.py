"""Listing statistics over years (列管統計): how many projects the commission listed, by year and
kind, split at the major threshold, with their budget — the briefing's "108年-112年共列管1,349案：
375件5千萬元以上重大建設、974件5千萬元以下前瞻基礎計畫工程，合計1,033億元".

One definition of the listing year for every page that counts listings (this page, the
executive briefing): the ROC year, in Taipei, of a project's first 納入列管 in the status log.
A project suspended and listed again still counts once, in its first year; a project never
listed is not counted. Major = total budget at or above ``ControlSettings.major_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Min, QuerySet

from projects.choices import ControlStatus, ProjectKind, StatusField
from projects.models import Project, StatusChange
from tainan_rdec.roc import to_roc_year
from tainan_rdec.workdays import TAIPEI

ABOVE = "above"
BELOW = "below"
BANDS = (ABOVE, BELOW)


def first_listings(projects: QuerySet[Project]) -> dict[int, datetime]:
    """{project pk: the moment of its first 納入列管} for the listed-once projects of
    ``projects``. One grouped query over the status log."""
    rows = (
        StatusChange.objects.filter(
            field=StatusField.CONTROL_STATUS,
            new_value=ControlStatus.LISTED,
            project__in=projects.order_by().values("pk"),
        )
        .values("project")
        .annotate(first=Min("at"))
        .order_by()
    )
    return {row["project"]: row["first"] for row in rows}


def listing_year(moment: datetime) -> int:
    """The ROC year of a listing moment, on the Taipei calendar (00:30 on 113.1.1 is 113)."""
    return to_roc_year(moment.astimezone(TAIPEI).year)


def band_of(budget: int, threshold: int) -> str:
    return ABOVE if budget >= threshold else BELOW


@dataclass
class Cell:
    """A number of projects and their total budget (元)."""

    count: int = 0
    budget: int = 0

    def add(self, budget: int) -> None:
        self.count += 1
        self.budget += budget


@dataclass
class YearRow:
    year: int | None  # None: the total row
    by_kind: dict[str, Cell] = field(default_factory=dict)
    by_band: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)

    def add(self, kind: str, band: str, budget: int) -> None:
        self.by_kind[kind].add(budget)
        self.by_band[band].add(budget)
        self.total.add(budget)


@dataclass
class ListingStatistics:
    first: int
    last: int
    threshold: int
    kinds: list[tuple[str, str]]  # (value, label) of every kind, in the choices' order
    rows: list[YearRow]
    total: YearRow


def _row(year: int | None) -> YearRow:
    return YearRow(
        year,
        by_kind={kind: Cell() for kind in ProjectKind.values},
        by_band={band: Cell() for band in BANDS},
    )


def listing_statistics(
    projects: QuerySet[Project], first: int, last: int, threshold: int
) -> ListingStatistics:
    """The projects of ``projects`` first listed in ROC years ``first``..``last``, per year, by
    kind and by band. Two queries, whatever the number of projects."""
    rows = {year: _row(year) for year in range(first, last + 1)}
    total = _row(None)
    years = {}
    for pk, moment in first_listings(projects).items():
        year = listing_year(moment)
        if first <= year <= last:
            years[pk] = year
    found = Project.objects.filter(pk__in=list(years)).values_list("pk", "kind", "total_budget")
    for pk, kind, budget in found.order_by():
        band = band_of(budget, threshold)
        rows[years[pk]].add(kind, band, budget)
        total.add(kind, band, budget)
    return ListingStatistics(
        first=first,
        last=last,
        threshold=threshold,
        kinds=list(ProjectKind.choices),
        rows=list(rows.values()),
        total=total,
    )


def listed_projects(
    projects: QuerySet[Project],
    first: int,
    last: int,
    threshold: int,
    *,
    year: int | None = None,
    kind: str = "",
    band: str = "",
) -> list[tuple[Project, date]]:
    """The projects behind one number of the table (drill-down): first listed in ``year`` (or
    anywhere in ``first``..``last``), of ``kind`` and ``band`` when given; each with the day
    (in Taipei) it was first listed, in the order they were listed."""
    listings = first_listings(projects)
    wanted = {
        pk: moment
        for pk, moment in listings.items()
        if (year is None and first <= listing_year(moment) <= last) or listing_year(moment) == year
    }
    found = Project.objects.filter(pk__in=list(wanted)).select_related("host_agency")
    if kind:
        found = found.filter(kind=kind)
    if band == ABOVE:
        found = found.filter(total_budget__gte=threshold)
    elif band == BELOW:
        found = found.filter(total_budget__lt=threshold)
    ordered = sorted(found, key=lambda project: (wanted[project.pk], project.control_number))
    return [(project, wanted[project.pk].astimezone(TAIPEI).date()) for project in ordered]
