"""Grouping as cases arrive (重複陳情歸併): each chunk of a case import and each registered case
joins the calls of its problem, and the groups are the ones the full regrouping gives; the
rollups count the repeat calls (problems = calls − repeat calls); a reviewer's split or merge
stays on regrouping, with the Chinese messages of the rules; the nightly regrouping is
scheduled by migration 0016."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from petitions import bulk, grouping, rollups
from petitions.grouping import group_all
from petitions.models import Case, DailyRollup, ProblemGroup
from petitions.rollups import direct_stats, rollup_table
from petitions.services import merge_groups, take_case_out_of_group
from petitions.tasks import group_cases_task
from tainan_rdec.importing.runner import run_import
from tests.petitions.builders import ensure_categories, taipei
from tests.petitions.test_bulk import HEADERS

pytestmark = pytest.mark.django_db

POTHOLE = "中華東路一段路面坑洞，機車行經危險"
DARK = "大學路路燈不亮，夜間行人很危險"
OTHERS = ["公園遊具損壞請派員修理", "水溝堵塞發出臭味", "違規停車擋住出入口", "噪音擾人"]


def groups() -> list[list[str]]:
    """The groups as sorted lists of case numbers, sorted."""
    found: dict[int, list[str]] = {}
    for number, group in Case.objects.filter(problem_group__isnull=False).values_list(
        "case_number", "problem_group"
    ):
        found.setdefault(group, []).append(number)
    return sorted(sorted(numbers) for numbers in found.values())


def repeat_calls() -> int:
    """The city's repeat calls in the rollups (all days, the total row)."""
    return sum(
        DailyRollup.objects.filter(dimension="total", agency_key=0).values_list(
            "repeat_calls", flat=True
        )
    )


def _rows(n: int, seed: int = 7) -> list[list]:
    """A month of cases in random order: a share are repeat calls at a few places (a pothole
    and a dark street called about over several days), the rest scattered problems."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        received = taipei(2024, 3, 1, 8, 0) + timedelta(hours=rng.randrange(0, 24 * 30))
        kind = rng.random()
        if kind < 0.3:
            sub, category, address, text = "路面坑洞", "道路維修", "中華東路一段100號", POTHOLE
        elif kind < 0.5:
            sub, category = "路面坑洞", "道路維修"
            address, text = "臺南市東區大學路1號", DARK
        else:
            sub, category = "路面坑洞", "道路維修"
            address, text = f"臺南市東區林森路{i}號", rng.choice(OTHERS)
        rows.append(
            [
                f"UN{received:%Y%m%d}{i:04d}",
                "1999專線",
                f"{received.year - 1911}/{received:%m/%d %H:%M}",
                category,
                sub,
                "東區",
                address,
                text,
                "B06",
                "受理",
                "",
                "",
            ]
        )
    rng.shuffle(rows)
    return rows


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _regrouped() -> list[list[str]]:
    group_all()
    return groups()


def _check_problems_add_up():
    """The rollups the import left count the repeat calls the case table says."""
    assert rollup_table() == direct_stats()
    in_groups = Case.objects.filter(problem_group__isnull=False).count()
    assert repeat_calls() == in_groups - ProblemGroup.objects.count() > 0


@pytest.mark.parametrize("runs_per_read", [grouping.RUNS_PER_READ, 1])
def test_an_import_through_the_command_groups_its_cases_as_the_full_regrouping_does(
    city_agencies, tmp_path, monkeypatch, runs_per_read
):
    ensure_categories()
    # Small chunks: the file's 300 cases arrive in several chunks, out of order. The grouping
    # then reads the dates they need in the order received, in one query or a run of dates at
    # a time (the file's gaps of a day make many runs).
    monkeypatch.setattr(grouping, "RUNS_PER_READ", runs_per_read)
    monkeypatch.setattr(bulk, "BATCH", 40)
    monkeypatch.setattr(bulk, "CHUNK", 40)
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv(_rows(300)))

    call_command("import_records", "cases", str(path), stdout=io.StringIO())

    assert Case.objects.count() == 300
    imported = groups()
    assert len(imported) >= 2
    _check_problems_add_up()
    assert _regrouped() == imported
    _check_problems_add_up()


def test_new_calls_that_link_to_a_later_group_join_it(city_agencies, tmp_path, monkeypatch):
    """A pair of calls on Monday links with each other; a call on Wednesday links them to the
    group of the next Monday's calls, imported before: the three join the older group, which
    now starts with the Monday pair's first call."""
    ensure_categories()
    monkeypatch.setattr(grouping, "RUNS_PER_READ", 1)

    def call(number, day, hour):
        return [
            number, "1999專線", f"113/03/{day:02d} {hour:02d}:00", "道路維修", "路面坑洞",
            "東區", "中華東路一段100號", POTHOLE, "B06", "受理", "", "",
        ]  # fmt: skip

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(_csv([call("UN1", 11, 9), call("UN2", 11, 10)]))  # Monday 3.11
    second.write_bytes(_csv([call("UN3", 4, 9), call("UN4", 4, 10), call("UN5", 6, 9)]))
    assert bulk.import_cases_csv(first).ok
    [older] = ProblemGroup.objects.all()

    outcome = bulk.import_cases_csv(second)

    assert outcome.ok and outcome.grouped == 3
    assert groups() == [["UN1", "UN2", "UN3", "UN4", "UN5"]]
    older.refresh_from_db()
    assert (older.case_count, older.first_case.case_number) == (5, "UN3")
    _check_problems_add_up()
    assert _regrouped() == [["UN1", "UN2", "UN3", "UN4", "UN5"]]


def test_the_nightly_regrouping_puts_every_changed_mark_into_the_rollups(
    city_agencies, tmp_path, monkeypatch
):
    """A file imported without grouping (left to the night): the nightly task groups all its
    repeat callers at once and adds the marks to the rollups, however many, a few cases a
    statement."""
    ensure_categories()
    monkeypatch.setattr(rollups, "_CASES_AT_A_TIME", 7)
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv(_rows(200, seed=3)))
    assert bulk.import_cases_csv(path, group=False).ok
    assert repeat_calls() == 0

    group_cases_task.delay().get()

    assert Case.objects.filter(problem_group__isnull=False).count() > 2 * 7
    _check_problems_add_up()


def test_the_fast_path_counts_every_new_case_it_grouped(city_agencies, tmp_path, monkeypatch):
    ensure_categories()
    monkeypatch.setattr(bulk, "BATCH", 40)
    monkeypatch.setattr(bulk, "CHUNK", 40)
    path = tmp_path / "cases.csv"
    path.write_bytes(_csv(_rows(200, seed=5)))

    outcome = bulk.import_cases_csv(path)

    assert outcome.ok and outcome.new == 200
    # A call grouped only when a later chunk's call linked it counts too, once.
    assert outcome.grouped == Case.objects.filter(problem_group__isnull=False).count() > 0


def test_the_ordinary_import_groups_its_cases_as_the_full_regrouping_does(city_agencies):
    ensure_categories()
    outcome = run_import("cases", _csv(_rows(120, seed=3)), file_name="cases.csv", fast=False)
    assert outcome.ok, [str(p) for p in outcome.problems]

    imported = groups()
    assert len(imported) >= 2
    _check_problems_add_up()
    assert _regrouped() == imported


def test_a_second_file_joins_the_groups_of_the_first(city_agencies):
    """Calls imported later join the problems registered before (the window reads them)."""
    ensure_categories()
    rows = _rows(200, seed=11)
    run_import("cases", _csv(rows[:100]), file_name="a.csv")
    run_import("cases", _csv(rows[100:]), file_name="b.csv")

    imported = groups()
    _check_problems_add_up()
    assert _regrouped() == imported


def test_a_dry_run_groups_nothing(city_agencies):
    ensure_categories()
    outcome = run_import("cases", _csv(_rows(60)), file_name="cases.csv", dry_run=True)
    assert outcome.ok
    assert not Case.objects.exists() and not ProblemGroup.objects.exists()


# -- register_case ------------------------------------------------------------------------------


def test_registered_calls_join_their_problem_at_once_and_count_as_repeat_calls(make_case):
    first = make_case("2024-03-04 09:00", address="臺南市東區大學路1號", description=POTHOLE)
    second = make_case("2024-03-05 09:00", address="台南市東區大學路１號", description=POTHOLE)
    third = make_case("2024-03-06 09:00", address="臺南市東區大學路1號", description=POTHOLE)
    make_case("2024-03-06 10:00", address="臺南市東區大學路1號", description=DARK)

    group = ProblemGroup.objects.get()  # no task ran
    assert groups() == [sorted(c.case_number for c in (first, second, third))]
    assert (group.first_case_id, group.case_count) == (first.pk, 3)
    assert repeat_calls() == 2
    assert rollup_table() == direct_stats()
    assert _regrouped() == [sorted(c.case_number for c in (first, second, third))]


def test_a_call_between_two_problems_merges_them_into_the_older(make_case):
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    # Mon 3.4 and the next Mon 3.11 are five working days apart: two problems …
    early = [make_case("2024-03-04 09:00", **address), make_case("2024-03-04 10:00", **address)]
    late = [make_case("2024-03-11 09:00", **address), make_case("2024-03-11 10:00", **address)]
    assert len(groups()) == 2
    older = early[0].problem_group_id or Case.objects.get(pk=early[0].pk).problem_group_id

    # … until a call on Thu 3.7 (three working days after one, two before the other).
    middle = make_case("2024-03-07 09:00", **address)

    assert groups() == [sorted(c.case_number for c in [*early, *late, middle])]
    assert ProblemGroup.objects.get().pk == older
    assert repeat_calls() == 4
    assert rollup_table() == direct_stats()


def test_a_registration_reads_the_registered_cases_of_its_own_category_only(make_case):
    """A registration's grouping reads its category's cases of the window, not every case of
    those days (a fifth of the reading at the city's scale: bench_case_verbs)."""
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    pothole = make_case("2024-03-04 09:00", **address)  # 0501 道路維修
    lamp = make_case("2024-03-04 10:00", code="0802", **address)
    assert pothole.category_id != lamp.category_id
    arriving = make_case("2024-03-05 09:00", **address)
    Case.objects.filter(pk=arriving.pk).update(problem_group=None)
    row = Case.objects.filter(pk=arriving.pk).values_list(*grouping.FIELDS).get()

    arrivals = grouping.Arrivals(categories={pothole.category_id})
    arrivals.place([row])
    assert pothole.pk in arrivals.known
    assert lamp.pk not in arrivals.known
    # Every category's arrivals read both.
    every = grouping.Arrivals()
    every.place([row])
    assert {pothole.pk, lamp.pk} <= every.known.keys()
    # A case of a category the arrivals do not read is refused, not grouped wrongly.
    other = Case.objects.filter(pk=lamp.pk).values_list(*grouping.FIELDS).get()
    with pytest.raises(ValueError):
        grouping.Arrivals(categories={pothole.category_id}).place([other])


# -- a reviewer's split and merge ---------------------------------------------------------------


@pytest.fixture
def reviewer(cast):
    return cast["reviewer"]


def test_a_case_taken_out_stays_alone_on_regrouping(make_case, reviewer):
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    cases = [make_case(f"2024-03-0{day} 09:00", **address) for day in (4, 5, 6)]
    group = ProblemGroup.objects.get()

    left = take_case_out_of_group(cases[1], by=reviewer)

    assert left.pk == group.pk and left.case_count == 2
    taken = Case.objects.get(pk=cases[1].pk)
    assert taken.problem_group_id is None and taken.group_kept
    assert repeat_calls() == 1
    group_cases_task.delay().get()
    assert groups() == [sorted([cases[0].case_number, cases[2].case_number])]
    assert repeat_calls() == 1
    assert rollup_table() == direct_stats()


def test_taking_the_first_call_out_makes_the_next_the_first(make_case, reviewer):
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    cases = [make_case(f"2024-03-0{day} 09:00", **address) for day in (4, 5, 6)]

    left = take_case_out_of_group(cases[0], by=reviewer)

    assert left.first_case_id == cases[1].pk
    assert left.first_received_at == cases[1].received_at
    assert rollup_table() == direct_stats()


def test_a_group_left_with_one_case_is_dissolved(make_case, reviewer):
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    cases = [make_case(f"2024-03-0{day} 09:00", **address) for day in (4, 5)]

    assert take_case_out_of_group(cases[0], by=reviewer) is None

    assert not ProblemGroup.objects.exists()
    assert repeat_calls() == 0
    assert rollup_table() == direct_stats()


def test_merged_groups_stay_one_problem_on_regrouping(make_case, reviewer):
    pothole = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    # The same pothole reported with other words two weeks later: the rule sees two problems.
    first = [make_case("2024-03-04 09:00", **pothole), make_case("2024-03-05 09:00", **pothole)]
    again = {"address": "臺南市東區大學路1號", "description": "大學路一號前面的洞又破了"}
    second = [make_case("2024-03-18 09:00", **again), make_case("2024-03-19 09:00", **again)]
    one, two = ProblemGroup.objects.order_by("first_received_at")

    merged = merge_groups(one, two, by=reviewer)

    assert merged.kept and merged.case_count == 4 and merged.first_case_id == first[0].pk
    assert not ProblemGroup.objects.filter(pk=two.pk).exists()
    assert repeat_calls() == 3
    group_cases_task.delay().get()
    assert groups() == [sorted(c.case_number for c in [*first, *second])]
    assert rollup_table() == direct_stats()


def test_only_the_commission_regroups_and_the_rules_say_why(make_case, cast, subcategory):
    address = {"address": "臺南市東區大學路1號", "description": POTHOLE}
    cases = [make_case(f"2024-03-0{day} 09:00", **address) for day in (4, 5)]
    lamp = {"address": "臺南市東區大學路1號", "description": DARK, "code": "0201"}
    lamps = [make_case(f"2024-03-0{day} 10:00", **lamp) for day in (4, 5)]
    group = ProblemGroup.objects.get(category=cases[0].category)
    other = ProblemGroup.objects.get(category=lamps[0].category)
    alone = make_case("2024-03-20 09:00")

    with pytest.raises(PermissionDenied, match="只有研考會可以調整問題群組"):
        take_case_out_of_group(cases[0], by=cast["staff_a"])
    with pytest.raises(PermissionDenied, match="只有研考會可以調整問題群組"):
        merge_groups(group, other, by=cast["official"])
    with pytest.raises(ValidationError, match="本案不屬於任何問題群組"):
        take_case_out_of_group(alone, by=cast["reviewer"])
    with pytest.raises(ValidationError, match="不能與同一個群組合併"):
        merge_groups(group, group, by=cast["reviewer"])
    with pytest.raises(ValidationError, match="只能合併同一案件類別的問題群組"):
        merge_groups(group, other, by=cast["reviewer"])
    assert len(groups()) == 2


# -- the nightly schedule -----------------------------------------------------------------------


def test_the_nightly_regrouping_is_scheduled_before_the_rollup_rebuild(db):
    from django_celery_beat.models import PeriodicTask

    from tainan_rdec.celery import app

    task = PeriodicTask.objects.select_related("crontab").get(name="陳情案件每日重新歸併")
    assert task.enabled and task.task == "petitions.tasks.group_cases_task"
    assert task.task in app.tasks  # the name beat sends is a registered task
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, str(crontab.timezone)) == ("30", "1", "Asia/Taipei")
