"""The fast path for importing cases (案件批次匯入): a CSV of any size, streamed, flat in memory.

django-import-export's import keeps every row of the file and a result object per row in
memory and saves each case with its own INSERT: about 190 rows a second, two hours for the
1.42 million cases of five years. This path reads the CSV row by row and writes with
PostgreSQL's ``COPY`` (``bulk_create`` batches on SQLite), so memory stays flat and the
database does the writing at its own speed.

It stays correct by running the same code as the ordinary import for every row:

- the headers are mapped by the register's own ``header_map`` (names and aliases), and the
  required columns are the register's;
- each cell is read by the register's own ``Column`` and widget (ROC and ISO dates, Excel
  serials, natural keys for category, subcategory, district, agency and event, choices);
- each case is completed and checked by ``CaseResource.validate_instance``: the due date,
  processing days and on-time flag the services derive, the import's rules (``check_row``) and
  the model's validation, with the same messages ("第12列「結案時間」：…");
- case numbers are checked against the rest of the file and against the database in batches
  (a number already registered with the same content is skipped as unchanged, as the ordinary
  import does; with different content it is refused with the ordinary import's message).

What makes it fast without checking less:

- a cell whose reading depends only on the cell (a channel, a category, an agency code, a
  rating: ``Column.cell_key``) is read once per file and the reading, or its refusal,
  remembered; each field's model check of a value likewise (``RegisterResource._clean_fields``),
  so a million rows cost a million readings of their free text and moments, not of their codes;
  where the reading depends on the cell alone (``widgets.plain_cell_key``), a chunk's column is
  read at a time (``RowChecker.read_columns``), each distinct text once, and a row takes its
  reading from there; a code's row sets the case's key by its id (with the row cached), as
  the model's own descriptor does;
- on PostgreSQL, a big file's rows are read and checked in worker processes
  (``tainan_rdec.importing.workers``, ``settings.IMPORT_WORKERS``) by the same ``RowChecker``,
  which also looks up the numbers already registered (on the worker's own connection: the
  cases committed before the import) and formats the new cases as COPY text, while this
  process reads the file, catches repeated numbers and passes the text on; the problems are put
  back in row order, so a file gets the same answer either way (tested);
- the case table's foreign keys are checked as each chunk is written, not all at commit, so
  PostgreSQL's checks run while the workers check the next chunks.

Statistics are kept as the cases arrive, not rebuilt: where a chunk's rows are checked (the
workers), what its new cases contribute to the rollups is counted too
(``petitions.rollups.CaseCounts``, the rebuild's rules; tested against it), summed over the
checker's chunks (one row per key and worker, not per key and chunk) and handed over when it
holds ``COUNTS_KEPT`` keys and at the end; the importing process gathers the counts and merges
them into the rollup tables in a few big steps (``rollups.Additions``). The work follows the
file, not the months it touches.

Once every row is written, the new cases are grouped with the calls of their problem
(``petitions.grouping.Arrivals.sweep``, 重複陳情歸併) against the cases already registered
within the working-day window and the cases grouped before, in one pass over the dates they
need, in the order received: the groups after the import are the ones the full regrouping
gives (tested), and a file in any order reads each date once. Their keys are taken from the
sequence as they are written, so the pass knows them; the workers send back the dates they
were received on. Only the cases that joined a group are written again (their group), and
the repeat-call marks the grouping changed are gathered too. The rollups after an import
equal a rebuild's (tested); the rebuild stays as the repair task. A dry run neither counts
nor groups.

All or nothing: the rows are written inside one transaction while the file is read; at the
end, any problem (or a dry run) rolls everything back, the rollups' additions with it, so the
dashboards are right the moment the import commits.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import gc
import io
import logging
import operator
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import psycopg
import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import FileWriter

from petitions import grouping
from petitions.models import Case
from petitions.resources import CaseResource
from petitions.rollups import Additions, CaseCounts
from petitions.services import daily_rollups_from
from tainan_rdec.importing.base import MEMO_LIMIT, ROW_NUMBER_COLUMN
from tainan_rdec.importing.files import Table, check_size, detect_encoding, too_many_rows
from tainan_rdec.importing.problems import ImportCancelled, ImportFileError, ImportProblem
from tainan_rdec.importing.runner import check_headers, example_problems
from tainan_rdec.importing.widgets import PortalWidget, is_blank, plain_cell_key
from tainan_rdec.importing.workers import Pool, WorkersUnavailable, can_run_workers
from tainan_rdec.models import District
from tainan_rdec.workdays import to_local_date

log = logging.getLogger(__name__)

BATCH = 5000
# Rows checked at a time, in this process or a worker's.
CHUNK = 2000
# During an import, Python's cycle collector runs after this many new objects (its default:
# 700; ``_fewer_collections``).
COLLECT_EVERY = 50_000
# What its new cases contribute to the rollups is summed over a checker's chunks and handed
# over once it holds this many keys (about 400 bytes each), and at the end.
COUNTS_KEPT = 250_000
# The most problems reported: a file that is wrong throughout says so in the first thousand.
MAX_PROBLEMS = 1000

# The columns written, in the order of the COPY statement.
COLUMNS = [
    "case_number",
    "channel",
    "received_at",
    "subcategory_id",
    "category_id",
    "district_id",
    "address",
    "latitude",
    "longitude",
    "description",
    "handling_agency_id",
    "due_date",
    "first_response_at",
    "closed_at",
    "status",
    "processing_days",
    "closed_on_time",
    "reopened_count",
    "satisfaction",
    "event_id",
    "petitioner_name",
    "petitioner_phone",
    "petitioner_email",
    "updated_at",
]

NUMBER = COLUMNS.index("case_number")
# A checked case as its record (a tuple in ``COLUMNS`` order).
_record = operator.attrgetter(*COLUMNS)
RECEIVED = COLUMNS.index("received_at")
# What a new case contributes to the rollups is read from these (``rollups.case_rows``).
_ROLLUP_AT = [
    COLUMNS.index(name)
    for name in (
        "received_at",
        "handling_agency_id",
        "category_id",
        "channel",
        "district_id",
        "due_date",
        "status",
        "closed_at",
        "closed_on_time",
        "processing_days",
        "satisfaction",
    )
]
_DISTRICT_AT = 4

# The fields a case number already registered is compared on (the file's columns).
COMPARED = [
    "channel",
    "received_at",
    "subcategory_id",
    "district_id",
    "address",
    "description",
    "handling_agency_id",
    "status",
    "first_response_at",
    "closed_at",
    "satisfaction",
    "reopened_count",
    "event_id",
]
COMPARED_AT = [(name, COLUMNS.index(name)) for name in COMPARED]


@dataclass
class BulkOutcome:
    total: int = 0
    new: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    more_problems: int = 0  # beyond MAX_PROBLEMS
    dry_run: bool = False
    rollup_rows: int = 0
    grouped: int = 0  # new cases that joined a problem group

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def committed(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        if not self.ok:
            extra = (
                _("（另有 {n} 個問題未列出）").format(n=self.more_problems)
                if self.more_problems
                else ""
            )
            return _("共 {total} 列，發現 {n} 個問題{extra}，沒有寫入任何資料。").format(
                total=self.total, n=len(self.problems) + self.more_problems, extra=extra
            )
        verb = _("試匯入（未寫入）") if self.dry_run else _("已匯入")
        return _("{verb}：共 {total} 列，新增 {new} 件，未變更 {unchanged} 件。").format(
            verb=verb, total=self.total, new=self.new, unchanged=self.unchanged
        )


class _Problems:
    def __init__(self, outcome: BulkOutcome):
        self.outcome = outcome

    def add(self, problem: ImportProblem) -> None:
        if len(self.outcome.problems) < MAX_PROBLEMS:
            self.outcome.problems.append(problem)
        else:
            self.outcome.more_problems += 1


def _rows(handle) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    except csv.Error as error:
        raise ImportFileError(
            _("CSV 檔案格式不正確（{error}），請確認是以逗號分隔的文字檔。").format(error=error)
        ) from None
    finally:
        text.detach()


def _copy_sql(columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"COPY {Case._meta.db_table} ({names}) FROM STDIN"


def _encode(records: list[tuple]) -> bytes:
    """Records as the text of a COPY, formatted by psycopg with this process's connection's
    adapters (those of the importing connection: the same settings), so that a worker does the
    formatting and the importing process only passes the bytes on."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with psycopg.Copy(cursor.cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for record in records:
                copy.write_row(record)
    return buffer.getvalue()


def _write(block, pks: list[int] | None = None) -> None:
    """A checked chunk's new cases to the case table: on PostgreSQL its COPY text
    (``_encode``) in one COPY, elsewhere its records with bulk_create. With ``pks`` (taken by
    ``_new_ids``, one a case in order), each case is written with its key."""
    if not block:
        return
    if connection.vendor == "postgresql":
        columns = COLUMNS if pks is None else [*COLUMNS, "id"]
        if pks is not None:
            lines = block.split(b"\n")
            assert len(lines) == len(pks) + 1 and not lines[-1], "one COPY line a case"
            block = b"".join(b"%b\t%d\n" % (line, pk) for line, pk in zip(lines, pks, strict=False))
        with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(columns)) as copy:
            copy.write(block)
    else:
        keys = [{}] * len(block) if pks is None else [{"id": pk} for pk in pks]
        Case.objects.bulk_create(
            [
                Case(**dict(zip(COLUMNS, record, strict=True)), **key)
                for record, key in zip(block, keys, strict=True)
            ],
            batch_size=1000,
        )


def _new_ids(n: int) -> list[int]:
    """Primary keys for ``n`` new cases, taken from the table's sequence as a row written
    without one would take it (on SQLite: past the highest key used, and marked used, which
    also takes the database's write lock, so no other writer can take them meanwhile)."""
    if not n:
        return []
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s "
            f"UNION ALL SELECT MAX(id) FROM {table})",
            [table],
        )
        last = cursor.fetchone()[0] or 0
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + n, table])
        if not cursor.rowcount:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + n]
            )
    return list(range(last + 1, last + n + 1))


class _Keys:
    """The keys of an import's new cases, as runs of consecutive numbers (taken from the
    sequence a chunk at a time, they come in a few long runs): ``in`` answers for any key,
    in memory that does not grow with the file."""

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []  # each run's last key

    def add(self, pks: list[int]) -> None:
        for pk in sorted(pks):
            if self.ends and pk == self.ends[-1] + 1:
                self.ends[-1] = pk
            elif self.ends and pk <= self.ends[-1]:
                raise ValueError("keys are added in increasing order")
            else:
                self.starts.append(pk)
                self.ends.append(pk)

    def __contains__(self, pk: int) -> bool:
        at = bisect.bisect_right(self.starts, pk) - 1
        return at >= 0 and pk <= self.ends[at]


@contextlib.contextmanager
def _fewer_collections():
    """Python's cycle collector run less often meanwhile. An import makes millions of small
    objects that die young (cells, records) while it holds a few hundred thousand (the file's
    numbers, the cells remembered, the cases the grouping keeps at hand); at the default
    threshold the collector walked everything held every few thousand new objects, and in
    full several times an import: 0.3–0.5 s of the grouping's 0.9 s on a 28-day file
    (``bench_grouping``). Reference counting frees what dies young either way; the collector
    still runs, every ``COLLECT_EVERY`` objects, and is set back afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(COLLECT_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@contextlib.contextmanager
def _foreign_keys_checked_as_written():
    """The case table's foreign keys checked at the end of each COPY rather than at commit.
    Django declares them deferred (checked at commit); PostgreSQL then checks a whole file's
    rows (five keys a case) in one go at the end, on one core, while the worker processes have
    nothing left to do. Checked as each chunk is written, the checks run while the workers go
    on checking the next chunks. Same checks; the keys are deferred again afterwards, as the
    rest of a caller's transaction expects."""
    names = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT quote_ident(conname) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f' AND condeferred",
                [Case._meta.db_table],
            )
            names = ", ".join(name for (name,) in cursor.fetchall())
            if names:
                cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    # (After an error the transaction, or its savepoint, rolls back, and with it this setting.)
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def import_cases_csv(
    source,
    *,
    user=None,
    dry_run: bool = False,
    progress=None,
    cancelled=None,
    max_rows=None,
    group: bool = True,
) -> BulkOutcome:
    """Import the cases of a CSV file (a path or a binary file object). ``progress(done)`` is
    called every BATCH rows; when ``cancelled()`` turns true the import stops, rolls back and
    raises ``ImportCancelled``. A file of more than ``max_rows`` rows is refused at the first
    row past it (the caller, ``runner.run_import``, refuses most such files before reading).
    ``group=False`` leaves the new cases to the full regrouping (the benchmark's baseline)."""
    outcome = BulkOutcome(dry_run=dry_run)
    opened = isinstance(source, str | os.PathLike)
    handle = open(source, "rb") if opened else source
    try:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        check_size(size)
        handle.seek(0)
        pool = None
        if can_run_workers(size):
            try:
                pool = Pool(
                    settings.IMPORT_WORKERS,
                    f"{__name__}.row_checker",
                    (_pk(user), group and not dry_run, COUNTS_KEPT),
                )
                log.info("case import: checking rows in %d worker processes", pool.workers)
            except WorkersUnavailable:
                log.info("case import: cannot start worker processes; checking rows in process")
        with pool or contextlib.nullcontext(), _fewer_collections(), transaction.atomic():
            with _foreign_keys_checked_as_written(), Additions() as additions:
                _import(
                    _rows(handle),
                    outcome,
                    user=user,
                    progress=progress,
                    cancelled=cancelled,
                    pool=pool,
                    max_rows=max_rows,
                    arrivals=grouping.Arrivals() if group and not dry_run else None,
                    additions=additions,
                )
            if not outcome.ok or dry_run:
                transaction.set_rollback(True)
    except ImportFileError as error:
        outcome.problems = error.problems
    finally:
        if opened:
            handle.close()
    return outcome


def _header(rows, resource, problems: _Problems) -> tuple[int, list[str | None]] | None:
    """The first non-empty row as the header, checked by the ordinary import's own rules
    (unknown, repeated and missing columns, with its messages)."""
    for number, values in rows:
        if all(is_blank(v) for v in values):
            continue
        table = Table(headers=[(v or "").strip() for v in values], rows=[], header_row=number)
        mapped, header_problems = check_headers(table, resource)
        for problem in header_problems:
            problems.add(problem)
        return number, mapped
    problems.add(ImportProblem(_("檔案是空的。")))
    return None


def _import(
    rows,
    outcome: BulkOutcome,
    *,
    user,
    progress,
    cancelled=None,
    pool=None,
    max_rows=None,
    additions: Additions,
    arrivals=None,
) -> None:
    resource = CaseResource(user=user)
    problems = _Problems(outcome)
    header = _header(rows, resource, problems)
    if header is None or outcome.problems:
        return
    _header_row, mapped = header
    readonly = {c.column_name for c in resource.columns() if getattr(c, "readonly", False)}
    # Each cell's column, None for a cell not read (an unknown or a read-only column).
    names = tuple(name if name is not None and name not in readonly else None for name in mapped)
    keys = {c.column_name for c in resource.key_columns()}
    seen: dict[object, int] = {}
    key_names = "".join(f"「{c.column_name}」" for c in resource.key_columns())
    chunk: list[tuple[int, list]] = []
    new_keys, new_days = _Keys(), set()  # of the new cases written, for the grouping
    checker = None if pool is not None else RowChecker(user, grouping=arrivals is not None)
    if arrivals is not None:
        grouping.hold_lock()

    def take(checked: Checked) -> None:
        """A checked chunk: its problems and counts, and its new cases written while the file
        has no problem (with their keys, when they are to be grouped)."""
        for problem in checked.problems:
            problems.add(problem)
        outcome.new += checked.new
        outcome.unchanged += checked.unchanged
        if outcome.ok:
            if not outcome.dry_run:
                additions.gather(checked.rollup, checked.rollup_count)
            if arrivals is None:
                _write(checked.block)
            else:
                pks = _new_ids(checked.new)
                _write(checked.block, pks)
                new_keys.add(pks)
                new_days.update(checked.days)

    def group() -> None:
        """Group the new cases, all written, with every case before them; the repeat-call
        marks the grouping changed go into the rollups."""
        if arrivals is not None and outcome.ok:
            arrived = arrivals.sweep(new_keys, new_days)
            outcome.grouped += arrived.grouped
            additions.repeat_changes(arrived.changes)

    def hand_over() -> None:
        if pool is None:
            take(checker((names, chunk)))
        else:
            for result in pool.submit((names, list(chunk))):
                take(result)
        chunk.clear()

    def finish() -> None:
        """What the checkers held back (the rollup rows summed over their chunks)."""
        for result in [checker.finish()] if pool is None else pool.finish():
            take(result)

    for number, values in rows:
        if all(is_blank(v) for v in values):
            continue
        outcome.total += 1
        if max_rows is not None and outcome.total > max_rows:
            outcome.total = max_rows
            raise too_many_rows(max_rows)  # rolls back what was written
        if outcome.total == 1:  # the template's example row left in, as the ordinary import
            for problem in _example_row(mapped, values, number, resource):
                problems.add(problem)
        # The natural key first, as the ordinary import does: a repeated row says only that.
        try:
            [key] = resource.row_key(
                {name: value for name, value in zip(names, values, strict=False) if name in keys}
            )
        except ValidationError as error:
            _add_errors(problems.add, resource, number, error)
            continue
        first = seen.setdefault(key, number)
        if first != number:
            problems.add(
                ImportProblem(
                    _("與第{row}列重複（{columns}相同），同一筆資料只能出現一次。").format(
                        row=first, columns=key_names
                    ),
                    row=number,
                )
            )
            continue
        chunk.append((number, values))
        if len(chunk) >= CHUNK:
            hand_over()
        if outcome.total % BATCH == 0:
            if cancelled is not None and cancelled():
                raise ImportCancelled
            if progress is not None:
                progress(outcome.total)
    hand_over()
    if pool is not None:
        for result in pool.drain():
            take(result)
    finish()
    group()
    if outcome.ok and not outcome.dry_run:
        additions.merge()
        outcome.rollup_rows = additions.written
    # Workers report a chunk's problems when it comes back: row order, as the ordinary import.
    outcome.problems.sort(key=lambda p: p.row or 0)
    if outcome.total == 0:
        problems.add(ImportProblem(_("標題列以下沒有任何資料。")))


def _registered(numbers: list[str]) -> dict[str, Case]:
    """The cases already registered under these numbers. On PostgreSQL the numbers go as one
    array parameter (``= ANY``): an ``IN`` of 5,000 parameters costs more to compile than to run."""
    if connection.vendor == "postgresql":
        table = Case._meta.db_table
        # One index lookup per number (LATERAL … LIMIT 1). A plain join or ``= ANY`` leaves the
        # plan to the table's statistics, which do not know the rows this import has written so
        # far: mid-import the planner chose to scan them all for every chunk, a cost that grew
        # with the file (a 1.5-million-row file spent most of its time there).
        found = Case.objects.raw(
            f"SELECT c.* FROM unnest(%s::varchar[]) AS n(number) CROSS JOIN LATERAL "
            f"(SELECT * FROM {table} WHERE case_number = n.number LIMIT 1) c",
            [numbers],
        )
    else:
        found = Case.objects.filter(case_number__in=numbers)
    return {case.case_number: case for case in found}


def _example_row(mapped, values, number: int, resource) -> list[ImportProblem]:
    keep = [i for i, name in enumerate(mapped) if name and i < len(values)]
    first = tablib.Dataset(headers=[mapped[i] for i in keep] + [ROW_NUMBER_COLUMN])
    first.append([values[i] for i in keep] + [number])
    return example_problems(first, resource)


def _add_errors(add, resource, number: int, error: ValidationError) -> None:
    for attribute, messages in error.message_dict.items():
        column = None if attribute == NON_FIELD_ERRORS else resource.column_name_for(attribute)
        for message in messages:
            add(ImportProblem(str(message), row=number, column=column))


@dataclass
class Checked:
    """A chunk of rows checked: its new cases ready to write (COPY text on PostgreSQL, else
    records), how many were new and unchanged, the problems of the others."""

    block: bytes | list
    new: int
    unchanged: int
    problems: list[ImportProblem]
    # The local dates the new cases were received on, when they are to be grouped.
    days: set[date] = field(default_factory=set)
    # What the checker's new cases contributed to the rollups since it last handed that over
    # (``rollups.CaseCounts``; most chunks hand over none, see ``COUNTS_KEPT``).
    rollup: bytes | list = b""
    rollup_count: int = 0


def _pk(user):
    return None if user is None else user.pk


def row_checker(user_pk, grouping: bool = False, counts_kept: int = COUNTS_KEPT):
    """The chunk checker of a worker process (``tainan_rdec.importing.workers``). A worker lives
    for one import: its cycle collector runs as seldom as the importing process's meanwhile
    (``_fewer_collections``), for the same reason (it holds the counts of a few hundred
    thousand keys while its chunks make millions of objects that die young)."""
    from django.contrib.auth import get_user_model

    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])

    user = None if user_pk is None else get_user_model().objects.get(pk=user_pk)
    return RowChecker(user, grouping=grouping, counts_kept=counts_kept)


class RowChecker:
    """Reads and checks chunks of rows ``(column of each cell, [(row number, cells)])`` (the
    column None for a cell not read) with the register's own columns and rules, into
    ``(records, problems)``: a record (``COLUMNS`` order) for each valid row and the problems
    of the others. It runs in the importing process or in a worker
    (see the module docstring); a cell's reading is remembered for the import (``cell_key``)."""

    def __init__(self, user, *, grouping: bool = False, counts_kept: int | None = None):
        self.resource = CaseResource(user=user)
        self.counts_kept = COUNTS_KEPT if counts_kept is None else counts_kept
        self.grouping = grouping  # the new cases' ``Checked.days`` wanted
        self.columns = {c.column_name: c for c in self.resource.import_columns()}
        self.memo: dict = {}
        self.now = None
        self.district_codes: dict | None = None
        # What the new cases contribute to the rollups, until handed over.
        self.counts = CaseCounts(daily_rollups_from())
        self.blank = Case()
        # Copying a blank case skips Model.__init__: only when nothing listens to it, and while
        # every default is a value no case can change in place (no list, no dict).
        self.copy_blank = not (
            signals.pre_init.has_listeners(Case) or signals.post_init.has_listeners(Case)
        ) and all(
            isinstance(value, str | int | Decimal | date | None)
            for name, value in vars(self.blank).items()
            if name != "_state"
        )
        # The columns that set a foreign key, by their model field: the key is set by its id
        # with the row it names cached, as the field's descriptor does, less its check that
        # both rows are in one database (which a row read from this database always is).
        model_fields = {f.name: f for f in Case._meta.fields}
        self.relations = {
            name: model_fields[column.attribute]
            for name, column in self.columns.items()
            if column.attribute in model_fields and model_fields[column.attribute].many_to_one
        }
        # The columns whose widget says a reading depends only on the cell (``cell_key``).
        self.remembered = {
            name
            for name, column in self.columns.items()
            if type(column.widget).cell_key is not PortalWidget.cell_key
        }
        # Of those, the columns read a chunk's whole column at a time (``read_columns``): the
        # key is the cell's alone, whatever the row's other cells (``plain_cell_key``), and no
        # default is computed afresh (``Column.cell_key`` gives a key at all).
        self.plain = {
            name
            for name in self.remembered
            if type(self.columns[name].widget).cell_key is plain_cell_key
            and self.columns[name].cell_key({}) is not None
        }

    def __call__(self, chunk: tuple[tuple, list]) -> Checked:
        names, rows = chunk
        records, problems = [], []
        # One moment for the chunk's cases: they are written together.
        self.now = timezone.now()
        read = self.read_columns(names, [values for _number, values in rows])
        for at, (number, values) in enumerate(rows):
            row = {
                name: value for name, value in zip(names, values, strict=False) if name is not None
            }
            case = self.case_of(number, row, problems.append, read, at)
            if case is not None:
                records.append((number, _record(case)))
        return self.settle(records, problems)

    def read_columns(self, names: tuple, rows: list[list]) -> dict[str, list]:
        """The readings of a chunk's cells in the columns whose reading depends on the cell
        alone (``plain``), a whole column at a time: each cell's key is its widget's
        (``plain_cell_key``) and its reading the import's memo's, read once (``read_cell``) as
        ``case_of`` reads a cell. A row too short for the column gets a reading it never uses
        (``case_of`` skips a column the row lacks)."""
        read, memo = {}, self.memo
        for i, name in enumerate(names):
            if name not in self.plain:
                continue
            column = self.columns[name]
            cell_key, found = column.widget.cell_key, []
            for values in rows:
                cell = values[i] if i < len(values) else None
                key = cell_key(cell, None)
                reading = memo.get((name, key)) if key is not None else None
                found.append(reading or self.read_cell(name, column, {name: cell}))
            read[name] = found
        return read

    def read_cell(self, name: str, column, row: dict) -> tuple[bool, object]:
        """A column's reading of a row's cell, ``(True, value)`` or ``(False, message)``: when
        the column says it depends only on the cell (``Column.cell_key``), read once per import
        and remembered."""
        key = column.cell_key(row) if name in self.remembered else None
        memo = self.memo
        found = memo.get((name, key)) if key is not None else None
        if found is None:
            try:
                found = (True, column.clean(row))
            except ValueError as error:
                found = (False, str(error))
            if key is not None and len(memo) < MEMO_LIMIT:
                memo[(name, key)] = found
        return found

    def settle(self, records: list[tuple[int, tuple]], problems: list) -> Checked:
        """The valid rows against the cases already registered, looked up on this process's
        connection: a number registered with the same content is unchanged and skipped, with
        other content refused. A worker's connection sees the cases committed before the
        import, which are the ones that count: a number the file itself repeats never gets
        here twice (the importing process refuses the repeat first)."""
        existing = _registered([record[NUMBER] for _n, record in records])
        new, unchanged = [], 0
        for number, record in records:
            stored = existing.get(record[NUMBER])
            if stored is None:
                new.append(record)
            elif all(getattr(stored, name) == record[i] for name, i in COMPARED_AT):
                unchanged += 1
            else:
                problems.append(
                    ImportProblem(
                        _(
                            "案件編號「{number}」已登錄，內容與檔案不同；案件匯入只新增案件，"
                            "已登錄的案件請在案件頁面處理。"
                        ).format(number=record[NUMBER]),
                        row=number,
                    )
                )
        block = _encode(new) if connection.vendor == "postgresql" else new
        self.counts.add(self.as_counted(record) for record in new)
        rollup, count = self.counts_taken() if len(self.counts) >= self.counts_kept else (b"", 0)
        days = {to_local_date(record[RECEIVED]) for record in new} if self.grouping else set()
        return Checked(block, len(new), unchanged, problems, days, rollup, count)

    def finish(self) -> Checked:
        """What is left once every chunk is checked: the rollup rows not handed over yet."""
        return Checked(b"", 0, 0, [], set(), *self.counts_taken())

    def counts_taken(self) -> tuple[bytes | list, int]:
        """The rollup rows summed so far (COPY text on PostgreSQL), and how many."""
        rows = self.counts.take()
        return (_encode(rows) if connection.vendor == "postgresql" else rows), len(rows)

    def as_counted(self, record: tuple) -> list:
        """A new case as ``rollups.case_rows`` reads it (its district by code)."""
        if self.district_codes is None:
            self.district_codes = dict(District.objects.values_list("pk", "code"))
        values = [record[i] for i in _ROLLUP_AT]
        district = values[_DISTRICT_AT]
        values[_DISTRICT_AT] = "" if district is None else self.district_codes[district]
        return values

    def new_case(self) -> Case:
        """A new blank case: a copy of one built once, when no receiver of Django's init
        signals would miss it (``Case()`` sets the 26 fields' defaults one by one: a fifth of a
        row's cost)."""
        if not self.copy_blank:
            return Case()
        case = Case.__new__(Case)
        case.__dict__.update(self.blank.__dict__)
        case._state = ModelState()
        return case

    def case_of(self, number: int, row: dict, add, read=None, at: int = 0) -> Case | None:
        """The row as an unsaved case, checked as the ordinary import checks it; None (and
        its problems given to ``add``) when it is not valid. Each cell is read by its column
        (``read_cell``); ``read`` holds the chunk's columns read already (``read_columns``),
        of which this row is the ``at``-th."""
        errors: dict[str, list[str]] = {}
        case = self.new_case()
        relations, values = self.relations, case.__dict__
        for name, column in self.columns.items():
            if name not in row:
                continue  # not in the file: the model's default, as the ordinary import leaves
            readings = read.get(name) if read else None
            ok, value = self.read_cell(name, column, row) if readings is None else readings[at]
            if not ok:
                errors.setdefault(column.attribute, []).append(value)
            elif name in relations:
                relation = relations[name]
                values[relation.attname] = None if value is None else value.pk
                relation.set_cached_value(case, value)
            else:
                setattr(case, column.attribute, value)
        resource = self.resource
        resource.row = row
        try:
            resource.validate_instance(case, errors, validate_unique=False)
        except ValidationError as error:
            _add_errors(add, resource, number, error)
            return None
        case.updated_at = self.now
        return case
