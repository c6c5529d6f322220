"""The petitions app's models, one module per family; every model is importable from here
(``from petitions.models import Case``).

- ``rules``: the commission's adjustable rules (PetitionSettings);
- ``catalogue``: categories and subcategories;
- ``cases``: cases, their transfers and status history, and the events the desk watches;
- ``rollups``: the pre-computed figures the dashboards read;
- ``groups``: problem groups (one problem, many callers).
"""

from petitions.models.cases import (
    Case,
    CaseQuerySet,
    CaseStatusChange,
    CaseTransfer,
    Event,
    start_of_day,
)
from petitions.models.catalogue import Category, Subcategory
from petitions.models.groups import ProblemGroup, ProblemGroupQuerySet
from petitions.models.rollups import (
    ALL_AGENCIES,
    DailyRollup,
    MonthlyRollup,
    Rollup,
    YearlyRollup,
)
from petitions.models.rules import PetitionSettings

__all__ = [
    "ALL_AGENCIES",
    "Case",
    "CaseQuerySet",
    "CaseStatusChange",
    "CaseTransfer",
    "Category",
    "DailyRollup",
    "Event",
    "MonthlyRollup",
    "PetitionSettings",
    "ProblemGroup",
    "ProblemGroupQuerySet",
    "Rollup",
    "Subcategory",
    "YearlyRollup",
    "start_of_day",
]
