"""The awards registry of the five-year data set: the briefing's 108–112 table (1,662 awards in
the nine classes) placed on 110–114, with the awarding bodies and awards of ``awards.demo``.

Most are confirmed; in 114 some still wait for a reviewer and a few were returned with a reason.
Each award has the history the services leave (registered by the agency's filer, then the
reviewer's step), written by ``awards.demo``'s own history writer."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from tests.perf.fiveyear import TODAY, Timer, wipe

SEED = 20210403
ROC_YEARS = (110, 111, 112, 113, 114)
# The briefing's subtotals (DOMAIN.md): 國際大獎 43 … 其他 353, 1,662 in all.
CLASS_COUNTS = {
    "international": 43,
    "national": 229,
    "first": 86,
    "second": 80,
    "third": 58,
    "merit": 454,
    "excellent": 267,
    "grade_a": 92,
    "other": 353,
}


def planned_awards(agencies: dict) -> list[dict]:
    """The awards as field dicts (agency code in ``agency``), deterministic; the natural key
    (agency, year, name, body) never repeats."""
    from awards.choices import AwardClass, AwardState
    from awards.demo import (
        EVALUATIONS,
        GROUPS,
        INTERNATIONAL,
        NATIONAL,
        OTHER_RESULTS,
        RETURN_REASONS,
        SUFFIX,
        TOP_SHARE,
    )

    rng = random.Random(SEED)
    districts = sorted(code for code in agencies if code.startswith("D"))
    catalogues = {AwardClass.INTERNATIONAL: INTERNATIONAL, AwardClass.NATIONAL: NATIONAL}
    seen: set[tuple] = set()
    rows = []
    for value, n in CLASS_COUNTS.items():
        award_class = AwardClass(value)
        catalogue = catalogues.get(award_class, EVALUATIONS)
        for _i in range(n):
            for attempt in range(60):
                body, base, codes = rng.choice(catalogue)
                code = rng.choice(codes)
                if code == "D":
                    code = rng.choice(districts)
                roc_year = rng.choices(ROC_YEARS, [1.0 + 0.08 * i for i in range(5)])[0]
                name = base
                if award_class == AwardClass.OTHER:
                    name = f"{base}{rng.choice(OTHER_RESULTS)}"
                elif award_class in SUFFIX:
                    name = f"{base}{SUFFIX[award_class]}"
                if attempt:
                    name = f"{name}（{rng.choice(GROUPS)}）"
                key = (code, roc_year, name, body)
                if key not in seen and code in agencies:
                    break
            else:
                continue
            seen.add(key)
            latest = roc_year == ROC_YEARS[-1]
            r = rng.random()
            if r < (0.15 if latest else 0.02):
                state = AwardState.REGISTERED
            elif r < (0.19 if latest else 0.03):
                state = AwardState.RETURNED
            else:
                state = AwardState.CONFIRMED
            year = roc_year + 1911
            if rng.random() < 0.2:  # a year's award presented early the next year
                day = date(year + 1, 1, 1) + timedelta(days=rng.randrange(90))
            else:
                day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            rows.append(
                {
                    "agency": code,
                    "roc_year": roc_year,
                    "award_date": min(day, TODAY - timedelta(days=7)),
                    "name": name,
                    "awarding_body": body,
                    "award_class": award_class,
                    "is_top": rng.random() < TOP_SHARE[award_class],
                    "state": state,
                    "return_reason": rng.choice(RETURN_REASONS)
                    if state == AwardState.RETURNED
                    else "",
                    "registration_lag": 3 + rng.randrange(25),
                    "review_lag": 2 + rng.randrange(12),
                }
            )
    return rows


def ensure(cast) -> float | None:
    """Make the registry hold the planned awards; the seconds it took, or None when reused."""
    from django.db import transaction

    from awards.models import Award
    from tainan_rdec.models import Agency

    agencies = {a.code: a for a in Agency.objects.all()}
    rows = planned_awards(agencies)
    have = Award.objects.count()
    if have == len(rows):
        print(f"  awards: reusing {have:,}")
        return None
    if have:
        print(f"  awards: {have:,} in the table, {len(rows):,} wanted: emptying it")
    wipe([Award, Award.history.model])
    timer = Timer("awards")
    with transaction.atomic():
        _write(rows, agencies, cast)
    return timer.done(f"{len(rows):,} awards")


def _write(rows: list[dict], agencies: dict, cast) -> None:
    from awards.choices import AwardState
    from awards.demo import _write_history
    from awards.models import Award
    from tainan_rdec.workdays import TAIPEI

    now = datetime.combine(TODAY, time(8, 0), TAIPEI)
    awards, steps = [], []
    for row in rows:
        registered_at = min(
            datetime.combine(
                row["award_date"] + timedelta(days=row["registration_lag"]), time(10, 0), TAIPEI
            ),
            now - timedelta(days=1),
        )
        reviewed_at = None
        if row["state"] != AwardState.REGISTERED:
            reviewed_at = min(registered_at + timedelta(days=row["review_lag"]), now)
        filer = cast.staff.get(row["agency"])
        awards.append(
            Award(
                agency=agencies[row["agency"]],
                roc_year=row["roc_year"],
                award_date=row["award_date"],
                name=row["name"],
                awarding_body=row["awarding_body"],
                award_class=row["award_class"],
                is_top=row["is_top"],
                state=row["state"],
                registered_by=filer,
                registered_at=registered_at,
                reviewed_by=cast.reviewer if reviewed_at else None,
                reviewed_at=reviewed_at,
                return_reason=row["return_reason"],
            )
        )
        history = [(AwardState.REGISTERED, registered_at, filer, "")]
        if reviewed_at:
            history.append((row["state"], reviewed_at, cast.reviewer, row["return_reason"]))
        steps.append(history)
    created = Award.objects.bulk_create(awards, batch_size=1000)
    _write_history(created, steps)
