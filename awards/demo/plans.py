"""The demo awards, drawn before anything is written: one row a dict (agency, year, class,
name, awarding body, day, state). Deterministic: ``random.Random(SEED)``, years relative to
today's ROC year."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from awards.choices import AwardClass, AwardState
from awards.demo.catalogue import (
    CLASS_COUNTS,
    DISTRICT,
    EVALUATIONS,
    GROUPS,
    INTERNATIONAL,
    NATIONAL,
    OTHER_RESULTS,
    RETURN_REASONS,
    SEED,
    SUFFIX,
    TOP_SHARE,
    YEARS,
)
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET


def _catalogue(award_class: AwardClass) -> list[tuple[str, str, list[str]]]:
    if award_class == AwardClass.INTERNATIONAL:
        return INTERNATIONAL
    if award_class == AwardClass.NATIONAL:
        return NATIONAL
    return EVALUATIONS


def _name(
    rng: random.Random, award_class: AwardClass, base: str, *, grouped: bool, group_last: bool
) -> str:
    """``base`` with the class's rank or grade (for an 其他 award, a result drawn) and, when
    ``grouped``, a group (組別) drawn before the result or, with ``group_last``, after it."""
    group = rng.choice(GROUPS) if grouped and not group_last else None
    if award_class in (AwardClass.INTERNATIONAL, AwardClass.NATIONAL):
        name = base
    elif award_class == AwardClass.OTHER:
        name = f"{base}{rng.choice(OTHER_RESULTS)}"
    else:
        name = f"{base}{SUFFIX[award_class]}"
    if grouped and group_last:
        group = rng.choice(GROUPS)
    return f"{name}（{group}）" if group else name


def _day(rng: random.Random, roc_year: int, today: date) -> date:
    year = roc_year + ROC_OFFSET
    # One in five is presented early the next year (a year's award, given in January–March).
    if rng.random() < 0.2:
        day = date(year + 1, 1, 1) + timedelta(days=rng.randrange(90))
    else:
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    return min(day, today - timedelta(days=7))


def build(today: date, agencies: dict[str, Agency]) -> list[dict]:
    """The demo awards as field dicts (agency code in ``agency``), deterministic for ``today``."""
    this_year = today.year - ROC_OFFSET
    years = list(range(this_year - YEARS, this_year))
    return plan_awards(random.Random(SEED), CLASS_COUNTS, years, agencies, today=today)


def plan_awards(
    rng: random.Random,
    counts: dict[AwardClass, int],
    years: Sequence[int],
    agencies: dict,
    *,
    today: date,
    attempts: int = 40,
    group_last: bool = False,
) -> list[dict]:
    """``counts`` awards of each class as field dicts (agency code in ``agency``), drawn from
    ``rng`` (the demo's and the five-year benchmark data set's awards).

    Each is an award of its class's catalogue won by one of its agencies (a district office's by
    one of the district offices of ``agencies``) in one of the ROC ``years``, a little more in
    each later year; mostly confirmed, in the latest year some still registered and a few
    returned with a reason. The natural key (agency, year, name, awarding body) never repeats: a
    draw that repeats one, or names an agency not in ``agencies``, is drawn again with a group
    (組別) in the name, up to ``attempts`` times, after which the award is left out.
    ``group_last`` draws that group after the result of an 其他 award rather than before: the
    benchmark data set's order, kept so that its seed gives the same awards."""
    weights = [1.0 + 0.08 * i for i in range(len(years))]
    districts = sorted(code for code in agencies if code.startswith("D"))
    seen: set[tuple] = set()
    rows = []
    for award_class, n in counts.items():
        catalogue = _catalogue(award_class)
        for _i in range(n):
            for attempt in range(attempts):
                body, base, codes = rng.choice(catalogue)
                code = rng.choice(codes)
                if code == DISTRICT:
                    code = rng.choice(districts)
                roc_year = rng.choices(years, weights)[0]
                name = _name(rng, award_class, base, grouped=attempt > 0, group_last=group_last)
                key = (code, roc_year, name, body)
                if key not in seen and code in agencies:
                    break
            else:
                continue
            seen.add(key)
            latest = roc_year == years[-1]
            r = rng.random()
            if r < (0.15 if latest else 0.02):
                state = AwardState.REGISTERED
            elif r < (0.19 if latest else 0.03):
                state = AwardState.RETURNED
            else:
                state = AwardState.CONFIRMED
            rows.append(
                {
                    "agency": code,
                    "roc_year": roc_year,
                    "award_date": _day(rng, roc_year, today),
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
