"""Benchmark: one problem, many callers (重複陳情歸併, petitions/grouping.py) on the five-year data
set — the issue's targets: the full grouping of 1.5 million cases under 10 minutes with memory
under 1 GB, and grouping as cases arrive adding under 20% to an import's time.

    .venv/bin/python -m tests.perf bench_grouping
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tainan_rdec make bench BENCH=bench_grouping

1. **The full run** (``grouping.group_all``, the nightly task), in a process of its own started
   afresh (``spawn``: its peak resident memory is the run's, Django included, not this
   process's), twice: from no groups at all (every group written: the first night after an
   import of five years), then again over the same cases (a quiet night: nothing changed, next
   to nothing written). The groups are what the generator's repeat callers make
   (``petitions.demo``: 36 phrasings a category, places and landmarks, a repeat caller of one
   problem every 16 cases): figures from generated data.
2. **An import's grouping**: the cases of the data set's last ``IMPORT_DAYS`` days, copied
   ``SHIFT`` later (new numbers; the same words, places and callers' rhythm) into a CSV in the
   register's layout, imported with ``petitions.bulk.import_cases_csv`` with and without
   grouping as they arrive, alternately, ``ROUNDS`` times each after one untimed import of
   each kind (the first after the full runs' processes found PostgreSQL's buffers and this
   process's caches cold), each after the tables the full runs and the import before wrote
   are vacuumed (untimed; not by autovacuum during a round), in a transaction rolled back
   after each import: the data set is left as it was. The overhead is the medians' ratio.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

FIVE_YEAR_DATA = True
FULL_RUN_MINUTES = 10
FULL_RUN_MEMORY_MB = 1024
OVERHEAD_TARGET_PERCENT = 20
IMPORT_DAYS = 28
SHIFT = timedelta(weeks=5)  # whole weeks: working days stay working days
ROUNDS = 5


# -- 1. the full run, in a process of its own ---------------------------------------------------


def _full_run_in_child(database: str, clear: bool, answer) -> None:
    """Run in a spawned process: point Django at the kept database, (clear the grouping's
    groups, untimed), run ``group_all`` and send back what it did and the peak memory."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction

    from petitions import grouping
    from petitions.models import Case, ProblemGroup

    settings.DATABASES["default"]["NAME"] = database
    connection.settings_dict["NAME"] = database
    if clear:
        with transaction.atomic():
            Case.objects.filter(problem_group__isnull=False, group_kept=False).update(
                problem_group=None
            )
            ProblemGroup.objects.filter(kept=False).delete()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.perf_counter()
    outcome = grouping.group_all()
    elapsed = time.perf_counter() - began
    answer.send(
        {
            "seconds": elapsed,
            "cases": outcome.cases,
            "groups": outcome.groups,
            "grouped": outcome.grouped_cases,
            "changes": len(outcome.changes),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "baseline_mb": baseline,
        }
    )


def _full_run(database: str, *, clear: bool) -> dict:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_full_run_in_child, args=(database, clear, send))
    child.start()
    got = receive.recv()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"the full run's process ended with {child.exitcode}")
    return got


# -- 2. an import's grouping -------------------------------------------------------------------


def _write_csv(path: Path) -> int:
    """The data set's last IMPORT_DAYS days of cases, SHIFT later, in the register's layout;
    returns the number of rows."""
    from petitions.choices import CaseStatus, Channel
    from petitions.models import Case
    from tainan_rdec.workdays import TAIPEI
    from tests.perf.bench_case_import import HEADERS

    channels, statuses = dict(Channel.choices), dict(CaseStatus.choices)
    last = Case.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    rows = (
        Case.objects.filter(received_at__gt=last - timedelta(days=IMPORT_DAYS))
        .order_by("received_at", "pk")
        .values_list(
            "channel",
            "received_at",
            "category__name",
            "subcategory__name",
            "district__name",
            "address",
            "latitude",
            "longitude",
            "description",
            "handling_agency__code",
            "status",
            "closed_at",
            "satisfaction",
        )
    )

    def roc(moment):
        local = (moment + SHIFT).astimezone(TAIPEI)
        return f"{local.year - 1911}/{local:%m/%d %H:%M}"

    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADERS[:7], "緯度", "經度", *HEADERS[7:]])
        for row in rows.iterator(chunk_size=5_000):
            (channel, received, category, sub, district, address, lat, lng, text, agency,
             status, closed, satisfaction) = row  # fmt: skip
            n += 1
            writer.writerow(
                [
                    f"BG{(received + SHIFT).astimezone(TAIPEI):%Y%m%d}{n:07d}",
                    channels[channel],
                    roc(received),
                    category,
                    sub,
                    district or "",
                    address,
                    "" if lat is None else lat,
                    "" if lng is None else lng,
                    text,
                    agency,
                    statuses[status],
                    roc(closed) if closed else "",
                    satisfaction or "",
                ]
            )
    return n


def _vacuum() -> None:
    """What autovacuum would do after the full runs rewrote the groups of 172,551 cases and
    after each import rolled back (dead rows in the tables it wrote), done before each import
    rather than during one (noise, and plans that changed between rounds)."""
    from django.db import connection

    from petitions.models import Case, DailyRollup, MonthlyRollup, ProblemGroup, YearlyRollup

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Case, ProblemGroup, DailyRollup, MonthlyRollup, YearlyRollup):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _import_once(path: Path, *, group: bool) -> tuple[float, int]:
    """Import the file, time it, roll it back: (seconds, cases grouped as they arrived)."""
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    from petitions.bulk import import_cases_csv

    limit = max(settings.IMPORT_MAX_FILE_BYTES, path.stat().st_size + 1024 * 1024)
    _vacuum()
    with override_settings(IMPORT_MAX_FILE_BYTES=limit), transaction.atomic():
        began = time.perf_counter()
        outcome = import_cases_csv(path, group=group)
        elapsed = time.perf_counter() - began
        assert outcome.ok, [str(p) for p in outcome.problems[:5]]
        transaction.set_rollback(True)
    return elapsed, outcome.grouped


def main() -> list:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")
    import django

    django.setup()
    from django.db import connection, connections

    from tests.perf import fiveyear
    from tests.perf.table import Figure, Target

    with fiveyear.database(), tempfile.TemporaryDirectory() as folder:
        data = fiveyear.ensure_dataset()
        database = connection.settings_dict["NAME"]
        connections.close_all()  # the children open their own
        first = _full_run(database, clear=True)
        quiet = _full_run(database, clear=False)
        for name, run in (("from no groups", first), ("a quiet night", quiet)):
            print(
                f"full grouping, {name}: {run['cases']:,} cases → {run['groups']:,} groups of "
                f"{run['grouped']:,} cases in {run['seconds']:.1f} s; {run['changes']:,} "
                f"repeat-call marks changed; peak memory {run['peak_mb']:,.0f} MB (Django "
                f"loaded: {run['baseline_mb']:,.0f} MB)"
            )
        path = Path(folder) / "cases.csv"
        n = _write_csv(path)
        timings: dict[bool, list[float]] = {False: [], True: []}
        grouped = 0
        for group in (False, True):  # warm-up, untimed
            _import_once(path, group=group)
        for _round in range(ROUNDS):
            for group in (False, True):
                seconds, joined = _import_once(path, group=group)
                timings[group].append(seconds)
                grouped = max(grouped, joined)
        plain, with_groups = (statistics.median(timings[g]) for g in (False, True))
        overhead = (with_groups / plain - 1) * 100
        print(
            f"import of {n:,} cases ({IMPORT_DAYS} days, {connection.vendor}): without grouping "
            f"{plain:.1f} s, with {with_groups:.1f} s (medians of {ROUNDS}: "
            f"{[round(t, 1) for t in timings[False]]} / {[round(t, 1) for t in timings[True]]}); "
            f"{grouped:,} cases joined a problem: +{overhead:.0f}%"
        )
    area = "problem grouping"
    scale = f"{data.scale.cases:,} generated cases"
    return [
        Figure(area, "full run from no groups", value=first["seconds"] / 60, unit="min",
               target=Target(FULL_RUN_MINUTES),
               note=f"{scale}; {first['groups']:,} groups of {first['grouped']:,} cases"),
        Figure(area, "full run from no groups, peak memory", value=first["peak_mb"], unit="MB",
               target=Target(FULL_RUN_MEMORY_MB), note="its own process, Django included"),
        Figure(area, "full run, a quiet night", value=quiet["seconds"] / 60, unit="min",
               target=Target(FULL_RUN_MINUTES), note=f"{quiet['changes']:,} marks changed"),
        Figure(area, "full run, a quiet night, peak memory", value=quiet["peak_mb"], unit="MB",
               target=Target(FULL_RUN_MEMORY_MB)),
        Figure(area, f"an import of {n:,} cases, grouping as they arrive", value=overhead,
               unit="% added", target=Target(OVERHEAD_TARGET_PERCENT),
               note=f"{plain:.1f} s → {with_groups:.1f} s; {grouped:,} joined a problem"),
    ]  # fmt: skip


if __name__ == "__main__":
    from tests.perf.table import print_table

    print_table(main())
