"""The plan of the projects part: N controlled projects over 110.4–115.3, computed in Python
without touching the database (``plan_projects``; deterministic, one seeded generator per
project), then written by ``project_part`` and ``followup_part``.

**The portfolio.** Projects are spread over the bureaus that build (工務局 and 水利局 most) and
the district offices, in the city's mix: about a quarter major projects of NT$50M or more, most
of the rest forward-looking works under NT$50M in the eight categories' proportions, a few
general-subsidy and key-business items. Each runs 9–54 months with a start spread so that about
a third are under way at any time; a few start after 115.3 and are still new (新增).

**Their course.** Nine in ten keep to their S-curve; one in ten falls behind (a third of those
seriously, 10 points or more) and finishes late; one in fifty stops work (停工中) and one in a
hundred is suspended (暫緩列管). A finished project is accepted and settled over the next months
and delisted (解除列管) three months after completion.

**Monthly reports**, one for every month of the span inside 110.4–115.3: cumulative actual %
that never decreases (100 only once the work is done), money within the allocation. Up to 115.1
they are accepted (a few never filed); 115.2 — due 115.3.10 — is in every state of the review
cycle, and for 115.3 a fifth of the projects have started a draft.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

# The demo seeder's rules are imported at the top: the parts are only imported by
# ensure_dataset(), once Django is set up.
from projects.demo.plans import (
    clamp_percent,
    first_of,
    make_curve,
    month_index,
    project_duration,
    short_of_done,
)
from tests.perf.fiveyear import TODAY, now

SEED = 20210401
FIRST = date(2021, 4, 1)  # 110.4
LAST = date(2026, 3, 1)  # 115.3, the month being filed on TODAY
SCORED_YEARS = (2022, 2023, 2024, 2025)
BATCH = 2000

# Where projects are: the building bureaus by weight, every district office a little.
BUREAU_WEIGHTS = {
    "B06": 20, "B07": 14, "B12": 8, "B04": 7, "B14": 6, "B13": 5, "B17": 4, "B11": 4,
    "B05": 3, "B08": 3, "B10": 3, "B16": 2, "B20": 2, "B29": 2, "B19": 2, "S06": 2,
    "B09": 1, "B02": 1, "B18": 1, "S01": 1,
}  # fmt: skip
DISTRICT_WEIGHT = 0.5
# The 363 forward-looking plans of the briefing, by category.
FORWARD_WEIGHTS = {
    "rail": 2, "water": 58, "green_energy": 9, "digital": 60, "urban_rural": 192,
    "food_safety": 7, "childcare": 20, "talent": 15,
}  # fmt: skip
FORWARD_WORK = {
    "rail": ["study"],
    "water": ["drain"],
    "green_energy": ["plant"],
    "digital": ["system"],
    "urban_rural": ["landscape", "road", "park"],
    "food_safety": ["building"],
    "childcare": ["building"],
    "talent": ["building"],
}
MAJOR_WORK = {
    "B06": ["road", "road", "bridge"],
    "B07": ["drain", "sewer"],
    "B12": ["building", "landscape"],
    "B14": ["road", "study"],
    "B13": ["heritage", "building"],
    "B17": ["plant"],
    "B11": ["landscape"],
    "B05": ["road", "plant"],
}
NAMES = {
    "road": ["{d}{s}拓寬工程", "{d}{s}人行環境改善工程", "{d}{s}延伸新闢工程"],
    "bridge": ["{d}{r}橋改建工程"],
    "drain": ["{d}{r}排水改善工程", "{d}{r}排水護岸及環境營造工程"],
    "sewer": ["{d}污水下水道系統分支管網工程（第{n}期）"],
    "building": ["{d}{f}新建工程", "{d}{f}整建工程"],
    "heritage": ["{d}{h}修復及再利用工程"],
    "landscape": ["{d}{s}周邊景觀改善工程", "{d}{r}水岸景觀營造工程"],
    "park": ["{d}{r}自行車道串連工程", "{d}{r}休憩公園改善工程"],
    "plant": ["{d}{p}設備更新工程", "{d}{p}新建工程"],
    "system": ["臺南市{y}建置計畫（第{n}期）"],
    "study": ["臺南市{t}可行性研究（第{n}期）"],
    "program": ["臺南市{g}計畫（第{n}年度）"],
}
STREETS = ["中正路", "中華路", "民族路", "成功路", "中山路", "文化路", "仁愛路", "復興路", "長榮路"]
RIVERS = ["鹽水溪", "曾文溪", "急水溪", "二仁溪", "八掌溪", "將軍溪", "竹溪", "柴頭港溪", "許縣溪"]
FACILITIES = [
    "社會住宅", "國民運動中心", "公共托育家園", "圖書館分館", "里民活動中心", "消防分隊廳舍",
    "長照服務據點", "國小校舍", "親子館", "轉運站",
]  # fmt: skip
HERITAGE = ["日式宿舍群", "歷史街區", "古蹟", "老街建築群", "糖廠倉庫"]
PLANTS = ["焚化廠", "水資源回收中心", "抽水站", "生質能源中心", "公有建築屋頂型太陽光電"]
SYSTEMS = ["智慧路燈物聯網", "資料治理平臺", "智慧交通號誌", "智慧教室", "防災資訊整合平臺"]
STUDIES = ["先進運輸系統綠線", "捷運藍線延伸", "輕軌路網", "公車專用道"]
PROGRAMS = ["老舊機車汰換補助", "長照社區整體照顧", "登革熱防治", "觀光景點友善環境提升"]
TECH_WORKS = {"system", "study", "program"}
# Tainan's 37 districts (DOMAIN.md), for the works of a bureau.
DISTRICTS = (
    "新營區 鹽水區 白河區 柳營區 後壁區 東山區 麻豆區 下營區 六甲區 官田區 大內區 佳里區 學甲區 "
    "西港區 七股區 將軍區 北門區 新化區 善化區 新市區 安定區 山上區 玉井區 楠西區 南化區 左鎮區 "
    "仁德區 歸仁區 關廟區 龍崎區 永康區 東區 南區 北區 安南區 安平區 中西區"
).split()


def working_moment(day: date, rng: random.Random, not_before: datetime | None = None) -> datetime:
    """A working-hours moment on ``day`` (after ``not_before``), never after the frozen now."""
    from tainan_rdec.workdays import TAIPEI

    moment = datetime.combine(day, clock(rng.randint(8, 17), rng.randint(0, 59)), TAIPEI)
    if not_before is not None and moment <= not_before:
        moment = not_before + timedelta(minutes=rng.randint(20, 180))
    moment = min(moment, now() - timedelta(minutes=rng.randint(5, 600)))
    if not_before is not None and moment <= not_before:  # both close to now: keep the order
        moment = not_before + timedelta(minutes=1)
    return moment


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Report:
    month: int
    planned: Decimal
    allocated: int
    actual: Decimal
    paid: int
    payable: int
    savings: int
    phase: str
    state: str  # a ReportState value, or "" for a month never filed


@dataclass
class Plan:
    number: int
    rng: random.Random
    agency: str
    kind: str
    category: str
    work: str
    budget: int
    start: int
    n: int
    scenario: str
    name: str = ""
    districts: list[str] = field(default_factory=list)
    co_agency: str | None = None
    percents: list[Decimal] = field(default_factory=list)
    allocations: list[int] = field(default_factory=list)
    stop_month: int | None = None
    suspend_month: int | None = None
    completion: date | None = None
    delist_month: int | None = None
    last_month: int = 0  # last month simulated (the last report, or LAST)
    actual: dict[int, Decimal] = field(default_factory=dict)
    phases: dict[int, str] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    late_filer: bool = False
    suspend_reason: str = ""
    added_on: date | None = None
    control_number: str = ""

    @property
    def end(self) -> int:
        return self.start + self.n - 1

    @property
    def status(self) -> str:
        from projects.choices import ControlStatus

        if self.start > month_index(LAST):
            return ControlStatus.NEW
        if self.suspend_month is not None:
            return ControlStatus.SUSPENDED
        if self.delist_month is not None:
            return ControlStatus.DELISTED
        return ControlStatus.LISTED

    def planned(self, month: int) -> tuple[Decimal, int]:
        """(planned %, planned allocation) for ``month``: the latest point not after it."""
        if month < self.start:
            return Decimal("0.00"), 0
        i = min(month, self.end) - self.start
        return self.percents[i], self.allocations[i]


def _agency_weights(codes: set[str]) -> tuple[list[str], list[float]]:
    names, weights = [], []
    for code, weight in BUREAU_WEIGHTS.items():
        if code in codes:
            names.append(code)
            weights.append(weight)
    for code in sorted(c for c in codes if c.startswith("D")):
        names.append(code)
        weights.append(DISTRICT_WEIGHT)
    return names, weights


def _kind(rng: random.Random, code: str) -> tuple[str, str, str]:
    """(kind, forward category, work type) for a project of agency ``code``."""
    from projects.choices import ProjectKind

    if code.startswith("D"):
        if rng.random() < 0.6:
            return (
                ProjectKind.GENERAL_SUBSIDY,
                "",
                rng.choice(["road", "drain", "landscape", "park"]),
            )
        return ProjectKind.FORWARD, "urban_rural", rng.choice(["landscape", "road", "park"])
    roll = rng.random()
    if roll < 0.32:
        return ProjectKind.MAJOR, "", rng.choice(MAJOR_WORK.get(code, ["building"]))
    if roll < 0.9:
        category = rng.choices(list(FORWARD_WEIGHTS), list(FORWARD_WEIGHTS.values()))[0]
        return ProjectKind.FORWARD, category, rng.choice(FORWARD_WORK[category])
    if roll < 0.95:
        return ProjectKind.GENERAL_SUBSIDY, "", rng.choice(["road", "drain", "landscape"])
    return ProjectKind.KEY_BUSINESS, "", rng.choice(["program", "system"])


def _budget(rng: random.Random, kind: str) -> int:
    from projects.choices import ProjectKind

    low, high = {
        ProjectKind.MAJOR: (5e7, 3e9),
        ProjectKind.FORWARD: (5e6, 4.9e7),
        ProjectKind.GENERAL_SUBSIDY: (3e6, 4e7),
        ProjectKind.KEY_BUSINESS: (5e6, 2e8),
    }[kind]
    return int(math.exp(rng.uniform(math.log(low), math.log(high))) // 10_000 * 10_000)


def _name(rng: random.Random, work: str, district: str, n: int) -> str:
    template = rng.choice(NAMES[work])
    return template.format(
        d=district,
        s=rng.choice(STREETS),
        r=rng.choice(RIVERS),
        f=rng.choice(FACILITIES),
        h=rng.choice(HERITAGE),
        p=rng.choice(PLANTS),
        y=rng.choice(SYSTEMS),
        t=rng.choice(STUDIES),
        g=rng.choice(PROGRAMS),
        n=n % 5 + 1,
    )


def _curves(plan: Plan) -> None:
    curve = make_curve(plan.start, plan.n, plan.budget, plan.rng)
    plan.percents, plan.allocations = curve.percents, curve.allocations


def _course(plan: Plan) -> None:
    """Stoppage, suspension, completion and delisting, by scenario."""
    rng, last = plan.rng, month_index(LAST)
    if plan.start > last:
        plan.last_month = plan.start - 1
        return
    if plan.scenario in {"stopped", "suspended"} and not (plan.start + 4 <= last - 2 < plan.end):
        plan.scenario = "ok"  # not under way in the last months: nothing to stop or suspend
    if plan.scenario == "stopped":
        plan.stop_month = rng.randint(max(plan.start + 3, last - 10), last - 1)
    if plan.scenario == "suspended":
        plan.suspend_month = rng.randint(max(plan.start + 3, last - 8), last - 1)
    plan.last_month = last
    if plan.scenario in {"ok", "behind", "serious"}:
        delay = {"ok": rng.choice([0, 0, 0, 1]), "behind": rng.randint(1, 3)}.get(
            plan.scenario, rng.randint(3, 6)
        )
        done = plan.end + delay
        if done < last:
            day = first_of(done).replace(day=rng.randint(5, 27))
            plan.completion = min(day, TODAY - timedelta(days=1))
            plan.last_month = min(done + 2, last)  # accepted and settled in the next months
            if done + 3 <= last:
                plan.delist_month = done + 3
    if plan.suspend_month is not None:
        plan.last_month = plan.suspend_month - 1


def _simulate(plan: Plan) -> None:
    """Cumulative actual % month by month from the start (never decreasing; 100 only once done)."""
    rng = plan.rng
    base = rng.uniform(0.0, 1.2)
    target = {"behind": -rng.uniform(1.5, 8.5), "serious": -rng.uniform(11.0, 21.0)}.get(
        plan.scenario, 0.0
    )
    drift_from = plan.start + round(rng.uniform(0.15, 0.5) * plan.n)
    ramp = rng.randint(3, 8)
    finish = month_index(plan.completion) if plan.completion else None
    previous = Decimal("0.00")
    for month in range(plan.start, plan.last_month + 1):
        planned = float(plan.planned(month)[0])
        if finish is not None and month >= finish:
            value = Decimal("100.00")
        elif plan.stop_month is not None and month >= plan.stop_month:
            value = previous
        else:
            dev = base + rng.uniform(0.0, 0.4)
            if target:
                share = min(max((month - drift_from) / ramp, 0.0), 1.0)
                dev = dev * (1 - share) + target * share
            if plan.stop_month is not None:
                share = min(max((month - (plan.stop_month - 4)) / 4, 0.0), 1.0)
                dev = dev * (1 - share) - rng.uniform(1.0, 4.0) * share
            value = short_of_done(clamp_percent(planned + dev), planned)
        value = max(value, previous)
        plan.actual[month] = previous = value
        plan.phases[month] = _phase(plan, month)


def _phase(plan: Plan, month: int) -> str:
    from projects.choices import ExecutionPhase

    if plan.stop_month is not None and month >= plan.stop_month:
        return ExecutionPhase.STOPPED
    if plan.completion is not None and month >= month_index(plan.completion):
        after = month - month_index(plan.completion)
        return [
            ExecutionPhase.COMPLETION_REPORTED,
            ExecutionPhase.ACCEPTANCE,
            ExecutionPhase.SETTLEMENT,
        ][min(after, 2)]
    actual = plan.actual.get(month, Decimal(0))
    if actual < Decimal("1.5"):
        return ExecutionPhase.PLANNING
    if plan.work != "program" and actual < 5:
        return ExecutionPhase.TENDERING
    return ExecutionPhase.CONSTRUCTION


def _reports(plan: Plan) -> None:
    """The month-by-month report figures and the state each report is in on TODAY."""
    from projects.choices import ReportState

    rng, last = plan.rng, month_index(LAST)
    rate = rng.uniform(0.86, 0.99)
    if plan.scenario in {"stopped", "serious"}:
        rate = rng.uniform(0.58, 0.78)
    paid_share = rng.uniform(0.82, 0.95)
    award_month = plan.start + max(0, round(plan.n * 0.2) - 1)
    savings_share = rng.uniform(0.01, 0.06) if plan.work not in {"program"} else 0.0
    finish = month_index(plan.completion) if plan.completion else None
    paid_before = 0
    for month in range(max(plan.start, month_index(FIRST)), plan.last_month + 1):
        if month == last:
            if rng.random() >= 0.2:
                continue  # this month's report is not started yet
            state = ReportState.DRAFT
        elif month == last - 1:
            states = [ReportState.ACCEPTED, ReportState.SUBMITTED, ReportState.RETURNED]
            state = rng.choices([*states, ReportState.DRAFT, ""], weights=[50, 30, 8, 5, 7])[0]
        else:
            state = "" if month < last - 3 and rng.random() < 0.01 else ReportState.ACCEPTED
        planned, allocated = plan.planned(month)
        if finish is not None and month >= finish:
            share = rng.uniform(0.985, 1.0)
        else:
            share = min(1.0, rate + rng.uniform(-0.02, 0.02))
        spent = int(allocated * share)
        savings = min(int(allocated * savings_share) if month >= award_month else 0, spent)
        paid = min(spent - savings, max(paid_before, int((spent - savings) * paid_share)))
        paid_before = paid
        plan.reports.append(
            Report(
                month,
                planned,
                allocated,
                plan.actual[month],
                paid,
                spent - savings - paid,
                savings,
                plan.phases[month],
                state,
            )
        )


def plan_projects(n: int, agencies: dict) -> list[Plan]:
    """The ``n`` projects, computed without touching the database (deterministic)."""
    codes, weights = _agency_weights(set(agencies))
    districts = [code for code in codes if code.startswith("D")]
    plans = []
    sequence: dict[str, int] = {}
    first, last = month_index(FIRST), month_index(LAST)
    for number in range(n):
        rng = random.Random(f"{SEED}:{number}")
        code = rng.choices(codes, weights)[0]
        kind, category, work = _kind(rng, code)
        budget = _budget(rng, kind)
        months = project_duration(kind, budget, rng)
        start = rng.randint(first - months + 4, last + 3)
        roll = rng.random()
        scenario = (
            "behind"
            if roll < 0.067
            else "serious"
            if roll < 0.1
            else "stopped"
            if roll < 0.12
            else "suspended"
            if roll < 0.13
            else "ok"
        )
        plan = Plan(number, rng, code, kind, category, work, budget, start, months, scenario)
        plan.late_filer = rng.random() < 0.15
        agency = agencies[code]
        district = (
            agency.name.removeprefix("臺南市").removesuffix("公所")
            if code in districts
            else rng.choice(DISTRICTS)
        )
        plan.districts = [district] if work not in TECH_WORKS else []
        if code not in districts and rng.random() < 0.05:
            plan.co_agency = rng.choice([c for c in ("B14", "B05", "B12", "B06") if c != code])
        plan.name = _name(rng, work, district, number)
        plan.added_on = first_of(start) - timedelta(days=rng.randint(25, 50))
        if start > last:
            plan.added_on = TODAY - timedelta(days=rng.randint(5, 40))
        sequence[code] = sequence.get(code, 0) + 1
        plan.control_number = f"{plan.added_on.year - 1911}-{code}-{sequence[code]:04d}"
        _curves(plan)
        _course(plan)
        _simulate(plan)
        _reports(plan)
        plans.append(plan)
    return plans


def expected_counts(plans: list[Plan]) -> dict[str, int]:
    return {
        "projects": len(plans),
        "reports": sum(1 for p in plans for r in p.reports if r.state),
    }


def current_counts() -> dict[str, int]:
    from projects.models import MonthlyReport, Project

    return {"projects": Project.objects.count(), "reports": MonthlyReport.objects.count()}
