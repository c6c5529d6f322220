"""A demo project's plan and story, decided before anything is written: its S-curve, the
months it is filed, how far behind it runs, its phase and checkpoints. Deterministic: every
figure comes from one ``random.Random`` per catalogue row. The five-year benchmark data set
(tests/perf/fiveyear) plans its projects with the same helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from projects.choices import (
    ExecutionPhase,
    ForwardCategory,
    MilestoneStatus,
    ProjectKind,
)
from projects.demo.catalogue import CATALOGUE, CENT, KINDS, REPLAN_REASONS
from projects.models import (
    Milestone,
    PlanBaseline,
)

# -- months -----------------------------------------------------------------------------------
# Plans count in month indexes (year * 12 + month - 1) so that month arithmetic is integer
# arithmetic; the five-year benchmark data (tests/perf/fiveyear) uses the same helpers.


def month_index(day: date) -> int:
    """The month index of ``day``'s month."""
    return day.year * 12 + day.month - 1


def first_of(index: int) -> date:
    """The first day of month ``index``."""
    return date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> date:
    """The last day of month ``index``."""
    return first_of(index + 1) - timedelta(days=1)


def roc_month(index: int) -> str:
    day = first_of(index)
    return f"{day.year - 1911}年{day.month}月"


def clamp_percent(value: float) -> Decimal:
    """``value`` as a progress percentage: held within 0–100 and rounded to two places."""
    return Decimal(str(round(min(max(value, 0.0), 100.0), 2))).quantize(CENT)


# -- plans ------------------------------------------------------------------------------------


@dataclass
class Spec:
    number: int
    agency: str
    kind: str
    category: str
    work: str
    scenario: str
    budget: int
    districts: list[str]
    name: str
    co_agencies: list[str]

    @property
    def family(self) -> str:
        return milestone_family(self.work)

    @property
    def reason_family(self) -> str:
        return reason_family(self.work)


def milestone_family(work: str) -> str:
    """The key of ``MILESTONES`` for a work type: the road, drain, park and such works share the
    construction checkpoints."""
    if work in {"building", "bridge", "heritage", "plant", "system", "study", "program"}:
        return work
    return "construction"


def reason_family(work: str) -> str:
    """The key of ``LAG_REASONS`` and ``REMEDIES`` for a work type."""
    if work in {"heritage", "system", "study", "program"}:
        return work
    return "construction"


def catalogue_specs() -> list[Spec]:
    specs = []
    for number, line in enumerate(CATALOGUE.strip().splitlines()):
        agency, kind, category, work, scenario, budget, districts, name, co = line.split("|")
        if category:
            ForwardCategory(category)  # a typo in the catalogue fails here, not in the database
        specs.append(
            Spec(
                number=number,
                agency=agency,
                kind=KINDS[kind],
                category=category,
                work=work,
                scenario=scenario,
                budget=int(budget) * 10_000,
                districts=[d for d in districts.split("、") if d],
                name=name,
                co_agencies=[c for c in co.split(",") if c],
            )
        )
    return specs


def s_curve(n: int, rng: random.Random, *, lead: float = 0.0) -> list[float]:
    """Cumulative fractions for months 1..n of an S shape (slow start, fast middle, slow end):
    ``x^a / (x^a + (1 - x)^a)`` on a slightly skewed time axis; ``lead`` shifts it earlier (money
    is allocated ahead of the work)."""
    steep = rng.uniform(1.9, 2.6)
    skew = rng.uniform(0.9, 1.15)
    values = []
    for i in range(1, n + 1):
        x = min(1.0, i / n + lead) ** skew
        values.append(1.0 if x >= 1 else x**steep / (x**steep + (1 - x) ** steep))
    values[-1] = 1.0
    return values


@dataclass
class Curve:
    start: int  # month index
    n: int
    percents: list[Decimal]
    allocations: list[int]

    @property
    def end(self) -> int:
        return self.start + self.n - 1

    def at(self, month: int) -> tuple[Decimal, int]:
        if month < self.start:
            return Decimal("0.00"), 0
        i = min(month, self.end) - self.start
        return self.percents[i], self.allocations[i]

    def points(self):
        return [
            (first_of(self.start + i), self.percents[i], self.allocations[i]) for i in range(self.n)
        ]


def make_curve(start: int, n: int, budget: int, rng: random.Random) -> Curve:
    """The S-curve of a project of ``n`` months from month ``start``: planned % (100 in the
    last month) and planned allocation to date (the whole ``budget`` in the last month), the
    money a little ahead of the work."""
    work = s_curve(n, rng)
    money = s_curve(n, rng, lead=rng.uniform(0.03, 0.1))
    percents = [clamp_percent(100 * v) for v in work]
    percents[-1] = Decimal("100.00")
    allocations = [int(budget * v) for v in money]
    allocations[-1] = budget
    return Curve(start, n, percents, allocations)


@dataclass
class Plan:
    spec: Spec
    rng: random.Random
    anchor: int
    curve: Curve
    first_curve: Curve | None = None  # the original baseline of a re-planned project
    replan_month: int | None = None
    replan_reason: str = ""
    start_day: int = 1
    last_month: int = 0  # last month simulated (and reported)
    stop_month: int | None = None
    suspend_month: int | None = None
    delist_month: int | None = None
    resume_window: tuple[int, int] | None = None
    actual: dict[int, Decimal] = field(default_factory=dict)
    phases: dict[int, str] = field(default_factory=dict)
    actual_completion: date | None = None
    added_on: date | None = None  # when the bureau added the case (新增); listed soon after
    baseline: PlanBaseline | None = None
    first_baseline: PlanBaseline | None = None

    @property
    def start(self) -> int:
        return self.curve.start

    @property
    def end(self) -> int:
        return self.curve.end

    def planned(self, month: int) -> tuple[Decimal, int, bool]:
        """(planned %, planned allocation, on the original baseline?) in force for ``month``."""
        if self.first_curve is not None and month < self.replan_month:
            return (*self.first_curve.at(month), True)
        return (*self.curve.at(month), False)


def project_duration(kind: str, budget: int, rng: random.Random) -> int:
    """How many months a project of ``kind`` runs (one draw of ``rng``): three to four and a half
    years for a major project of NT$1 billion or more, about a year for a general subsidy."""
    if kind == ProjectKind.MAJOR:
        return rng.randint(36, 54) if budget >= 1_000_000_000 else rng.randint(24, 40)
    if kind == ProjectKind.FORWARD:
        return rng.randint(14, 28)
    if kind == ProjectKind.GENERAL_SUBSIDY:
        return rng.randint(9, 16)
    return rng.randint(12, 30)


def short_of_done(value: Decimal, planned: float) -> Decimal:
    """An actual % while the work is not done: never 100, at most 99.80 (or the planned figure
    when that lies between 99.80 and 100)."""
    cap = clamp_percent(planned) if Decimal("99.80") < planned < 100 else Decimal("99.80")
    return min(value, cap)


def _classify(diff: Decimal) -> str:
    if diff <= -10:
        return "serious"
    return "behind" if diff < 0 else "ok"


def _simulate(plan: Plan, rng: random.Random) -> bool:
    """Fill ``plan.actual`` month by month; True when the last accepted month shows the
    intended lag (the caller draws again otherwise)."""
    scenario = plan.spec.scenario
    judged = plan.anchor - 1  # the month the lag status is read from
    base = rng.uniform(0.0, 1.2)
    target = {"behind": -rng.uniform(1.5, 8.5), "serious": -rng.uniform(11.0, 21.0)}.get(
        scenario, 0.0
    )
    ramp = rng.randint(3, 7) if scenario == "behind" else rng.randint(4, 9)
    dip = None
    if scenario == "ok" and plan.last_month - plan.start > 10 and rng.random() < 0.35:
        dip = (rng.randint(plan.start + 3, plan.last_month - 6), rng.uniform(1.0, 4.0))
    pre_stop = -rng.uniform(1.0, 4.0)
    previous = Decimal("0.00")
    finish = month_index(plan.actual_completion) if plan.actual_completion else plan.end
    plan.actual = {}
    for month in range(plan.start, plan.last_month + 1):
        planned = float(plan.curve.at(month)[0])
        if plan.actual_completion is not None and month >= month_index(plan.actual_completion):
            value = Decimal("100.00")
        elif plan.stop_month is not None and month >= plan.stop_month:
            value = previous
        else:
            dev = base + rng.uniform(0.0, 0.4)
            if target:
                share = min(max((month - (judged - ramp)) / ramp, 0.0), 1.0)
                dev = dev * (1 - share) + target * share
            if plan.stop_month is not None:
                share = min(max((month - (plan.stop_month - 4)) / 4, 0.0), 1.0)
                dev = dev * (1 - share) + pre_stop * share
            if dip is not None and abs(month - dip[0]) <= 1:
                dev -= dip[1] * (1 if month == dip[0] else 0.5)
            value = clamp_percent(planned + dev)
            if month < finish:
                value = short_of_done(value, planned)
        value = max(value, previous)
        plan.actual[month] = previous = value
    if scenario in {"ok", "behind", "serious", "replan", "resumed"}:
        diff = plan.actual[judged] - plan.curve.at(judged)[0]
        expected = "ok" if scenario in {"replan", "resumed"} else scenario
        return (
            _classify(diff) == expected
            and _classify(plan.actual[plan.anchor] - plan.curve.at(plan.anchor)[0]) == expected
        )
    return True


def _phase_of(plan: Plan, month: int) -> str:
    spec = plan.spec
    if plan.stop_month is not None and month >= plan.stop_month:
        return (
            ExecutionPhase.TERMINATED if spec.scenario == "terminated" else ExecutionPhase.STOPPED
        )
    if plan.actual_completion is not None:
        done = month_index(plan.actual_completion)
        if month >= done:
            after = month - done
            if plan.delist_month is not None and month >= plan.delist_month - 1:
                return ExecutionPhase.CLOSED
            return [
                ExecutionPhase.COMPLETION_REPORTED,
                ExecutionPhase.ACCEPTANCE,
                ExecutionPhase.SETTLEMENT,
            ][min(after, 2)]
    actual = plan.actual.get(month, Decimal("0"))
    if actual < Decimal("1.5"):
        return ExecutionPhase.PLANNING
    if spec.work != "program" and actual < 5:
        return ExecutionPhase.TENDERING
    return ExecutionPhase.CONSTRUCTION


def build_plan(spec: Spec, seed: int, anchor: int, today: date) -> Plan:
    """Everything about one project, computed without touching the database."""
    rng = random.Random(seed)
    n = project_duration(spec.kind, spec.budget, rng)
    scenario = spec.scenario
    stop_month = suspend_month = delist_month = None
    completion = None
    if scenario == "new":
        start = anchor + rng.randint(2, 5)
    elif scenario == "suspended":
        start = anchor - rng.randint(6, 12)
        suspend_month = anchor - rng.randint(1, 3)
    elif scenario == "delisted":
        start = anchor - rng.randint(3, 14) - n + 1
        delist_month = start + n + rng.randint(1, 3)
        delist_month = min(delist_month, anchor)
    elif scenario == "finishing":
        start = anchor - rng.randint(0, 2) - n + 1
    else:
        share = {
            "behind": (0.3, 0.8),
            "serious": (0.45, 0.8),
            "stopped": (0.45, 0.75),
            "terminated": (0.45, 0.75),
            "replan": (0.5, 0.8),
            "resumed": (0.55, 0.85),
        }.get(scenario, (0.1, 0.85))
        elapsed = max(3, round(rng.uniform(*share) * n))
        start = anchor - elapsed + 1
        if scenario in {"stopped", "terminated"}:
            stop_month = max(start + 2, anchor - rng.randint(2, 6))
    plan = Plan(spec, rng, anchor, make_curve(start, n, spec.budget, rng))
    plan.start_day = rng.randint(1, 20)
    if scenario == "new":
        plan.added_on = today - timedelta(days=rng.randint(5, 40))
    else:
        plan.added_on = first_of(start) - timedelta(days=rng.randint(25, 50))
    plan.stop_month, plan.suspend_month, plan.delist_month = stop_month, suspend_month, delist_month
    if scenario == "replan":
        shorter = n - rng.randint(4, 8)
        plan.first_curve = make_curve(start, shorter, spec.budget, rng)
        plan.replan_month = max(start + 2, anchor - rng.randint(3, 9))
        reason = REPLAN_REASONS[spec.number % len(REPLAN_REASONS)]
        plan.replan_reason = reason.format(n=n - shorter)
    if scenario in {"finishing", "delisted"}:
        late = rng.choice([0, 0, 0, 1]) if scenario == "delisted" else 0
        done = plan.end + late
        completion = date.fromordinal(
            min(first_of(done).toordinal() + rng.randint(5, 27), today.toordinal() - 1)
        )
        plan.actual_completion = completion
    if scenario == "resumed":
        first = anchor - rng.randint(7, 9)
        plan.resume_window = (first, first + 2)
    if scenario == "suspended":
        plan.last_month = suspend_month - 1
    elif scenario == "delisted":
        plan.last_month = delist_month - 1
    elif scenario == "new":
        plan.last_month = start - 1
    else:
        plan.last_month = anchor
    for _attempt in range(12):
        if _simulate(plan, rng):
            break
    plan.phases = {m: _phase_of(plan, m) for m in range(plan.start, plan.last_month + 1)}
    return plan


def judge_milestone(
    milestone: Milestone, diff: Decimal, *, stopped: bool, rng: random.Random
) -> None:
    """Record how a checkpoint that fell due came out, from ``diff``, the actual minus the
    planned % of its month: missed when the work had stopped or was 10 points or more behind,
    partly met when more than a point behind (each with the bureau's note), otherwise met on its
    planned date or up to 20 days before (one draw of ``rng``, only then)."""
    if stopped or diff <= -10:
        milestone.status = MilestoneStatus.MISSED
        milestone.note = "進度落後，未能如期達成，已列入趕工計畫追蹤。"
    elif diff < -1:
        milestone.status = MilestoneStatus.PARTIAL
        milestone.note = "部分工項尚未完成，持續趕辦中。"
    else:
        milestone.status = MilestoneStatus.MET
        milestone.actual_date = milestone.planned_date - timedelta(days=rng.randint(0, 20))
