"""One import, start to end: the path the admin page, ``manage.py import_records`` and the
background task all take.

``run_import(register, file, user=..., dry_run=...)`` reads the file safely, checks its headers,
refuses the template's example row and rows repeated inside the file, and imports every row
through the register's django-import-export resource inside one transaction. Any problem, in
any row, rolls everything back: a file imports whole or not at all. A dry run always rolls back
and reports what the import would do. A file with more rows than the register's limit
(``row_limit``) is refused before any row is checked.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from import_export.results import RowResult

from tainan_rdec.importing.base import ROW_NUMBER_COLUMN
from tainan_rdec.importing.files import Table, count_csv_rows, read_table, too_many_rows
from tainan_rdec.importing.problems import ImportFileError, ImportProblem
from tainan_rdec.importing.registry import Register, get_register
from tainan_rdec.importing.widgets import cell_text, fold
from tainan_rdec.scoping import is_admin

log = logging.getLogger(__name__)


@dataclass
class ImportOutcome:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    register: str
    label: str
    file_name: str
    dry_run: bool
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def committed(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        if not self.ok:
            return _("「{label}」匯入未執行：發現 {n} 個問題，沒有寫入任何資料。").format(
                label=self.label, n=len(self.problems)
            )
        text = _("共 {total} 列：新增 {new} 筆、更新 {updated} 筆、未變更 {unchanged} 筆。").format(
            total=self.total, new=self.new, updated=self.updated, unchanged=self.unchanged
        )
        if self.dry_run:
            return _("試算結果（尚未寫入）：{text}").format(text=text)
        return _("「{label}」匯入完成：{text}").format(label=self.label, text=text)

    def as_dict(self) -> dict:
        return {
            "register": self.register,
            "label": self.label,
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "total": self.total,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": [p.as_dict() for p in self.problems],
        }


def header_map(resource) -> dict[str, str]:
    """Folded header (names and aliases) → the column's canonical name."""
    known = {}
    for column in resource.columns():
        for name in (column.column_name, *column.aliases):
            known[fold(name)] = column.column_name
    return known


def check_headers(table: Table, resource) -> tuple[list[str | None], list[ImportProblem]]:
    """The canonical column of each file column (None for a blank header), and the problems:
    unknown, repeated or missing headers."""
    known = header_map(resource)
    problems, mapped, seen = [], [], {}
    where = _("工作表「{sheet}」").format(sheet=table.sheet) if table.sheet else _("檔案")
    for index, header in enumerate(table.headers):
        if not header:
            mapped.append(None)
            continue
        name = known.get(fold(header))
        if name is None:
            problems.append(
                ImportProblem(
                    _(
                        "{where}有無法辨識的欄位「{header}」（第{col}欄）。可用的欄位：{names}。"
                    ).format(
                        where=where,
                        header=header,
                        col=index + 1,
                        names="、".join(c.column_name for c in resource.columns()),
                    ),
                    row=table.header_row,
                )
            )
        elif name in seen:
            problems.append(
                ImportProblem(
                    _("欄位「{name}」出現兩次（第{a}欄與第{b}欄）。").format(
                        name=name, a=seen[name] + 1, b=index + 1
                    ),
                    row=table.header_row,
                )
            )
        else:
            seen[name] = index
        mapped.append(name)
    missing = [
        c.column_name for c in resource.import_columns() if c.required and c.column_name not in seen
    ]
    missing += [
        c.column_name
        for c in resource.key_columns()
        if c.column_name not in seen and c.column_name not in missing
    ]
    if missing:
        problems.append(
            ImportProblem(
                _("{where}缺少必要欄位：{names}。請使用下載的範本，欄位名稱須與範本相同。").format(
                    where=where, names="、".join(f"「{n}」" for n in missing)
                ),
                row=table.header_row,
            )
        )
    return mapped, problems


def build_dataset(table: Table, mapped: list[str | None]) -> tablib.Dataset:
    keep = [i for i, name in enumerate(mapped) if name]
    dataset = tablib.Dataset(headers=[mapped[i] for i in keep] + [ROW_NUMBER_COLUMN])
    for number, values in table.rows:
        dataset.append([values[i] for i in keep] + [number])
    return dataset


def example_problems(dataset: tablib.Dataset, resource) -> list[ImportProblem]:
    """The template's example row left in the file would be imported as real data."""
    example = {
        c.column_name: fold(cell_text(c.example))
        for c in resource.import_columns()
        if c.example is not None and c.column_name in dataset.headers
    }
    if not example:
        return []
    # Only where the template put it: the first row under the header.
    first = dataset.dict[0]
    if all(fold(cell_text(first[name])) == value for name, value in example.items()):
        return [
            ImportProblem(
                _("這一列是範本的範例資料，請改為實際資料或刪除後再匯入。"),
                row=first[ROW_NUMBER_COLUMN],
            )
        ]
    return []


def result_problems(result, resource) -> list[ImportProblem]:
    """The problems django-import-export's ``Result`` holds, in the users' words."""
    problems = []
    for error in result.base_errors:
        log.warning("import %s failed: %r", resource.register_name, error.error)
        problems.append(
            ImportProblem(_("匯入時發生錯誤，沒有寫入任何資料：{error}").format(error=error.error))
        )
    for error_row in result.error_rows:
        row_number = resource.sheet_row(error_row.number)
        for error in error_row.errors:
            if isinstance(error.error, IntegrityError):
                message = _("資料庫拒絕這一列：與既有資料衝突或缺少必要的值。")
            else:
                log.warning(
                    "import %s row %s failed: %r", resource.register_name, row_number, error.error
                )
                message = _("這一列無法匯入：{error}").format(error=error.error)
            problems.append(ImportProblem(message, row=row_number))
    for invalid in result.invalid_rows:
        row_number = resource.sheet_row(invalid.number)
        for attribute, messages in invalid.error_dict.items():
            column = None if attribute == NON_FIELD_ERRORS else resource.column_name_for(attribute)
            for message in messages:
                problems.append(ImportProblem(str(message), row=row_number, column=column))
    return problems


def _is_csv(source, file_name: str) -> bool:
    """A CSV by its content: not an Excel workbook (zip) nor an old .xls (OLE)."""
    if isinstance(source, bytes):
        head = source[:8]
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            head = handle.read(8)
    else:
        source.seek(0)
        head = source.read(8)
        source.seek(0)
    binary = head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
    return not binary and not file_name.lower().endswith((".xlsx", ".xlsm", ".xls"))


def _count_lines(source) -> int:
    if isinstance(source, bytes):
        return source.count(b"\n")
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    source.seek(0)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))
    source.seek(0)
    return lines


def row_limit(entry: Register, *, fast: bool) -> int:
    """The most rows of data one file may hold for ``entry``: its resource's own ``max_rows``
    when it sets one, else ``IMPORT_MAX_FAST_ROWS`` through a fast path and ``IMPORT_MAX_ROWS``
    through the ordinary one (which checks and writes row by row)."""
    own = getattr(entry.resource_class, "max_rows", None)
    if own is not None:
        return own
    return settings.IMPORT_MAX_FAST_ROWS if fast else settings.IMPORT_MAX_ROWS


def _run_fast(fast_path, source, outcome: ImportOutcome, user, progress, cancelled, limit):
    importer = import_string(fast_path)
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    total = max(_count_lines(source) - 1, 0)  # for the progress bar: rows below the header
    # Lines only ever outnumber rows (a cell may hold line breaks): only a file with more lines
    # than the limit is read as CSV to count its rows, and refused before any row is checked.
    if total > limit and count_csv_rows(source) > limit:
        outcome.problems = too_many_rows(limit).problems
        return outcome
    result = importer(
        source,
        user=user,
        dry_run=outcome.dry_run,
        progress=(lambda done: progress(done, total, 0)) if progress else None,
        cancelled=cancelled,
        max_rows=limit,
    )
    outcome.total, outcome.new, outcome.unchanged = result.total, result.new, result.unchanged
    outcome.problems = list(result.problems)
    if result.more_problems:
        outcome.problems.append(
            ImportProblem(_("另有 {n} 個問題未列出。").format(n=result.more_problems))
        )
    return outcome


def run_import(
    register: str | Register,
    source,
    *,
    user=None,
    dry_run: bool = False,
    file_name: str = "",
    progress=None,
    cancelled=None,
    fast: bool = True,
) -> ImportOutcome:
    """Import ``source`` (a path, bytes or an uploaded file) into ``register`` as ``user``
    (``None``: the system, e.g. an operator's command). All or nothing; see the module
    docstring. ``progress(done, total, failed)`` is called as rows are imported; when
    ``cancelled()`` turns true the import stops, rolls back and raises ``ImportCancelled``.

    A register whose resource names a ``fast_path`` (a dotted path to a function with the
    signature of ``petitions.bulk.import_cases_csv``) imports CSV files through it: the same
    cell readers, rules and messages, streamed and written in bulk. ``fast=False`` forces the
    ordinary path (the tests compare the two)."""
    entry = register if isinstance(register, Register) else get_register(register)
    if user is not None and not is_admin(user):
        raise PermissionDenied(_("只有系統管理者可以匯入資料。"))
    if not file_name:
        path = source if isinstance(source, str | os.PathLike) else getattr(source, "name", "")
        file_name = os.path.basename(str(path or ""))
    outcome = ImportOutcome(entry.name, str(entry.label), file_name, dry_run)
    fast_path = getattr(entry.resource_class, "fast_path", None)
    if fast and fast_path and _is_csv(source, file_name):
        limit = row_limit(entry, fast=True)
        return _run_fast(fast_path, source, outcome, user, progress, cancelled, limit)
    resource = entry.resource(user=user)
    try:
        table = read_table(
            source,
            sheet_title=resource.sheet_title(),
            known_headers=set(header_map(resource)),
            required=[c.column_name for c in resource.import_columns() if c.required],
            name=file_name,
            max_rows=row_limit(entry, fast=False),
        )
    except ImportFileError as error:
        outcome.problems = error.problems
        return outcome
    mapped, header_problems = check_headers(table, resource)
    if header_problems:
        outcome.problems = header_problems
        return outcome
    dataset = build_dataset(table, mapped)
    outcome.total = len(dataset)
    if not outcome.total:
        outcome.problems = [ImportProblem(_("標題列以下沒有任何資料。"))]
        return outcome
    problems = table.problems + example_problems(dataset, resource)

    if progress is not None:
        total = outcome.total
        resource.progress = lambda done, failed: progress(done, total, failed)
    resource.cancelled = cancelled
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, user=user, file_name=file_name
        )
        problems += result_problems(result, resource)
        problems += resource.import_problems()
        if problems or dry_run:
            transaction.set_rollback(True)
    order = {c.column_name: i for i, c in enumerate(resource.columns())}
    outcome.problems = sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))
    totals = result.totals
    outcome.new = totals[RowResult.IMPORT_TYPE_NEW]
    outcome.updated = totals[RowResult.IMPORT_TYPE_UPDATE]
    outcome.unchanged = totals[RowResult.IMPORT_TYPE_SKIP]
    return outcome


def record_in_admin_log(user, outcome: ImportOutcome) -> None:
    """One line in the admin's history for a committed import (who, which file, the counts)."""
    if user is None or not outcome.committed:
        return
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(
        user_id=user.pk,
        content_type_id=ContentType.objects.get_for_model(get_register(outcome.register).model).pk,
        object_id=None,
        object_repr=_("匯入 {name}").format(name=outcome.file_name)[:200],
        action_flag=CHANGE,
        change_message=outcome.summary(),
    )
