"""Writes the demo service-quality year: phone tests and audits scored against the year's
rubrics, improvement items, the annual evaluation and the service-award coaching pipeline."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from evaluations import coaching, evaluation, rubrics, services
from evaluations.choices import (
    PIPELINE,
    AwardCategory,
    CallRoute,
    CoachingStage,
    RubricKind,
    TargetBasis,
)
from evaluations.demo.catalogue import (
    AUDITORS,
    AWARD_THEMES,
    BUREAU_UNITS,
    COACHING_YEAR,
    COUNTERS,
    DISTRICT_UNITS,
    FINDINGS,
    IMPROVEMENT_AGENCIES,
    KNOWN_UNITS,
    SECOND_TIER_UNITS,
    SEED,
    TESTERS,
)
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditTarget,
    AwardCoaching,
    PhoneTest,
    Rubric,
)
from tainan_rdec.choices import AgencyKind, Role
from tainan_rdec.models import Agency, User


def _rng(*parts) -> random.Random:
    return random.Random(f"{SEED}:" + ":".join(str(p) for p in parts))


def _points(rng: random.Random, item, quality: float, rings: int | None = None) -> Decimal:
    if rings is not None:  # the answering-speed items follow the rings counted
        return item.max_points if rings <= 4 else Decimal(0)
    share = min(max(rng.gauss(quality, 0.08), 0.0), 1.0)
    return Decimal(round(float(item.max_points) * share))


def _weak(points, rubric, code: str) -> bool:
    """An item scored below 70% of its maximum: the audit lists it as a finding."""
    item = next((i for i in rubric.items.all() if i.code == code), None)
    return item is not None and points is not None and points < item.max_points * Decimal("0.7")


def _rubric(kind: str, year: int):
    """The year's rubric with its items loaded once (the services reuse them)."""
    rubric = rubrics.rubric_for(kind, year)
    return Rubric.objects.prefetch_related("items").get(pk=rubric.pk)


def _day_in(rng: random.Random, year: int, half: int) -> date:
    """A working day in the first (0) or second (1) half of ``year``."""
    start = date(year, 1, 6) if half == 0 else date(year, 7, 1)
    while True:
        day = start + timedelta(days=rng.randrange(170))
        if day.weekday() < 5:
            return day


class DemoSeeder:
    def __init__(self, stdout, today: date):
        self.stdout = stdout
        self.today = today
        self.year = today.year - 1
        self.reviewer = (
            User.objects.filter(username="reviewer", is_active=True).first()
            or User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk").first()
        )
        self.admin = (
            User.objects.filter(username="admin", is_active=True).first()
            or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        )
        self.agencies = {a.code: a for a in Agency.objects.active()}
        # How well each agency serves (a share of the points); the ones marked for improvement
        # serve worse, so the demo ranking has them near the bottom.
        self.quality = {
            code: _rng("quality", code).uniform(
                *((0.62, 0.78) if code in IMPROVEMENT_AGENCIES else (0.8, 0.98))
            )
            for code in self.agencies
        }

    # -- telephone tests -----------------------------------------------------------------------

    def units(self) -> list[tuple[Agency, str]]:
        rows = []
        for code, agency in sorted(self.agencies.items(), key=lambda kv: kv[1].sort_order):
            if agency.kind == AgencyKind.BUREAU:
                names = KNOWN_UNITS.get(code, BUREAU_UNITS)
            elif agency.kind == AgencyKind.SECOND_TIER:
                names = SECOND_TIER_UNITS
            elif agency.kind == AgencyKind.DISTRICT_OFFICE:
                names = DISTRICT_UNITS
            else:
                continue
            rows.extend((agency, name) for name in names)
        return rows

    def phone_test(self, rubric, agency, unit, route, day, rng, **extra):
        quality = self.quality[agency.code]
        rings = max(1, round(rng.gauss(3.4 - 5 * (quality - 0.8), 1.0)))
        points = {}
        groups = services.applicable_groups(rubric.kind, route)
        for item in (i for i in rubric.items.all() if i.group in groups):
            speed = item.code in {"S1", "U1"}
            points[item.code] = _points(rng, item, quality, rings if speed else None)
        return services.record_phone_test(
            by=self.reviewer,
            rubric=rubric,
            points=points,
            agency=agency,
            unit=unit,
            route=route,
            phone_number=extra.get("phone_number") or f"06-{rng.randrange(2000000, 2999999)}",
            extension=extra.get("extension", ""),
            tested_on=day,
            tested_at=time(rng.randrange(9, 17), rng.choice([0, 10, 20, 30, 40, 50])),
            tester=rng.choice(TESTERS),
            rings=rings,
            seconds_to_answer=None,
            notes="",
            recording_ref=f"REC-{day:%Y%m%d}-{rng.randrange(1000, 9999)}",
        )

    def seed_phone_tests(self) -> int:
        rubric = _rubric(RubricKind.PHONE, self.year)
        count = 0
        for agency, unit in self.units():
            for half in (0, 1):
                rng = _rng("phone", agency.code, unit, half)
                route = CallRoute.SWITCHBOARD if rng.random() < 0.3 else CallRoute.DIRECT
                extension = f"{rng.randrange(1000, 9999)}" if route == CallRoute.SWITCHBOARD else ""
                self.phone_test(
                    rubric,
                    agency,
                    unit,
                    route,
                    _day_in(rng, self.year, half),
                    rng,
                    phone_number="06-2991111" if route == CallRoute.SWITCHBOARD else None,
                    extension=extension,
                )
                count += 1
        hotline, switchboard = self.agencies.get("H01"), self.agencies.get("B01")
        for month in range(1, 13):
            day = date(self.year, month, 15)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            if hotline:
                rng = _rng("hotline", month)
                self.phone_test(
                    rubric, hotline, "話務中心", CallRoute.HOTLINE, day, rng, phone_number="1999"
                )
                count += 1
            if switchboard:
                rng = _rng("switchboard", month)
                self.phone_test(
                    rubric,
                    switchboard,
                    "總機",
                    CallRoute.SWITCHBOARD,
                    day,
                    rng,
                    phone_number="06-2991111",
                    extension=f"{rng.randrange(1000, 9999)}",
                )
                count += 1
        return count

    # -- audits --------------------------------------------------------------------------------

    def audit_plan(self) -> list[tuple[Agency, str, int]]:
        """(agency, counter, visits) for Y; the targets list is built alongside."""
        plan = []
        for agency in self.agencies.values():
            if agency.kind == AgencyKind.DISTRICT_OFFICE:
                plan.append((agency, "戶政及綜合服務櫃台", 2))
        for code, counter in COUNTERS.items():
            if code in self.agencies:
                plan.append((self.agencies[code], counter, 1))
        for code in IMPROVEMENT_AGENCIES:
            if code in self.agencies and code not in COUNTERS:
                plan.append((self.agencies[code], "服務櫃台", 2))
        return sorted(plan, key=lambda row: row[0].sort_order)

    def seed_targets(self) -> None:
        evaluation.generate_audit_targets(self.year, by=self.reviewer)
        for code in COUNTERS:
            if (
                code in self.agencies
                and not AuditTarget.objects.filter(
                    year=self.year, agency=self.agencies[code]
                ).exists()
            ):
                evaluation.add_audit_target(
                    self.year,
                    self.agencies[code],
                    by=self.reviewer,
                    basis=TargetBasis.COUNTER,
                    note=COUNTERS[code],
                )
        for code in IMPROVEMENT_AGENCIES:
            agency = self.agencies.get(code)
            if agency is None:
                continue
            target = AuditTarget.objects.filter(year=self.year, agency=agency).first()
            note = f"{self.year - 1912}年度服務效能評比待加強"
            if target is None:
                evaluation.add_audit_target(
                    self.year,
                    agency,
                    by=self.reviewer,
                    basis=TargetBasis.NEEDS_IMPROVEMENT,
                    note=note,
                )
            else:
                target.basis, target.note = TargetBasis.NEEDS_IMPROVEMENT, note
                target.save(update_fields=["basis", "note"])

    def audit(self, rubric, agency, counter, day, rng) -> Audit:
        quality = self.quality[agency.code]
        points = {i.code: _points(rng, i, quality) for i in rubric.items.all()}
        weak = [f for f in FINDINGS if _weak(points.get(f[0]), rubric, f[0])]
        return services.record_audit(
            by=self.reviewer,
            rubric=rubric,
            points=points,
            agency=agency,
            counter=counter,
            visited_on=day,
            auditor=rng.choice(AUDITORS),
            findings="\n".join(f[1] for f in weak) or "服務情形良好。",
        )

    def improvements(self, audit: Audit, rubric, rng, *, settle: bool) -> int:
        count = 0
        scored = {s.item.code: s.points for s in audit.scores.select_related("item")}
        for code, finding, remedy in FINDINGS:
            if not _weak(scored.get(code), rubric, code) or count >= 2:
                continue
            item = services.raise_improvement(
                audit,
                by=self.reviewer,
                description=finding,
                due_date=audit.visited_on + timedelta(days=30),
            )
            count += 1
            if not settle:
                continue
            roll = rng.random()
            if roll < 0.15:
                continue  # still open, overdue
            services.report_improvement(item, by=self.admin, report=remedy)
            if roll < 0.3:
                continue  # reported, waiting for the reviewer
            services.verify_improvement(item, by=self.reviewer, note="經複查已改善。")
        return count

    def seed_audits(self) -> tuple[int, int]:
        rubric = _rubric(RubricKind.AUDIT, self.year)
        audits = items = 0
        for agency, counter, visits in self.audit_plan():
            for visit in range(visits):
                rng = _rng("audit", agency.code, counter, visit)
                day = _day_in(rng, self.year, visit if visits > 1 else rng.randrange(2))
                audit = self.audit(rubric, agency, counter, day, rng)
                audits += 1
                items += self.improvements(audit, rubric, rng, settle=True)
        return audits, items

    def seed_this_year(self) -> int:
        """Two audits this year at the demo bureaus, with improvement items still open."""
        year = self.today.year
        rubric = _rubric(RubricKind.AUDIT, year)
        count = 0
        visits = (("B06", "建築管理服務櫃台", 40), ("B07", "水利服務櫃台", 10))
        for code, counter, days_ago in visits:
            agency = self.agencies.get(code)
            day = self.today - timedelta(days=days_ago)
            if agency is None or day.year != year:
                continue
            rng = _rng("this-year", code)
            audit = self.audit(rubric, agency, counter, day, rng)
            services.raise_improvement(
                audit,
                by=self.reviewer,
                description="櫃台未提供老花眼鏡及書寫文具。",
                due_date=day + timedelta(days=30),
            )
            count += 1
        return count

    # -- Government Service Award --------------------------------------------------------------

    def seed_coaching(self) -> int:
        bureaus = [a for a in self.agencies.values() if a.kind == AgencyKind.BUREAU]
        second = [a for a in self.agencies.values() if a.kind == AgencyKind.SECOND_TIER]
        districts = [a for a in self.agencies.values() if a.kind == AgencyKind.DISTRICT_OFFICE]
        coached = sorted(bureaus, key=lambda a: a.sort_order) + second + districts[:29]
        coached = coached[:64]
        # How far each got (index into PIPELINE); the rest end after coaching.
        reached = {0: 5, 1: 5, 2: 4, 3: 4, 4: 2, 5: 2}
        picks = _rng("award").sample(range(len(coached)), 6)
        dates = [date(2023, 3, 1), date(2023, 5, 15), date(2023, 6, 30), date(2023, 8, 15)]
        dates += [date(2023, 9, 20), date(2023, 11, 10)]
        for n, agency in enumerate(coached):
            rng = _rng("award", agency.code)
            entry = coaching.create_coaching(
                by=self.reviewer,
                year=COACHING_YEAR,
                agency=agency,
                category=rng.choice(AwardCategory.values),
                title=f"{agency.display_name}{rng.choice(AWARD_THEMES)}",
                on_date=dates[0],
            )
            level = reached[picks.index(n)] if n in picks else 0
            for step in range(1, level + 1):
                coaching.advance_coaching(
                    entry, by=self.reviewer, to_stage=PIPELINE[step], on_date=dates[step]
                )
            if level < PIPELINE.index(CoachingStage.AWARDED):
                note = "未獲推薦" if level == 0 else ""
                coaching.advance_coaching(
                    entry,
                    by=self.reviewer,
                    to_stage=CoachingStage.NOT_AWARDED,
                    on_date=dates[min(level + 1, 5)],
                    note=note,
                )
        return len(coached)

    # -- all -----------------------------------------------------------------------------------

    def run(self) -> None:
        if self.reviewer is None or self.admin is None:
            self.stdout.write("  服務品質：找不到示範審查人員或管理者帳號，略過")
            return
        roc = self.year - 1911
        if PhoneTest.objects.in_year(self.year).exists():
            self.stdout.write(f"  服務品質：{roc}年度測試紀錄已存在，略過")
        else:
            with transaction.atomic():
                self.seed_targets()
                tests = self.seed_phone_tests()
                audits, items = self.seed_audits()
            self.stdout.write(
                f"  {roc}年度電話禮貌測試 {tests} 通、實地稽核 {audits} 次、改善事項 {items} 件"
            )
        existing = AnnualEvaluation.objects.filter(year=self.year).first()
        if existing is None or not existing.is_final:
            with transaction.atomic():
                result = evaluation.compute_evaluation(
                    self.year, by=self.reviewer, today=self.today
                )
                evaluation.finalize_evaluation(self.year, by=self.reviewer)
            flagged = result.results.filter(needs_improvement=True).count()
            self.stdout.write(
                f"  {roc}年度服務效能評比：{result.results.count()} 個機關，待加強 {flagged} 個"
            )
        if not Audit.objects.in_year(self.today.year).exists():
            with transaction.atomic():
                count = self.seed_this_year()
            self.stdout.write(f"  {roc + 1}年度示範稽核 {count} 次（含待回復改善事項）")
        if AwardCoaching.objects.filter(year=COACHING_YEAR).exists():
            self.stdout.write("  政府服務獎112年度輔導資料已存在，略過")
        else:
            with transaction.atomic():
                n = self.seed_coaching()
            funnel = " → ".join(str(s.count) for s in coaching.funnel(COACHING_YEAR))
            self.stdout.write(f"  政府服務獎112年度輔導 {n} 個機關：{funnel}")


def seed(stdout, today: date | None = None) -> None:
    DemoSeeder(stdout, today or timezone.localdate()).run()
