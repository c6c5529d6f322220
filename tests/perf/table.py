"""The figures every benchmark returns, and the one table `make bench` prints at the end.

The protocol: a benchmark module's ``main()`` returns a list of ``Figure`` (or None when it has
nothing to report). One figure is one line of the table:

- a **timed** figure gives ``p50_ms`` and ``p95_ms`` (server time over the runs; a figure
  measured once gives the same number in both) and, for a page, the ``queries`` it runs;
- any other measurement (rows/s, MB, a ratio, seconds) goes in ``value`` with its ``unit``;
- ``target`` is what the figure is held to: a number is an upper bound in milliseconds on
  p95 (``Figure(..., p95_ms=88, target=150)`` passes), a ``Target`` bounds ``value`` (or p95
  when there is no value) from above or, with ``at_least=True``, from below (rows/s, ratios).
  A figure without a target is shown without a verdict.

``print_table(figures)`` prints the machine the numbers were measured on and one Markdown table
(ready for tests/perf/RESULTS.md) with a pass/fail column.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """What a figure must reach: ``limit`` in the figure's unit, an upper bound unless
    ``at_least`` (then the figure must be at least ``limit``)."""

    limit: float
    at_least: bool = False

    def met(self, measured: float) -> bool:
        return measured >= self.limit if self.at_least else measured <= self.limit


@dataclass(frozen=True)
class Figure:
    """One line of the benchmark table (see the module docstring)."""

    area: str
    what: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    target: Target | float | None = None
    note: str = ""
    value: float | None = None
    unit: str = ""

    @property
    def goal(self) -> Target | None:
        if self.target is None or isinstance(self.target, Target):
            return self.target
        return Target(float(self.target))

    @property
    def measured(self) -> float | None:
        """The number the target is checked against: ``value``, else p95, else p50."""
        if self.value is not None:
            return self.value
        return self.p95_ms if self.p95_ms is not None else self.p50_ms

    @property
    def passed(self) -> bool | None:
        goal, measured = self.goal, self.measured
        if goal is None or measured is None:
            return None
        return goal.met(measured)

    def target_text(self) -> str:
        goal = self.goal
        if goal is None:
            return ""
        unit = self.unit if self.value is not None else "ms"
        sign = "≥" if goal.at_least else "≤"
        subject = "" if self.value is not None else "p95 "
        return f"{subject}{sign} {_number(goal.limit)} {unit}".strip()


def timed(area: str, what: str, samples: list[float], queries: int | None = None, **extra):
    """A figure from request or call durations in seconds: median and 95th percentile."""
    return Figure(
        area,
        what,
        p50_ms=statistics.median(samples) * 1000,
        p95_ms=p95(samples) * 1000,
        queries=queries,
        **extra,
    )


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank (of 20 samples, the 19th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def max_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _number(value: float) -> str:
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _cell(value: float | None) -> str:
    return "" if value is None else _number(value)


def machine() -> str:
    """The machine and database the figures were measured on, in one line."""
    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " " + line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 1024**3:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    database = connection.vendor
    try:
        if connection.vendor == "postgresql":
            major, minor = divmod(connection.pg_version, 10000)
            database = f"PostgreSQL {major}.{minor}"
        elif connection.vendor == "sqlite":
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}"
    except Exception:  # the line is informative only: never fail the run over it
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs{cpu}{memory}; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; {database}; "
        f"load average {load}"
    )


def render(figures: list[Figure]) -> str:
    """One Markdown table of ``figures``, in the order given."""
    lines = [
        "| area | what | p50 ms | p95 ms | value | queries | target | result | note |",
        "|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    for f in figures:
        value = f"{_number(f.value)} {f.unit}".strip() if f.value is not None else ""
        verdict = {True: "pass", False: "**FAIL**", None: ""}[f.passed]
        queries = "" if f.queries is None else str(f.queries)
        lines.append(
            f"| {f.area} | {f.what} | {_cell(f.p50_ms)} | {_cell(f.p95_ms)} | {value} | "
            f"{queries} | {f.target_text()} | {verdict} | {f.note} |"
        )
    return "\n".join(lines)


def print_table(figures: list[Figure]) -> None:
    print()
    print(f"Measured on {machine()}")
    print()
    print(render(figures))
    checked = [f for f in figures if f.passed is not None]
    failed = [f for f in checked if not f.passed]
    print()
    print(f"{len(checked) - len(failed)} of {len(checked)} targets met.")
    for f in failed:
        print(f"  missed: {f.area} — {f.what} ({f.target_text()})")
