"""The awards registry of the five-year data set: the briefing's 108–112 table (1,662 awards in
the nine classes) placed on 110–114, drawn and written as the demo's are
(``awards.demo.plan_awards`` and ``write_awards``) from a seed of its own.

Most are confirmed; in 114 some still wait for a reviewer and a few were returned with a reason.
Each award has the history the services leave (registered by the agency's filer, then the
reviewer's step)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

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
    from awards.choices import AwardClass
    from awards.demo.plans import plan_awards

    counts = {AwardClass(value): n for value, n in CLASS_COUNTS.items()}
    return plan_awards(
        random.Random(SEED),
        counts,
        ROC_YEARS,
        agencies,
        today=TODAY,
        attempts=60,
        group_last=True,
    )


def ensure(cast) -> float | None:
    """Make the registry hold the planned awards; the seconds it took, or None when reused."""
    from django.db import transaction

    from awards.demo.writer import write_awards
    from awards.models import Award
    from tainan_rdec.models import Agency
    from tainan_rdec.workdays import TAIPEI

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
    now = datetime.combine(TODAY, time(8, 0), TAIPEI)
    with transaction.atomic():
        write_awards(
            rows,
            agencies,
            filers=cast.staff,
            reviewer=cast.reviewer,
            now=now,
            registered_until=now - timedelta(days=1),
        )
    return timer.done(f"{len(rows):,} awards")
