"""The five-year data set the page benchmarks run on (issue 8), in one kept database.

    from tests.perf import fiveyear

    with fiveyear.database():              # create and migrate it the first time, then reuse
        data = fiveyear.ensure_dataset()   # generate what is missing, reuse what is there

The database is the connection's TEST NAME, ``test_rdec_fiveyear``: on PostgreSQL
(DATABASE_URL) a database kept between runs; without DATABASE_URL a SQLite file of that name in
the temporary directory, kept too, so nobody is forced onto PostgreSQL. ``database()`` never
drops it; a throw-away test database of another benchmark never gets its name.

Scale (environment): ``BENCH_CASES`` petition cases (default 1,500,000 on PostgreSQL, 20,000 on
SQLite; ``PETITIONS_BENCH_N`` is its older name) and ``BENCH_PROJECTS`` controlled projects
(1,400 / 140). The rest is the city's yearly volume whatever the scale.

The parts, each written in one transaction, checked by its counts and regenerated as a whole
(its tables emptied first) when they differ from what the scale asks for:

1. **cases** — ``petitions.demo.generate_cases`` over the five years before 115.3.31 (the
   2024 Lantern Festival spike included) with its rollups; see ``cases_part``;
2. **projects** — the projects spread over the agencies with their S-curves, checkpoints,
   yearly allocations, tender numbers, status log and a monthly report for every month of their
   span inside 110.4–115.3, the review meetings with their agendas, site visits, directives and
   the PCC imports, then the annual scores of 111–114 (``projects.scoring.compute_year``);
   see ``project_part``;
3. **service quality** — for each year 110–114 (and 115 so far): telephone tests of every
   agency, mystery-shopper audits with their improvement items, the audit target list and the
   annual evaluation computed and finalized; the Government Service Award coaching of each year;
   see ``quality_part``. Its evaluation reads the petitions' timeliness, so it is regenerated
   whenever the cases are;
4. **awards** — the registry over 110–114 in the proportions of the briefing's table (1,662
   awards); see ``award_part``.

Everything is deterministic (seeded ``random.Random`` per row or record) and anchored on
``TODAY`` = 115.3.20, the day the benchmarks open the pages (time is frozen there while parts
2–4 are written, so no timestamp lies in the future; the cases carry the generator's dates).
Rows are written with ``bulk_create`` in batches, holding what the services would have written
(the same states, snapshots, transitions, history rows and timestamps); the computed parts
(annual scores, the annual evaluation, audit targets, rubrics) are made by the services.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

TODAY = date(2026, 3, 20)  # 115.3.20
# BENCH_DATABASE names another kept database (a second scale beside the full one).
DATABASE = os.environ.get("BENCH_DATABASE", "test_rdec_fiveyear")
DEFAULT_SCALE = {"postgresql": (1_500_000, 1_400), "sqlite": (20_000, 140)}

_open = False
_dataset: Dataset | None = None


def now() -> datetime:
    from tainan_rdec.workdays import TAIPEI

    return datetime.combine(TODAY, datetime.min.time().replace(hour=8), TAIPEI)


@dataclass(frozen=True)
class Scale:
    cases: int
    projects: int


@dataclass
class Dataset:
    """What the benchmarks need to know about the data set: its scale and the users who open the
    pages (a reviewer; a bureau's staff and manager, of the agency with the most listed
    projects)."""

    scale: Scale
    reviewer: object
    bureau: object
    staff: object
    manager: object
    generated: dict  # part -> seconds it took to generate (empty when everything was reused)
    seconds: float

    def figures(self) -> list:
        """What generating the parts took, as benchmark figures (none when all was reused)."""
        from tests.perf.table import Figure

        counts = {
            "cases": f"{self.scale.cases:,} cases",
            "projects": f"{self.scale.projects:,} projects with their reports and follow-up",
            "service quality": "phone tests, audits, evaluations, coaching of 110–115",
            "awards": "the registry of 110–114",
        }
        return [
            Figure(
                "data set", f"generate {part}", value=seconds, unit="s", note=counts.get(part, "")
            )
            for part, seconds in self.generated.items()
        ]


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").replace(",", "").replace("_", "").strip()
    return int(raw) if raw else None


def scale() -> Scale:
    from django.db import connection

    cases, projects = DEFAULT_SCALE.get(connection.vendor, DEFAULT_SCALE["sqlite"])
    cases = _env_int("BENCH_CASES") or _env_int("PETITIONS_BENCH_N") or cases
    return Scale(cases=cases, projects=_env_int("BENCH_PROJECTS") or projects)


def _test_name(vendor: str) -> str:
    if vendor == "sqlite":
        return str(Path(tempfile.gettempdir()) / f"{DATABASE}.sqlite3")
    return DATABASE


@contextmanager
def database():
    """Use the kept five-year database for the duration (nested uses share it).

    Sets up Django's test environment (locmem mail, ``testserver`` host) without its template
    instrumentation: recording every template's context for assertions doubles the render time
    of a big page, and a server does not do it either."""
    global _open
    if _open:
        yield
        return
    from django.conf import settings
    from django.db import connection
    from django.template import Template
    from django.test.utils import _TestState, setup_test_environment, teardown_test_environment

    test = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test.get("NAME")
    test["NAME"] = _test_name(connection.vendor)
    old_name = connection.settings_dict["NAME"]
    setup_test_environment()
    Template._render = _TestState.saved_data.template_render
    try:
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=True, serialize=False
        )
        _open = True
        yield
    finally:
        _open = False
        # What destroy_test_db restores, without dropping the database.
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = old_name
        connection.settings_dict["NAME"] = old_name
        test["NAME"] = saved_test_name
        teardown_test_environment()


def ensure_dataset() -> Dataset:
    """Generate the parts that are missing or at another scale; reuse the rest (see the module
    docstring). Call inside ``database()``; a second call in the same process is free."""
    global _dataset
    import time_machine
    from django.db import connection

    from tests.perf.fiveyear import award_part, cases_part, project_part, quality_part, users

    wanted = scale()
    if _dataset is not None and _dataset.scale == wanted:
        return _dataset
    print(
        f"five-year data set in {connection.settings_dict['NAME']} ({connection.vendor}): "
        f"{wanted.cases:,} cases, {wanted.projects:,} projects"
    )
    began = time.perf_counter()
    generated = {"cases": cases_part.ensure(wanted.cases)}
    # Frozen at 115.3.20 08:00 so every auto_now timestamp the services stamp is in the past.
    with time_machine.travel(now(), tick=False):
        cast = users.ensure()
        generated["projects"] = project_part.ensure(wanted.projects, cast)
        generated["service quality"] = quality_part.ensure(
            cast, force=generated["cases"] is not None
        )
        generated["awards"] = award_part.ensure(cast)
    generated = {part: seconds for part, seconds in generated.items() if seconds is not None}
    if generated and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    bureau, staff, manager = users.bureau_users(cast)
    elapsed = time.perf_counter() - began
    print(
        f"five-year data set ready in {elapsed:.1f} s "
        f"({'generated: ' + ', '.join(generated) if generated else 'all reused'}); "
        f"bureau user: {staff.username} ({bureau.name})"
    )
    _dataset = Dataset(wanted, cast.reviewer, bureau, staff, manager, generated, elapsed)
    return _dataset


def wipe(models) -> None:
    """Empty the tables of ``models`` (their many-to-many tables too): TRUNCATE ... CASCADE on
    PostgreSQL (which also empties tables that point at them), DELETE elsewhere, in one
    transaction so the deferred foreign keys hold at commit."""
    from django.db import connection, transaction

    tables = []
    for model in models:
        tables.append(model._meta.db_table)
        for m2m in model._meta.local_many_to_many:
            if m2m.remote_field.through._meta.auto_created:
                tables.append(m2m.remote_field.through._meta.db_table)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)} CASCADE")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {quote(table)}")


def stamp(model, rows, field: str, moments, batch: int = 1000) -> None:
    """Set ``field`` (an ``auto_now_add`` timestamp, which ``bulk_create`` overwrites with the
    current time) on ``rows`` to ``moments``, as the services would have stamped it then.

    One ``UPDATE ... FROM (VALUES ...)`` per batch (PostgreSQL, SQLite 3.33+): ``bulk_update``
    compiles a CASE with a branch per row, which took half the time of the whole projects part."""
    from django.db import connection

    pairs = []
    for row, moment in zip(rows, moments, strict=True):
        setattr(row, field, moment)
        pairs.append((row.pk, connection.ops.adapt_datetimefield_value(moment)))
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model._meta.get_field(field).column)
    key = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), batch):
            chunk = pairs[start : start + batch]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {column} = v.column2 FROM (VALUES {values}) AS v "
                f"WHERE {table}.{key} = v.column1",
                [value for pair in chunk for value in pair],
            )


class Timer:
    """Prints one line per generated part: what it wrote and how long it took."""

    def __init__(self, part: str):
        self.part = part
        self.began = time.perf_counter()

    def done(self, what: str) -> float:
        """Print what was written; returns the seconds it took."""
        seconds = time.perf_counter() - self.began
        print(f"  {self.part}: {what} in {seconds:.1f} s")
        return seconds
