"""The planned S-curve (預定進度) as bureaus draw it: the months of the planned period, the shapes
the editor fills in, and the rules every curve obeys.

A curve is a list of ``(month, planned cumulative %, planned cumulative allocation in 元)``.
``curve_problems`` holds the rules of any curve (``services.create_baseline`` refuses a curve
that breaks them, whichever path it came by); ``plan_problems`` adds the rules of a curve for
one project: every month of its planned period, no allocation above its budget. Problems carry
their month, so the editor shows each next to its row and a list shows them in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.utils.translation import gettext as _

from tainan_rdec.months import add_months, month_start
from tainan_rdec.roc import format_roc_month

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# The most months a planned period may span in the editor (a 30-year concession is not a
# project the commission lists month by month).
MAX_MONTHS = 240

PERCENT = "planned_percent"
ALLOCATION = "planned_allocation"


@dataclass(frozen=True)
class Problem:
    """One broken rule: the month it is about (None for the whole curve), the figure
    (``PERCENT`` or ``ALLOCATION``) and the message."""

    message: str
    month: date | None = None
    field: str = PERCENT

    def __str__(self) -> str:
        return self.message


def period_months(start: date, end: date) -> list[date]:
    """Every month from ``start``'s to ``end``'s, as first days."""
    months, month = [], month_start(start)
    while month <= month_start(end) and len(months) < MAX_MONTHS:
        months.append(month)
        month = add_months(month, 1)
    return months


def project_months(project) -> list[date]:
    return period_months(project.planned_start, project.planned_completion)


# -- shapes the editor fills in -------------------------------------------------------------


def _with_allocation(months, fractions, budget: int) -> list[tuple[date, Decimal, int]]:
    """Rows for ``months`` at cumulative ``fractions`` (0–1, the last 1): percent to two
    decimals, allocation in whole 元 in the same proportion of ``budget``."""
    rows = []
    for month, fraction in zip(months, fractions, strict=True):
        percent = (HUNDRED * fraction).quantize(CENT, rounding=ROUND_HALF_UP)
        allocation = int((Decimal(budget) * fraction).to_integral_value(rounding=ROUND_HALF_UP))
        rows.append((month, percent, allocation))
    if rows:
        rows[-1] = (rows[-1][0], HUNDRED.quantize(CENT), budget)
    return rows


def straight_line(months: list[date], budget: int) -> list[tuple[date, Decimal, int]]:
    """The same share of the work every month (直線)."""
    n = len(months)
    return _with_allocation(months, [Decimal(i + 1) / n for i in range(n)], budget)


def s_shape(months: list[date], budget: int) -> list[tuple[date, Decimal, int]]:
    """Slow start, fast middle, slow finish (S形): the smoothstep 3t² − 2t³ of the elapsed
    share of the period, the usual shape of a works contract's planned progress."""
    n = len(months)
    fractions = []
    for i in range(n):
        t = Decimal(i + 1) / n
        fractions.append(3 * t * t - 2 * t * t * t)
    return _with_allocation(months, fractions, budget)


def proportional_allocation(percent: Decimal, budget: int) -> int:
    """The allocation that goes with ``percent`` of the work when money follows the work."""
    return int((Decimal(budget) * percent / HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


# -- rules -----------------------------------------------------------------------------------


def curve_problems(rows: Iterable[tuple[date, Decimal, int]]) -> list[Problem]:
    """The rules of every planned curve: at least one month, each month once, figures within
    bounds, cumulative figures never decreasing, 100% in the last month."""
    rows = sorted(rows, key=lambda r: r[0])
    problems = []
    if not rows:
        problems.append(Problem(_("預定進度至少需要一個月份。")))
    months = [m for m, _p, _a in rows]
    if len(set(months)) != len(months):
        problems.append(Problem(_("同一月份重複填寫。")))
    for (_m1, p1, a1), (m2, p2, a2) in pairwise(rows):
        if p2 < p1 or a2 < a1:
            problems.append(
                Problem(
                    _("{month}的累計數不得小於前一個月。").format(month=format_roc_month(m2)),
                    m2,
                    PERCENT if p2 < p1 else ALLOCATION,
                )
            )
    for month, percent, allocation in rows:
        if not Decimal(0) <= percent <= HUNDRED or allocation < 0:
            problems.append(
                Problem(
                    _("{month}的預定進度須介於0至100%，分配數不得為負。").format(
                        month=format_roc_month(month)
                    ),
                    month,
                )
            )
    if rows and rows[-1][1] != HUNDRED:
        problems.append(Problem(_("預定進度最後一個月須為100%。"), rows[-1][0]))
    return problems


def missing_months(project, months: Iterable[date]) -> list[date]:
    """Months of ``project``'s planned period that ``months`` leave out."""
    have = set(months)
    return [m for m in project_months(project) if m not in have]


def coverage_message(project) -> str:
    first, last = month_start(project.planned_start), month_start(project.planned_completion)
    return _("預定進度須涵蓋預定期程（{start}至{end}）。").format(
        start=format_roc_month(first), end=format_roc_month(last)
    )


def over_budget(project, rows: Iterable[tuple[date, Decimal, int]]) -> list[Problem]:
    """Months whose planned cumulative allocation is above the project's total budget."""
    budget = project.total_budget or 0
    return [
        Problem(
            _("{month}的預定累計分配數{amount:,}元，超過總核定經費{budget:,}元。").format(
                month=format_roc_month(month), amount=allocation, budget=budget
            ),
            month,
            ALLOCATION,
        )
        for month, _percent, allocation in sorted(rows, key=lambda r: r[0])
        if allocation > budget
    ]


def plan_problems(project, rows: Iterable[tuple[date, Decimal, int]]) -> list[Problem]:
    """The rules of ``project``'s curve: those of every curve, every month of the planned
    period and none outside it, no allocation above the total budget."""
    rows = list(rows)
    problems = curve_problems(rows)
    period = set(project_months(project))
    for month in missing_months(project, (m for m, _p, _a in rows)):
        problems.append(
            Problem(_("請填寫{month}的預定累計進度。").format(month=format_roc_month(month)), month)
        )
    for month, _p, _a in rows:
        if month not in period:
            problems.append(
                Problem(
                    _("{month}不在預定期程內（{period}）。").format(
                        month=format_roc_month(month), period=period_text(project)
                    ),
                    month,
                )
            )
    problems += over_budget(project, rows)
    return problems


def period_text(project) -> str:
    return _("{start}至{end}").format(
        start=format_roc_month(project.planned_start),
        end=format_roc_month(project.planned_completion),
    )
