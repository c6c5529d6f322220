"""The service-quality records of the five-year data set, year by year for 110–114 and 115 so far
(the volume of ``evaluations.demo``, every year):

- telephone courtesy tests: the 173 units (three per bureau, two per second-tier agency and per
  district office) called twice a year, the 1999 hotline and the switchboard once a month —
  about 370 a year, scored item by item on the year's rubric (``services.score_points``);
- mystery-shopper audits: the district offices twice, the city hall counters once, and twice
  each agency the previous year's evaluation marked 待加強 (the demo's list in 110) — about 95 a
  year, with up to two improvement items from the weakest items, most verified, the recent
  ones reported or still open;
- the year's audit target list (``evaluation.generate_audit_targets`` and the counters by
  ``add_audit_target``), then the annual evaluation computed and finalized by the services,
  which puts next year's targets in place;
- the Government Service Award coaching: 64 agencies coached → 6 recommended → 4 shortlisted
  → 2 winners, every year.

The records are written in bulk as the recording services would write them (references
``TEL-113-0001`` in date order, snapshot scores, history rows, timestamps on the day); the
rubrics, targets and evaluations come from the services themselves.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tests.perf.fiveyear import TODAY, Timer, stamp, wipe

SEED = 20210402
YEARS = (2021, 2022, 2023, 2024, 2025)  # evaluated and finalized; 2026 runs until TODAY
FIRST_DAY = date(2021, 4, 1)
BATCH = 2000


def _rng(*parts) -> random.Random:
    return random.Random(f"{SEED}:" + ":".join(str(p) for p in parts))


def _moment(day: date, hour: int) -> datetime:
    from tainan_rdec.workdays import TAIPEI

    return datetime.combine(day, time(hour, 0), TAIPEI)


def _day_in(rng: random.Random, year: int, half: int) -> date | None:
    """A working day in the first (0) or second (1) half of ``year`` inside the data set's
    five years (None when it would fall on or after TODAY)."""
    start = date(year, 1, 6) if half == 0 else date(year, 7, 1)
    span = 170
    if start < FIRST_DAY:
        span -= (FIRST_DAY - start).days
        start = FIRST_DAY
    day = start + timedelta(days=rng.randrange(span))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day if day < TODAY else None


def _years():
    return [*YEARS, TODAY.year]


def _units(agencies) -> list[tuple[object, str]]:
    from evaluations.demo.catalogue import (
        BUREAU_UNITS,
        DISTRICT_UNITS,
        KNOWN_UNITS,
        SECOND_TIER_UNITS,
    )
    from tainan_rdec.choices import AgencyKind

    names = {
        AgencyKind.SECOND_TIER: SECOND_TIER_UNITS,
        AgencyKind.DISTRICT_OFFICE: DISTRICT_UNITS,
    }
    rows = []
    for agency in agencies:
        if agency.kind == AgencyKind.BUREAU:
            rows += [(agency, unit) for unit in KNOWN_UNITS.get(agency.code, BUREAU_UNITS)]
        elif agency.kind in names:
            rows += [(agency, unit) for unit in names[agency.kind]]
    return rows


def planned_calls(agencies) -> list[tuple]:
    """Every test call of the data set: (year, agency, unit, route, day, rng), in a fixed order."""
    from evaluations.choices import CallRoute

    by_code = {a.code: a for a in agencies}
    calls = []
    for year in _years():
        for agency, unit in _units(agencies):
            for half in (0, 1):
                rng = _rng("phone", year, agency.code, unit, half)
                day = _day_in(rng, year, half)
                if day is None:
                    continue
                route = CallRoute.SWITCHBOARD if rng.random() < 0.3 else CallRoute.DIRECT
                calls.append((year, agency, unit, route, day, rng))
        for month in range(1, 13):
            day = date(year, month, 15)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            if not FIRST_DAY <= day < TODAY:
                continue
            if "H01" in by_code:
                rng = _rng("hotline", year, month)
                calls.append((year, by_code["H01"], "話務中心", CallRoute.HOTLINE, day, rng))
            if "B01" in by_code:
                rng = _rng("switchboard", year, month)
                calls.append((year, by_code["B01"], "總機", CallRoute.SWITCHBOARD, day, rng))
    return calls


def coached(agencies) -> list:
    """The 64 agencies coached each year (the bureaus, second-tier agencies, district offices)."""
    from tainan_rdec.choices import AgencyKind

    def of(kind):
        return [a for a in agencies if a.kind == kind]

    districts = of(AgencyKind.DISTRICT_OFFICE)
    return (of(AgencyKind.BUREAU) + of(AgencyKind.SECOND_TIER) + districts[:29])[:64]


def _quality_models():
    from django.apps import apps

    from evaluations.models import EvaluationSettings

    return [
        m for m in apps.get_app_config("evaluations").get_models() if m is not EvaluationSettings
    ]


def ensure(cast, *, force: bool = False) -> float | None:
    """Make the service-quality part complete; ``force`` regenerates it (the cases changed, so
    the evaluations' petition component did). The seconds it took, or None when reused."""
    from django.db import transaction

    from evaluations.models import AnnualEvaluation, AwardCoaching, PhoneTest
    from tainan_rdec.models import Agency

    agencies = list(Agency.objects.active().order_by("sort_order", "code"))
    wanted = {
        "phone tests": len(planned_calls(agencies)),
        "coached": len(coached(agencies)) * len(YEARS),
        "final evaluations": len(YEARS),
    }
    have = {
        "phone tests": PhoneTest.objects.count(),
        "coached": AwardCoaching.objects.count(),
        "final evaluations": AnnualEvaluation.objects.filter(finalized_at__isnull=False).count(),
    }
    if wanted == have and not force:
        print(f"  service quality: reusing {have['phone tests']:,} phone tests and the rest")
        return None
    if any(have.values()):
        reason = "the cases were regenerated" if force else f"{have} in the tables, {wanted} wanted"
        print(f"  service quality: {reason}: emptying the evaluations tables")
        wipe(_quality_models())
    timer = Timer("service quality")
    with transaction.atomic():
        summary = QualityWriter(agencies, cast).run()
    return timer.done(summary)


class QualityWriter:
    def __init__(self, agencies, cast):
        from evaluations.demo.catalogue import IMPROVEMENT_AGENCIES

        self.agencies = agencies
        self.by_code = {a.code: a for a in agencies}
        self.cast = cast
        self.reviewer = cast.reviewer
        # How well each agency serves (a share of the points); the demo's weak agencies worse.
        self.quality = {
            a.code: _rng("quality", a.code).uniform(
                *((0.62, 0.78) if a.code in IMPROVEMENT_AGENCIES else (0.8, 0.98))
            )
            for a in agencies
        }
        self.calls = planned_calls(agencies)
        self.totals = {"tests": 0, "audits": 0, "items": 0}

    def run(self) -> str:
        from evaluations import evaluation

        for year in _years():
            phone, audit = self.rubrics(year)
            targets = self.targets(year)
            self.phone_tests(year, phone)
            self.audits(year, audit, targets)
            if year in YEARS:
                evaluation.compute_evaluation(year, by=self.reviewer, today=TODAY)
                evaluation.finalize_evaluation(year, by=self.reviewer)
        entries = self.coaching()
        return (
            f"{self.totals['tests']:,} phone tests, {self.totals['audits']:,} audits with "
            f"{self.totals['items']:,} improvement items, {len(YEARS)} evaluations finalized, "
            f"{entries} coaching entries"
        )

    def rubrics(self, year: int):
        from evaluations import rubrics
        from evaluations.choices import RubricKind
        from evaluations.models import Rubric

        def loaded(kind):
            rubric = rubrics.rubric_for(kind, year)
            return Rubric.objects.prefetch_related("items").get(pk=rubric.pk)

        return loaded(RubricKind.PHONE), loaded(RubricKind.AUDIT)

    def targets(self, year: int) -> dict:
        """agency id -> the year's AuditTarget, with the city hall counters added by hand."""
        from evaluations import evaluation
        from evaluations.choices import TargetBasis
        from evaluations.demo.catalogue import COUNTERS
        from evaluations.models import AuditTarget

        evaluation.generate_audit_targets(year, by=self.reviewer)
        on_list = set(AuditTarget.objects.filter(year=year).values_list("agency__code", flat=True))
        for code, counter in COUNTERS.items():
            if code in self.by_code and code not in on_list:
                evaluation.add_audit_target(
                    year,
                    self.by_code[code],
                    by=self.reviewer,
                    basis=TargetBasis.COUNTER,
                    note=counter,
                )
        return {t.agency_id: t for t in AuditTarget.objects.filter(year=year)}

    # -- telephone tests

    def _points(self, rng, item, quality: float, rings: int | None = None) -> Decimal:
        if rings is not None:  # the answering-speed items follow the rings counted
            return item.max_points if rings <= 4 else Decimal(0)
        share = min(max(rng.gauss(quality, 0.08), 0.0), 1.0)
        return Decimal(round(float(item.max_points) * share))

    def phone_tests(self, year: int, rubric) -> None:
        from simple_history.utils import bulk_create_with_history

        from evaluations.choices import CallRoute
        from evaluations.demo.catalogue import TESTERS
        from evaluations.models import PhoneTest, PhoneTestScore
        from evaluations.services import applicable_groups, score_points

        calls = sorted(
            (c for c in self.calls if c[0] == year), key=lambda c: (c[4], c[1].sort_order, c[2])
        )
        tests, scores = [], []
        for number, (_y, agency, unit, route, day, rng) in enumerate(calls, start=1):
            quality = self.quality[agency.code]
            rings = max(1, round(rng.gauss(3.4 - 5 * (quality - 0.8), 1.0)))
            groups = applicable_groups(rubric.kind, route)
            points = {
                item.code: self._points(
                    rng, item, quality, rings if item.code in {"S1", "U1"} else None
                )
                for item in rubric.items.all()
                if item.group in groups
            }
            scored = score_points(rubric, points, route=route)
            phone = "1999" if route == CallRoute.HOTLINE else "06-2991111"
            if route == CallRoute.DIRECT:
                phone = f"06-{rng.randrange(2000000, 2999999)}"
            test = PhoneTest(
                reference=f"TEL-{year - 1911}-{number:04d}",
                rubric=rubric,
                agency=agency,
                unit=unit,
                route=route,
                phone_number=phone,
                extension=f"{rng.randrange(1000, 9999)}" if route == CallRoute.SWITCHBOARD else "",
                tested_on=day,
                tested_at=time(rng.randrange(9, 17), rng.choice([0, 10, 20, 30, 40, 50])),
                tester=rng.choice(TESTERS),
                rings=rings,
                recording_ref=f"REC-{day:%Y%m%d}-{rng.randrange(1000, 9999)}",
                total=scored.total,
                max_total=scored.max_total,
                score=scored.score,
                recorded_by=self.reviewer,
            )
            test._history_date = _moment(day, 17)
            test._history_user = self.reviewer
            tests.append(test)
            scores.append(scored.points)
        tests = bulk_create_with_history(tests, PhoneTest, batch_size=BATCH)
        stamp(PhoneTest, tests, "created_at", [t._history_date for t in tests])
        PhoneTestScore.objects.bulk_create(
            [
                PhoneTestScore(test=test, item=item, points=value)
                for test, points in zip(tests, scores, strict=True)
                for item, value in points.items()
            ],
            batch_size=BATCH,
        )
        self.totals["tests"] += len(tests)

    # -- audits

    def audit_plan(self, year: int, targets: dict) -> list[tuple]:
        """(agency, counter, visits) of ``year``: district offices twice, counters once, the
        agencies marked for improvement twice."""
        from evaluations.choices import TargetBasis
        from evaluations.demo.catalogue import COUNTERS, IMPROVEMENT_AGENCIES
        from tainan_rdec.choices import AgencyKind

        plan = {}
        for agency in self.agencies:
            if agency.kind == AgencyKind.DISTRICT_OFFICE:
                plan[agency.code] = (agency, "戶政及綜合服務櫃台", 2)
        for code, counter in COUNTERS.items():
            if code in self.by_code:
                plan[code] = (self.by_code[code], counter, 1)
        weak = {t.agency.code for t in targets.values() if t.basis == TargetBasis.NEEDS_IMPROVEMENT}
        if year == YEARS[0]:
            weak = set(IMPROVEMENT_AGENCIES)
        for code in sorted(weak):
            if code in self.by_code and code not in plan:
                plan[code] = (self.by_code[code], "服務櫃台", 2)
        return sorted(plan.values(), key=lambda row: (row[0].sort_order, row[0].code))

    def audits(self, year: int, rubric, targets: dict) -> None:
        from simple_history.utils import bulk_create_with_history

        from evaluations.choices import ImprovementStatus
        from evaluations.demo.catalogue import AUDITORS, FINDINGS
        from evaluations.models import Audit, AuditScore, ImprovementItem
        from evaluations.services import score_points

        items = list(rubric.items.all())
        maxima = {i.code: i.max_points for i in items}
        visits = []
        for agency, counter, count in self.audit_plan(year, targets):
            for visit in range(count):
                rng = _rng("audit", year, agency.code, counter, visit)
                day = _day_in(rng, year, visit if count > 1 else rng.randrange(2))
                if day is not None:
                    visits.append((day, agency, counter, rng))
        visits.sort(key=lambda v: (v[0], v[1].sort_order))
        audits, scores, raised = [], [], []
        for number, (day, agency, counter, rng) in enumerate(visits, start=1):
            quality = self.quality[agency.code]
            points = {i.code: self._points(rng, i, quality) for i in items}
            scored = score_points(rubric, points)  # an audit: every group of the rubric
            weak = [f for f in FINDINGS if points[f[0]] < maxima[f[0]] * Decimal("0.7")]
            audit = Audit(
                reference=f"AUD-{year - 1911}-{number:04d}",
                rubric=rubric,
                agency=agency,
                counter=counter,
                visited_on=day,
                auditor=rng.choice(AUDITORS),
                findings="\n".join(f[1] for f in weak) or "服務情形良好。",
                target=targets.get(agency.pk),
                total=scored.total,
                max_total=scored.max_total,
                score=scored.score,
                recorded_by=self.reviewer,
            )
            audit._history_date = _moment(day, 17)
            audit._history_user = self.reviewer
            audits.append(audit)
            scores.append(scored.points)
            raised.append((weak[:2], rng))
        audits = bulk_create_with_history(audits, Audit, batch_size=BATCH)
        stamp(Audit, audits, "created_at", [a._history_date for a in audits])
        AuditScore.objects.bulk_create(
            [
                AuditScore(audit=audit, item=item, points=value)
                for audit, points in zip(audits, scores, strict=True)
                for item, value in points.items()
            ],
            batch_size=BATCH,
        )
        improvements = []
        for audit, (weak, rng) in zip(audits, raised, strict=True):
            for _code, finding, remedy in weak:
                due = audit.visited_on + timedelta(days=30)
                item = ImprovementItem(
                    audit=audit,
                    agency_id=audit.agency_id,
                    description=finding,
                    due_date=due,
                    raised_by=self.reviewer,
                )
                item._raised = _moment(audit.visited_on, 17)
                roll = rng.random()
                settled = due < TODAY - timedelta(days=45)
                reported = (settled and roll < 0.9) or (due < TODAY and roll < 0.5)
                if reported:
                    item.status = ImprovementStatus.REPORTED
                    item.report = remedy
                    item.reported_by = self.cast.staff.get(audit.agency.code, self.cast.admin)
                    item.reported_at = _moment(due - timedelta(days=rng.randint(1, 10)), 15)
                    if settled and roll < 0.85:
                        item.status = ImprovementStatus.VERIFIED
                        item.review_note = "經複查已改善。"
                        item.reviewed_by = self.reviewer
                        item.reviewed_at = _moment(due + timedelta(days=rng.randint(3, 14)), 10)
                item._history_date = item.reviewed_at or item.reported_at or item._raised
                improvements.append(item)
        improvements = bulk_create_with_history(improvements, ImprovementItem, batch_size=BATCH)
        stamp(ImprovementItem, improvements, "raised_at", [i._raised for i in improvements])
        self.totals["audits"] += len(audits)
        self.totals["items"] += len(improvements)

    # -- Government Service Award coaching

    def coaching(self) -> int:
        from evaluations.choices import PIPELINE, AwardCategory, CoachingStage
        from evaluations.demo.catalogue import AWARD_THEMES
        from evaluations.models import AwardCoaching, CoachingStageChange

        reached = {0: 5, 1: 5, 2: 4, 3: 4, 4: 2, 5: 2}  # 2 winners, 4 shortlisted, 6 recommended
        entries, steps = [], []
        for year in YEARS:
            agencies = coached(self.agencies)
            picks = _rng("award", year).sample(range(len(agencies)), 6)
            dates = [date(year, m, d) for m, d in ((3, 1), (5, 15), (6, 30), (8, 15), (9, 20))]
            dates.append(date(year, 11, 10))
            for n, agency in enumerate(agencies):
                rng = _rng("award", year, agency.code)
                level = reached[picks.index(n)] if n in picks else 0
                won = level == PIPELINE.index(CoachingStage.AWARDED)
                entry = AwardCoaching(
                    year=year,
                    agency=agency,
                    category=rng.choice(AwardCategory.values),
                    title=f"{agency.short_name or agency.name}{rng.choice(AWARD_THEMES)}",
                    stage=CoachingStage.AWARDED if won else CoachingStage.NOT_AWARDED,
                    reached_level=level,
                    created_by=self.reviewer,
                )
                entries.append(entry)
                path = [("", CoachingStage.COACHING, dates[0], "")]
                for step in range(1, level + 1):
                    path.append((PIPELINE[step - 1], PIPELINE[step], dates[step], ""))
                if not won:
                    note = "未獲推薦" if level == 0 else ""
                    path.append(
                        (PIPELINE[level], CoachingStage.NOT_AWARDED, dates[level + 1], note)
                    )
                steps.append(path)
        entries = AwardCoaching.objects.bulk_create(entries, batch_size=BATCH)
        stamp(
            AwardCoaching, entries, "created_at", [_moment(date(e.year, 3, 1), 10) for e in entries]
        )
        changes = [
            CoachingStageChange(
                coaching=entry,
                from_stage=old,
                to_stage=new,
                on_date=day,
                note=note,
                by=self.reviewer,
            )
            for entry, path in zip(entries, steps, strict=True)
            for old, new, day, note in path
        ]
        changes = CoachingStageChange.objects.bulk_create(changes, batch_size=BATCH)
        stamp(CoachingStageChange, changes, "at", [_moment(c.on_date, 16) for c in changes])
        return len(entries)
