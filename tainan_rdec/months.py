"""Month arithmetic for reporting periods: a period is stored as the first day of its month
(``date(2024, 3, 1)`` is 113年3月), so "next month" and "three months ago" are whole months,
never a count of days."""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
    """The period ``day`` falls in: the first of its month."""
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first of the month ``n`` months after ``month``'s (before it when ``n`` < 0)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    return add_months(month, 1) - timedelta(days=1)
