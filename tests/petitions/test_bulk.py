"""The fast path for case files: the same cases, the same rollups and the same errors as the
ordinary import of the same file, and nothing written when anything is wrong."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest

from petitions.bulk import _Keys, import_cases_csv
from petitions.models import Case, DailyRollup, MonthlyRollup, YearlyRollup
from petitions.rollups import direct_stats, rollup_table
from tainan_rdec.importing.runner import run_import
from tests.petitions.builders import ensure_categories, taipei

pytestmark = pytest.mark.django_db

HEADERS = [
    "案件編號",
    "受理管道",
    "受理時間",
    "案件類別",
    "細項",
    "行政區",
    "地址",
    "案情描述",
    "承辦機關代碼",
    "處理狀態",
    "結案時間",
    "滿意度（1–5）",
]


def _subcategories():
    from petitions.models import Subcategory

    ensure_categories()
    return [
        (s.category.name, s.name)
        for s in Subcategory.objects.select_related("category").order_by("code")[:6]
    ]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def good_rows(n: int, seed: int = 1) -> list[list]:
    rng = random.Random(seed)
    pairs = _subcategories()
    rows = []
    for i in range(n):
        received = taipei(2024, 3, 1, 8, 0) + timedelta(hours=rng.randrange(0, 24 * 60))
        category, sub = rng.choice(pairs)
        closed = rng.random() < 0.7
        closed_at = received + timedelta(hours=rng.choice([2, 30, 200, 500]))
        rows.append(
            [
                f"UN{received:%Y%m%d}{i:04d}",
                rng.choice(["1999專線", "市長信箱", "網路"]),
                f"{received.year - 1911}/{received:%m/%d %H:%M}",
                category,
                sub,
                rng.choice(["東區", "安平區", ""]),
                "臺南市東區中華東路一段100號",
                "路面坑洞，機車行經危險",
                rng.choice(["B06", "B07"]),
                "已結案" if closed else "受理",
                f"{closed_at.year - 1911}/{closed_at:%m/%d %H:%M}" if closed else "",
                rng.choice(["", "4", "5"]) if closed else "",
            ]
        )
    return rows


def _cases():
    fields = [
        "case_number",
        "channel",
        "received_at",
        "subcategory_id",
        "category_id",
        "district_id",
        "handling_agency_id",
        "due_date",
        "status",
        "closed_at",
        "processing_days",
        "closed_on_time",
        "satisfaction",
        "description",
    ]
    return sorted(Case.objects.values_list(*fields))


def test_the_fast_path_writes_what_the_ordinary_import_writes(city_agencies, tmp_path):
    content = csv_bytes(good_rows(120))
    ordinary = run_import("cases", content, file_name="cases.csv", fast=False)
    assert ordinary.ok, [str(p) for p in ordinary.problems]
    expected_cases, expected_rollups = _cases(), rollup_table()
    # Back to no cases and no figures: the fast path adds its cases to the rollups there.
    Case.objects.all().delete()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    YearlyRollup.objects.all().delete()

    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    outcome = import_cases_csv(path)
    assert outcome.ok and (outcome.total, outcome.new) == (120, 120)
    assert _cases() == expected_cases
    assert rollup_table() == expected_rollups == direct_stats()


def _row(number, channel, received, sub, district, text, agency, status, closed, rating):
    category = "道路維修"
    return [number, channel, received, category, sub, district, "", text, agency, status, closed,
            rating]  # fmt: skip


FIRST = "UN202403010001"
BAD_ROWS = [
    _row(FIRST, "1999專線", "113/03/01 09:00", "路面坑洞", "東區", "坑洞", "B06", "受理", "", ""),
    # ROC year typed as Gregorian, an unknown agency, a close without its time.
    _row("UN2", "1999專線", "2024/03/01 09:00", "路面坑洞", "", "坑洞", "Z99", "已結案", "", ""),
    # A district that does not exist and a satisfaction on an open case.
    _row("UN3", "網路", "113/03/02 09:00", "路面坑洞", "北極區", "坑洞", "B06", "受理", "", "很好"),
    # An unknown channel, closed before it was received, a subcategory not under the category.
    _row("UN4", "傳真", "113/03/05 09:00", "遊具損壞", "", "", "B07", "已結案", "113/03/01", "5"),
    # The first row's case number again.
    _row(FIRST, "1999專線", "113/03/01 09:00", "路面坑洞", "東區", "坑洞", "B06", "受理", "", ""),
]


def test_bad_rows_get_the_ordinary_imports_messages_and_nothing_is_written(city_agencies):
    ensure_categories()
    content = csv_bytes(BAD_ROWS)
    ordinary = run_import("cases", content, file_name="cases.csv", fast=False)
    fast = import_cases_csv(io.BytesIO(content))
    assert not fast.ok and not fast.committed
    assert sorted(map(str, fast.problems)) == sorted(map(str, ordinary.problems))
    assert any(str(p).startswith("第3列「承辦機關代碼」") for p in fast.problems)
    assert "第6列：與第2列重複（「案件編號」相同），同一筆資料只能出現一次。" in map(
        str, fast.problems
    )
    assert not Case.objects.exists()
    assert not MonthlyRollup.objects.exists()


def check_registered_numbers(rows: list[list], changed: int) -> None:
    """``rows``, already imported, imported again: every case unchanged and skipped; then with
    the description of ``rows[changed]`` rewritten: refused on its row, and nothing written."""
    count = Case.objects.count()
    again = import_cases_csv(io.BytesIO(csv_bytes(rows)))
    assert again.ok and (again.new, again.unchanged) == (0, len(rows))
    rewritten = [list(row) for row in rows]
    rewritten[changed][7] = "改寫的案情描述"
    refused = import_cases_csv(io.BytesIO(csv_bytes(rewritten)))
    [problem] = refused.problems
    # (Row 1 is the header.)
    assert str(problem).startswith(f"第{changed + 2}列：案件編號") and "已登錄" in str(problem)
    assert Case.objects.count() == count


def test_registered_cases_are_skipped_when_the_same_and_refused_when_changed(city_agencies):
    assert import_cases_csv(io.BytesIO(csv_bytes(good_rows(10)))).new == 10
    check_registered_numbers(good_rows(10), 3)


def test_a_dry_run_checks_everything_and_writes_nothing(city_agencies):
    outcome = import_cases_csv(io.BytesIO(csv_bytes(good_rows(20))), dry_run=True)
    assert outcome.ok and outcome.new == 20 and not outcome.committed
    assert not Case.objects.exists()


def _example_row() -> list:
    from petitions.resources import CaseResource

    examples = {c.column_name: c.example for c in CaseResource().import_columns()}
    return [examples.get(name) or "" for name in HEADERS]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(csv_bytes([["UN1", "網路"]], headers=["案件編號", "管道"]), id="headers"),
        pytest.param(csv_bytes([["UN1", "網路"]], headers=["案件編號", "案件編號"]), id="twice"),
        pytest.param(None, id="example-row"),
    ],
)
def test_file_level_problems_are_the_ordinary_imports(city_agencies, content):
    ensure_categories()
    content = content or csv_bytes([_example_row(), *good_rows(2)])
    ordinary = run_import("cases", content, file_name="cases.csv", fast=False)
    fast = import_cases_csv(io.BytesIO(content))
    assert ordinary.problems and not fast.ok
    assert sorted(map(str, fast.problems)) == sorted(map(str, ordinary.problems))
    assert not Case.objects.exists()


def test_a_big5_file_from_excel_is_read(city_agencies):
    outcome = import_cases_csv(io.BytesIO(csv_bytes(good_rows(5), encoding="cp950")))
    assert outcome.ok and outcome.new == 5


def test_import_records_takes_the_fast_path_for_a_csv_of_cases(city_agencies, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(good_rows(12)))
    out = io.StringIO()
    call_command("import_records", "cases", str(path), stdout=out)
    assert "匯入完成：共 12 列：新增 12 筆" in out.getvalue()
    assert Case.objects.count() == 12

    path.write_bytes(csv_bytes(BAD_ROWS))
    errors = io.StringIO()
    with pytest.raises(CommandError, match="沒有寫入任何資料"):
        call_command("import_records", "cases", str(path), stdout=io.StringIO(), stderr=errors)
    assert "第3列「承辦機關代碼」：找不到承辦機關代碼「Z99」。" in errors.getvalue()
    assert Case.objects.count() == 12


def test_every_import_of_a_case_csv_takes_the_fast_path(city_agencies, monkeypatch):
    from petitions import bulk

    calls = []
    real = bulk.import_cases_csv

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "import_cases_csv", spy)
    outcome = run_import("cases", csv_bytes(good_rows(7)), file_name="cases.csv", dry_run=True)
    assert outcome.ok and (outcome.total, outcome.new) == (7, 7) and not outcome.committed
    assert len(calls) == 1 and calls[0]["dry_run"] is True
    assert not Case.objects.exists()
    refused = run_import("cases", csv_bytes(BAD_ROWS), file_name="cases.csv")
    assert "第3列「承辦機關代碼」：找不到承辦機關代碼「Z99」。" in map(str, refused.problems)


def test_remembered_readings_give_every_row_its_own_verdict(city_agencies):
    """A cell's reading is remembered for the file (a channel, a code, a rating): a bad value
    is refused on every row it appears on, and a subcategory is read within its row's category."""
    from petitions.models import Category

    ensure_categories()
    other = Category.objects.exclude(subcategories__name="路面坑洞").order_by("pk").first()
    good = _row("UN21", "1999專線", "113/03/01 09:00", "路面坑洞", "", "坑洞", "B06", "已結案",
                "113/03/04 10:00", "9")  # fmt: skip
    again = _row("UN22", "1999專線", "113/03/01 10:00", "路面坑洞", "", "坑洞", "B06", "已結案",
                 "113/03/04 10:00", "9")  # fmt: skip
    fax = _row("UN23", "傳真", "113/03/01 11:00", "路面坑洞", "", "坑洞", "B06", "受理", "", "")
    fax_again = [*fax]
    fax_again[0] = "UN24"
    wrong_category = [*fax]
    wrong_category[:4] = ["UN25", "1999專線", "113/03/01 12:00", other.name]
    outcome = import_cases_csv(io.BytesIO(csv_bytes([good, again, fax, fax_again, wrong_category])))
    problems = {(p.row, p.column) for p in outcome.problems}
    assert {(2, "滿意度（1–5）"), (3, "滿意度（1–5）")} <= problems  # the model's validator
    assert {(4, "受理管道"), (5, "受理管道")} <= problems
    assert (6, "細項") in problems and (2, "細項") not in problems
    assert not Case.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_processes_check_rows_as_the_importing_process_does(
    city_agencies, settings, monkeypatch
):
    """A big file on PostgreSQL is checked in worker processes
    (``tainan_rdec.importing.workers``): the same problems in the same order, the same cases
    written, and nothing when a row is wrong."""
    from petitions import bulk

    ensure_categories()
    pools = []

    class CountedPool(bulk.Pool):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(bulk, "Pool", CountedPool)
    settings.IMPORT_WORKERS_FROM_BYTES = 0
    bad = [[f"UNBAD{i}", *row[1:]] for i, row in enumerate(BAD_ROWS)]
    mixed = csv_bytes(good_rows(2500)[:1200] + bad + good_rows(2500)[1200:])

    settings.IMPORT_WORKERS = 0
    alone = import_cases_csv(io.BytesIO(mixed))
    good = csv_bytes(good_rows(2500))
    assert import_cases_csv(io.BytesIO(good)).new == 2500
    expected_cases, expected_rollups = _cases(), rollup_table()
    Case.objects.all().delete()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    YearlyRollup.objects.all().delete()
    assert not pools

    settings.IMPORT_WORKERS = 2
    checked = import_cases_csv(io.BytesIO(mixed))
    assert len(pools) == 1 and pools[0][0] == 2
    assert list(map(str, checked.problems)) == list(map(str, alone.problems))
    assert any(p.row == 1203 and p.column == "承辦機關代碼" for p in checked.problems)
    assert not Case.objects.exists()

    outcome = import_cases_csv(io.BytesIO(good))
    assert len(pools) == 2 and outcome.ok and outcome.new == 2500
    assert _cases() == expected_cases
    assert rollup_table() == expected_rollups

    # The numbers already registered are looked up by the workers, on their own connections:
    # the same content is unchanged, other content refused with the importing process's words.
    check_registered_numbers(good_rows(2500), 2100)
    assert len(pools) == 4 and _cases() == expected_cases


@pytest.mark.postgres
def test_the_case_keys_are_deferred_again_after_an_import(city_agencies):
    """The import checks the case table's foreign keys as each chunk is written; afterwards
    they are deferred again for the rest of the caller's transaction (here the test's)."""
    from django.db import connection

    from tainan_rdec.models import Agency

    assert import_cases_csv(io.BytesIO(csv_bytes(good_rows(5)))).new == 5
    case = Case.objects.first()
    missing = Agency.objects.order_by("-pk").first().pk + 1000
    with connection.cursor() as cursor:
        # Deferred: a case naming a missing agency would be refused at commit, not at once.
        sql = "UPDATE petitions_case SET handling_agency_id = %s WHERE id = %s"
        cursor.execute(sql, [missing, case.pk])
        cursor.execute(sql, [case.handling_agency_id, case.pk])


def test_the_cycle_collector_is_set_back_after_an_import(city_agencies, monkeypatch):
    """The import runs Python's cycle collector less often while it reads (``bulk``'s
    ``_fewer_collections``) and sets it back after a good file and after a bad one."""
    import gc

    from petitions import bulk

    ensure_categories()
    during = []
    check = bulk.RowChecker.__call__
    monkeypatch.setattr(
        bulk.RowChecker,
        "__call__",
        lambda self, chunk: during.append(gc.get_threshold()[0]) or check(self, chunk),
    )
    before = gc.get_threshold()
    assert import_cases_csv(io.BytesIO(csv_bytes(good_rows(5)))).ok
    assert not import_cases_csv(io.BytesIO(csv_bytes(BAD_ROWS))).ok
    assert during == [bulk.COLLECT_EVERY] * 2
    assert gc.get_threshold() == before and before[0] != bulk.COLLECT_EVERY


def test_the_new_keys_are_known_in_runs_whatever_others_took_between():
    """An import takes its keys from the sequence a chunk at a time; a desk registering a case
    meanwhile takes one between them. The grouping must tell the import's keys from it."""
    keys = _Keys()
    keys.add([101, 102, 103])
    keys.add([104, 105])  # the next chunk: the same run
    keys.add([107, 108])  # 106 went to a registration meanwhile

    assert [pk in keys for pk in range(99, 111)] == [
        False, False, True, True, True, True, True, False, True, True, False, False,
    ]  # fmt: skip
    assert (keys.starts, keys.ends) == ([101, 107], [105, 108])
    with pytest.raises(ValueError):
        keys.add([106])


# Every column a case file may have, and a row of it that is valid.
ALL_HEADERS = [*HEADERS, "首次回應時間", "重新開啟次數", "專案", "緯度", "經度"]
VALID = dict(
    zip(
        ALL_HEADERS,
        ["UN202403010100", "1999專線", "113/03/01 09:00", "道路維修", "路面坑洞", "東區",
         "臺南市東區中華東路一段100號", "坑洞", "B06", "已結案", "113/03/04 10:00", "4",
         "113/03/01 10:00", "0", "", "22.991", "120.227"],
        strict=True,
    )
)  # fmt: skip
# (column, bad cell): every kind of bad cell the register refuses, one a row.
BAD_CELLS = [
    ("案件編號", ""),
    ("案件編號", "UN\x00NUL"),
    ("案件編號", "UN" + "9" * 40),
    ("受理管道", "傳真"),
    ("受理管道", ""),
    ("受理時間", "民國2024年3月1日 09:00"),
    ("受理時間", "113/13/01 09:00"),
    ("受理時間", "88/12/31 09:00"),
    ("受理時間", "昨天上午"),
    ("受理時間", ""),
    ("受理時間", "200/01/01 09:00"),
    ("案件類別", "外太空"),
    ("案件類別", ""),
    ("細項", "遊具損壞"),
    ("細項", "不存在的細項"),
    ("細項", ""),
    ("行政區", "北極區"),
    ("地址", "臺南市" + "很長的路" * 60),
    ("案情描述", ""),
    ("案情描述", "坑洞\x00"),
    ("承辦機關代碼", "Z99"),
    ("承辦機關代碼", ""),
    ("處理狀態", "處理完畢"),
    ("結案時間", ""),
    ("結案時間", "113/02/28 10:00"),
    ("結案時間", "不知道"),
    ("滿意度（1–5）", "很好"),
    ("滿意度（1–5）", "9"),
    ("滿意度（1–5）", "0"),
    ("滿意度（1–5）", "4.5"),
    ("首次回應時間", "113/02/01 10:00"),
    ("首次回應時間", "三月"),
    ("重新開啟次數", "-1"),
    ("重新開啟次數", "兩次"),
    ("專案", "沒有這個專案"),
    ("緯度", "北緯二十三度"),
    ("緯度", "999"),
    ("經度", "abc"),
    ("經度", "-181"),
]


def test_every_kind_of_bad_cell_gets_the_ordinary_imports_words(city_agencies):
    """A file with every kind of bad cell, each repeated on a later row (a remembered reading
    says it again) and among valid rows: the fast path, which reads the cells of most columns
    a whole column at a time, refuses each row with the ordinary import's own messages, word
    for word."""
    ensure_categories()
    rows, number = [], 0

    def add(**cells):
        nonlocal number
        number += 1
        row = {**VALID, "案件編號": f"UN2024030{number:05d}", **cells}
        rows.append([row[name] for name in ALL_HEADERS])

    for _round in range(2):
        for column, cell in BAD_CELLS:
            add()
            add(**{column: cell})
    # Open cases with what only a closed case has.
    add(**{"處理狀態": "受理", "結案時間": "113/03/04 10:00", "滿意度（1–5）": ""})
    add(**{"處理狀態": "受理", "結案時間": "", "滿意度（1–5）": "5"})
    content = csv_bytes(rows, headers=ALL_HEADERS)
    ordinary = run_import("cases", content, file_name="cases.csv", fast=False)
    fast = import_cases_csv(io.BytesIO(content))
    expected = sorted(map(str, ordinary.problems))
    assert sorted(map(str, fast.problems)) == expected
    # Every bad row is refused, on both rounds, and no valid one.
    refused = {p.row for p in fast.problems}
    assert len(refused) == 2 * len(BAD_CELLS) + 2
    assert all(row % 2 == 1 for row in refused if row <= 2 * 2 * len(BAD_CELLS) + 1)
    assert not Case.objects.exists()


def test_a_chunks_columns_are_read_as_each_row_reads_them(city_agencies):
    """``RowChecker.read_columns`` reads a chunk's column of codes and choices at a time: each
    row gets the reading ``read_cell`` gives it alone, a short row and a cell that is not
    text included; a subcategory, read within its row's category, is read row by row."""
    from petitions.bulk import RowChecker

    ensure_categories()
    checker = RowChecker(None)
    assert "細項" not in checker.plain
    assert {"受理管道", "案件類別", "承辦機關代碼", "處理狀態", "滿意度（1–5）"} <= checker.plain
    names = tuple(HEADERS)
    rows = [
        [*BAD_ROWS[0]],
        [*BAD_ROWS[1]],
        [*BAD_ROWS[2]],
        [*BAD_ROWS[2]],
        ["UN9", 1999, "113/03/01 09:00", "道路維修"],  # short, and a number for a channel
        [*BAD_ROWS[3][:-1], 5],
    ]
    read = checker.read_columns(names, rows)
    assert set(read) == checker.plain & set(names)
    alone = RowChecker(None)  # nothing remembered from the chunk
    for name, readings in read.items():
        i = names.index(name)
        expected = [
            alone.read_cell(name, alone.columns[name], {name: row[i] if i < len(row) else None})
            for row in rows
        ]
        assert readings == expected, name
    assert [ok for ok, _value in read["受理管道"]] == [True, True, True, True, True, False]
    assert read["承辦機關代碼"][1] == (False, "找不到承辦機關代碼「Z99」。")


def test_a_workers_cycle_collector_runs_as_seldom_as_the_importers(city_agencies):
    """A worker process builds its checker with ``row_checker`` and lives for one import: its
    cycle collector then runs every ``COLLECT_EVERY`` new objects, as the importing process's
    does meanwhile."""
    import gc

    from petitions import bulk

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        bulk.row_checker(None)
        assert gc.get_threshold() == (bulk.COLLECT_EVERY, *before[1:])
    finally:
        gc.set_threshold(*before)
