"""An import adds its cases to the rollups as it goes (``petitions.rollups.add_new_cases`` and
``add_repeat_changes``, each few chunks) instead of rebuilding the months it touched. The rollups
it leaves equal a rebuild's and a direct computation's, field for field, over cases the services
registered, transferred, closed and reopened before it and repeat callers it groups with them;
a file that fails halfway leaves them as they were; and the rebuild stays the repair."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine

from petitions import bulk, grouping, rollups
from petitions.bulk import import_cases_csv
from petitions.models import Case, DailyRollup, MonthlyRollup, ProblemGroup
from petitions.rollups import (
    add_new_cases,
    add_repeat_changes,
    compute_rollups,
    direct_stats,
    fold_past_months,
    rebuild_rollups,
    rollup_table,
)
from petitions.services import close_case, daily_rollups_from, reopen_case, transfer_case
from tests.petitions.conftest import taipei
from tests.petitions.test_bulk import BAD_ROWS, csv_bytes, good_rows
from tests.petitions.test_grouping_arrivals import POTHOLE, _csv, _rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=[None, date(2024, 4, 1)], ids=["every-day", "days-from-113.4"])
def daily_from(request):
    """Every test twice: with every day kept by day, and with March 113 over and kept by
    month only (``rollups.fold_past_months`` run in 113.4) before anything is written, so the
    services, the import and the rebuild all write its days to the monthly rows alone."""
    if request.param is not None:
        with time_machine.travel(taipei("2024-04-02 02:00"), tick=False):
            fold_past_months()
    return request.param


@pytest.fixture
def registered(make_case, agency_b, cast):
    """Cases the services registered before the import: at the pothole the file's callers call
    about, closed, transferred (改分), reopened and closed again, with a rating."""
    at_pothole = {"address": "中華東路一段100號", "description": POTHOLE}
    cases = [make_case(f"2024-03-0{day} 09:00", **at_pothole) for day in (4, 5)]
    cases += [make_case("2024-03-06 10:00", description="公園遊具損壞") for _ in range(3)]
    close_case(cases[0], at=taipei("2024-03-05 15:00"), satisfaction=4)
    transfer_case(cases[2], agency_b, by=cast["reviewer"], reason="權責機關")
    close_case(cases[3], at=taipei("2024-03-20 10:00"), satisfaction=2)
    reopen_case(cases[3])
    close_case(cases[3], at=taipei("2024-03-25 10:00"), satisfaction=5)
    return cases


def _same_as_a_rebuild() -> None:
    stored = rollup_table()
    assert stored == compute_rollups() == direct_stats()
    kept_from = daily_rollups_from()
    if kept_from is not None:
        assert not DailyRollup.objects.filter(day__lt=kept_from).exists()
        assert MonthlyRollup.objects.filter(month__lt=kept_from).exists()


def test_an_import_leaves_the_rollups_a_rebuild_gives(registered, monkeypatch):
    # The file's cases arrive in several chunks, out of order, what they add is handed over
    # every chunk and merged into the rollups a few times on the way, and the grouping
    # reads their dates a run at a time.
    monkeypatch.setattr(bulk, "CHUNK", 40)
    monkeypatch.setattr(bulk, "COUNTS_KEPT", 1)
    monkeypatch.setattr(grouping, "RUNS_PER_READ", 1)
    monkeypatch.setattr(rollups, "MERGE_AT", 40)
    merges = []
    monkeypatch.setattr(
        rollups, "_add", lambda *args, _add=rollups._add: merges.append(1) or _add(*args)
    )
    before = DailyRollup.objects.count()

    outcome = import_cases_csv(io.BytesIO(_csv(_rows(300))))

    assert outcome.ok and outcome.new == 300
    # The file's callers joined the registered calls of the pothole, some before them: the
    # registered calls' marks changed.
    group = Case.objects.get(pk=registered[0].pk).problem_group
    assert group.case_count > 2 and group.first_case_id != registered[0].pk
    assert outcome.rollup_rows > 0 and DailyRollup.objects.count() > before
    assert len(merges) > 1
    _same_as_a_rebuild()


def test_a_second_file_adds_to_the_first_and_the_same_file_again_nothing(registered):
    first = csv_bytes(good_rows(150, seed=3))
    assert import_cases_csv(io.BytesIO(first)).ok
    more = [[f"UNMORE{i}", *row[1:]] for i, row in enumerate(good_rows(150, seed=4))]

    assert import_cases_csv(io.BytesIO(csv_bytes(more))).new == 150
    _same_as_a_rebuild()
    stored = rollup_table()

    again = import_cases_csv(io.BytesIO(first))  # every row already registered as it is
    assert again.ok and (again.new, again.unchanged) == (0, 150)
    assert rollup_table() == stored


def test_a_file_that_fails_halfway_adds_nothing(registered, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 40)
    monkeypatch.setattr(bulk, "COUNTS_KEPT", 1)
    monkeypatch.setattr(rollups, "MERGE_AT", 40)
    stored, cases = rollup_table(), Case.objects.count()
    # Good rows are written and merged into the rollups before the bad rows halfway are read.
    rows = good_rows(200, seed=9)
    bad = [[f"UNBAD{i}", *row[1:]] for i, row in enumerate(BAD_ROWS)]

    outcome = import_cases_csv(io.BytesIO(csv_bytes(rows[:120] + bad + rows[120:])))

    assert not outcome.ok
    assert Case.objects.count() == cases
    assert rollup_table() == stored


def test_the_ordinary_import_adds_its_cases_too(registered):
    from tainan_rdec.importing.runner import run_import

    outcome = run_import("cases", csv_bytes(good_rows(60, seed=5)), file_name="c.csv", fast=False)

    assert outcome.ok, [str(p) for p in outcome.problems]
    _same_as_a_rebuild()


def test_repeat_marks_move_in_both_directions(registered):
    from petitions.grouping import RepeatChange

    first, second = registered[0], registered[1]
    group = ProblemGroup.objects.get(first_case=first)
    assert Case.objects.get(pk=second.pk).problem_group == group
    # The reviewer's view changes: the second call is the first, the first a repeat.
    ProblemGroup.objects.filter(pk=group.pk).update(first_case=second)
    changes = [
        RepeatChange(first.pk, True, first.received_at),
        RepeatChange(second.pk, False, second.received_at),
    ]

    assert add_repeat_changes(changes) > 0

    # (A direct computation takes the earliest call as the first, whatever the pointer says.)
    assert rollup_table() == compute_rollups()


def test_nothing_to_add_writes_nothing(registered):
    stored = rollup_table()

    assert add_new_cases([]) == 0 and add_repeat_changes([]) == 0

    assert rollup_table() == stored


def test_the_rebuild_repairs_rollups_gone_wrong(registered):
    DailyRollup.objects.filter(dimension="total").update(received=999)
    MonthlyRollup.objects.all().delete()

    rebuild_rollups()

    assert rollup_table() == direct_stats()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counts_kept", [bulk.COUNTS_KEPT, 50])
def test_worker_processes_give_the_same_rollups(registered, settings, monkeypatch, counts_kept):
    """Each worker sums its chunks' counts and hands them over at the end (each worker once:
    a worker's sums left behind would be missing), or whenever it holds ``counts_kept`` keys."""
    settings.IMPORT_WORKERS_FROM_BYTES = 0
    settings.IMPORT_WORKERS = 2
    monkeypatch.setattr(bulk, "COUNTS_KEPT", counts_kept)

    outcome = import_cases_csv(io.BytesIO(csv_bytes(good_rows(5000, seed=11))))

    assert outcome.ok and outcome.new == 5000
    _same_as_a_rebuild()


@pytest.mark.postgres
def test_a_merge_turns_jit_off_for_its_own_statements_only(registered):
    from django.db import connection

    seen = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO petitions_rollup_adding"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('jit')")
                seen.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        # (A case counted twice: this test looks at the setting, not at the figures.)
        with connection.execute_wrapper(watch):
            assert add_new_cases([registered[2].pk]) > 0
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"
    assert seen and set(seen) == {"off"}
