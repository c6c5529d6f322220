"""A project's planned-versus-actual S-curve as server-rendered SVG geometry.

``build_s_curve`` turns the planned curves (every baseline version) and the filed actual
figures into coordinates, path data and axis labels; the template
``projects/includes/s_curve.html`` draws them and a data table fallback. Nothing is fetched from
a CDN and no JavaScript is needed (the portal runs on a closed network).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from projects.choices import ReportState
from tainan_rdec.roc import format_roc_month, to_roc_year

# Reports whose actual % the chart shows: sent to or accepted by the commission (a draft or a
# returned report is not a figure the agency stands behind yet).
CHARTED_STATES = frozenset({ReportState.SUBMITTED, ReportState.ACCEPTED})

WIDTH = 720
HEIGHT = 340
MARGIN_LEFT = 52
MARGIN_RIGHT = 26  # half of the widest month label ("113.12"), centred on the last tick
MARGIN_TOP = 16
MARGIN_BOTTOM = 44
MAX_X_LABELS = 12


@dataclass
class Point:
    month: date
    percent: Decimal
    x: float
    y: float

    @property
    def label(self) -> str:
        return format_roc_month(self.month)


@dataclass
class Series:
    """One line on the chart: a baseline version's planned curve or the actual progress."""

    label: str
    kind: str  # "current", "previous" or "actual": the template styles each differently
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:g},{p.y:g}" for i, p in enumerate(self.points)
        )

    @property
    def by_month(self) -> dict[date, Decimal]:
        return {p.month: p.percent for p in self.points}


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class SCurve:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    months: list[date]
    planned: list[Series]
    actual: Series
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.months

    @property
    def series(self) -> list[Series]:
        return [*self.planned, self.actual]

    @property
    def description(self) -> str:
        """The chart in one or two sentences, for ``<desc>`` (screen readers)."""
        if self.is_empty:
            return _("尚無預定進度或實際進度資料。")
        parts = [
            _("橫軸為月份（{start}至{end}），縱軸為累計進度0%至100%。").format(
                start=format_roc_month(self.months[0]), end=format_roc_month(self.months[-1])
            )
        ]
        for series in self.planned:
            last = series.points[-1]
            parts.append(
                _("{label}：{month}達{percent}%。").format(
                    label=series.label, month=last.label, percent=last.percent
                )
            )
        if self.actual.points:
            last = self.actual.points[-1]
            parts.append(
                _("實際進度最新為{month}的{percent}%。").format(
                    month=last.label, percent=last.percent
                )
            )
        else:
            parts.append(_("尚無已送出或已審核的實際進度。"))
        return "".join(parts)

    @property
    def table_rows(self) -> list[dict]:
        """One row per month for the data table: planned % per version, then actual %."""
        planned = [s.by_month for s in self.planned]
        actual = self.actual.by_month
        return [
            {
                "month": month,
                "planned": [values.get(month) for values in planned],
                "actual": actual.get(month),
            }
            for month in self.months
        ]


def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _month_from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _short_month(month: date) -> str:
    """Axis label in the users' shorthand for a month: ``113.3``."""
    return f"{to_roc_year(month.year)}.{month.month}"


def build_s_curve(baselines, reports, *, width: int = WIDTH, height: int = HEIGHT) -> SCurve:
    """The S-curve of a project.

    ``baselines``: PlanBaseline rows with their ``points`` (prefetch them), in any order.
    ``reports``: MonthlyReport rows; only submitted and accepted ones are charted.
    """
    planned = []
    for baseline in sorted(baselines, key=lambda b: b.version):
        rows = sorted((p.month, p.planned_percent) for p in baseline.points.all())
        if baseline.is_current:
            label = _("預定進度第{version}版（目前採用）").format(version=baseline.version)
        else:
            label = _("預定進度第{version}版").format(version=baseline.version)
        planned.append((label, "current" if baseline.is_current else "previous", rows))
    actual_rows = sorted((r.period, r.actual_percent) for r in reports if r.state in CHARTED_STATES)
    return _draw(planned, actual_rows, width=width, height=height)


def build_plan_preview(
    months: list[date], rows, *, previous=(), width: int = WIDTH, height: int = HEIGHT
) -> SCurve:
    """The planned curve being edited, before it is saved: the axis spans every month of the
    planned period (``months``) whatever is filled in yet; ``rows`` are ``(month, percent, …)``
    of the months filled in. The editor's script redraws the line as the grid is typed in.

    ``previous``: ``[(label, rows)]``, curves in force drawn dashed beside it (a re-plan's),
    inside the edited period only: the script places the grid's months on the axis from its
    first month, so the axis must not grow past them."""
    span = set(months)
    planned = [
        (label, "previous", sorted((m, p) for m, p, *_rest in old if m in span))
        for label, old in previous
    ]
    line = sorted((m, p) for m, p, *_rest in rows)
    if line:
        planned.append((_("預定進度（編輯中）"), "current", line))
    return _draw(planned, [], width=width, height=height, span=months)


def build_replan_chart(baselines, proposed_rows, reports, *, width=WIDTH, height=HEIGHT) -> SCurve:
    """A re-plan as the reviewer weighs it: every version in force so far dashed, the proposed
    curve solid, and the actual progress filed."""
    planned = []
    for baseline in sorted(baselines, key=lambda b: b.version):
        rows = sorted((p.month, p.planned_percent) for p in baseline.points.all())
        planned.append(
            (_("預定進度第{version}版").format(version=baseline.version), "previous", rows)
        )
    proposed = sorted((m, p) for m, p, *_rest in proposed_rows)
    if proposed:
        planned.append((_("變更後預定進度（申請中）"), "current", proposed))
    actual_rows = sorted((r.period, r.actual_percent) for r in reports if r.state in CHARTED_STATES)
    return _draw(planned, actual_rows, width=width, height=height)


def _draw(planned_rows, actual_rows, *, width, height, span=()) -> SCurve:
    """Geometry of planned lines ``[(label, kind, [(month, percent)])]`` and the actual one,
    over the months they cover (and ``span``)."""
    plot_left, plot_right = MARGIN_LEFT, width - MARGIN_RIGHT
    plot_top, plot_bottom = MARGIN_TOP, height - MARGIN_BOTTOM

    all_months = (
        [m for _l, _k, rows in planned_rows for m, _p in rows]
        + [m for m, _p in actual_rows]
        + list(span)
    )
    if not all_months:
        return SCurve(
            width, height, plot_left, plot_right, plot_top, plot_bottom, [], [], _actual([])
        )

    first, last = _month_index(min(all_months)), _month_index(max(all_months))
    months = [_month_from_index(i) for i in range(first, last + 1)]
    step = (plot_right - plot_left) / max(len(months) - 1, 1)

    # Coordinates are rounded to 0.1 px: enough for the eye, and short in the markup.
    def x(month: date) -> float:
        if len(months) == 1:
            return round((plot_left + plot_right) / 2, 1)
        return round(plot_left + (_month_index(month) - first) * step, 1)

    def y(percent: Decimal) -> float:
        clamped = min(max(float(percent), 0.0), 100.0)
        return round(plot_bottom - clamped / 100 * (plot_bottom - plot_top), 1)

    def points(rows):
        return [Point(m, p, x(m), y(p)) for m, p in rows]

    planned = [Series(label, kind, points(rows)) for label, kind, rows in planned_rows if rows]

    label_every = max(1, math.ceil(len(months) / MAX_X_LABELS))
    x_ticks = [Tick(x(m), _short_month(m)) for i, m in enumerate(months) if i % label_every == 0]
    y_ticks = [Tick(y(Decimal(v)), f"{v}%") for v in range(0, 101, 20)]
    return SCurve(
        width,
        height,
        plot_left,
        plot_right,
        plot_top,
        plot_bottom,
        months,
        planned,
        _actual(points(actual_rows)),
        x_ticks,
        y_ticks,
    )


def _actual(points: list[Point]) -> Series:
    return Series(_("實際進度"), "actual", points)
