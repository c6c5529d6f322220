"""Import a register from an xlsx or csv file, all or nothing, as the admin's import page does.

    python manage.py import_records projects 列管案件.xlsx --dry-run
    python manage.py import_records cases cases-2024.csv --user admin

Without ``--user`` the import runs as the system (no scope narrows it). Progress is printed as
rows are checked ("已檢查 1,200／5,000 列"); every problem is printed as "第12列「實際進度」：…"
and the command exits with status 1, having written nothing. ``--help`` lists the registers.

A CSV of cases takes the register's fast path (``petitions.bulk``: streamed, the register's own
checks and messages, ``COPY`` into PostgreSQL), so five years of cases load in minutes. A file
past the register's row limit (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_FAST_ROWS``) is refused before
its rows are checked.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext as _

from tainan_rdec.importing import UnknownRegister, all_registers, get_register
from tainan_rdec.importing.runner import run_import

# A progress line at least this often (seconds) while rows are checked, and at each tenth.
PROGRESS_SECONDS = 10


def _register(name):
    try:
        return get_register(name)
    except UnknownRegister:
        raise CommandError(
            _("沒有名為「{name}」的名冊。可匯入的名冊：{known}").format(
                name=name, known=register_list()
            )
        ) from None


def register_list() -> str:
    """The registers as the error for an unknown one names them."""
    return "、".join(f"{r.name}（{r.label}）" for r in all_registers())


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's order of options; the list of registers (the epilog) kept line by line."""


def with_register_list(parser):
    """``parser`` (an import or export command's) with the registers listed under its help."""
    width = max(len(r.name) for r in all_registers())
    lines = [f"  {r.name.ljust(width)}  {r.label}" for r in all_registers()]
    parser.epilog = "\n".join([_("名冊（register）："), *lines])
    parser.formatter_class = _HelpFormatter
    return parser


class Command(BaseCommand):
    help = "Import a register (agencies, projects, cases, ...) from an xlsx or csv file."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return with_register_list(super().create_parser(prog_name, subcommand, **kwargs))

    def add_arguments(self, parser):
        parser.add_argument("register", help="register name, e.g. projects (listed below)")
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument("--user", help="import as this user (an admin) instead of the system")

    def _progress(self, done, total, failed):
        """A line at each tenth of the file and at least every PROGRESS_SECONDS seconds: the
        ordinary path checks 60 to 1,100 rows a second, so a big file is a few minutes."""
        now = time.monotonic()
        step = max(total // 10, 1)
        if done < total and done % step and now - self._last_line < PROGRESS_SECONDS:
            return
        self._last_line = now
        line = _("已檢查 {done:,}／{total:,} 列").format(done=done, total=max(total, done))
        if failed:
            line += _("，{failed:,} 列有問題").format(failed=failed)
        self.stdout.write(line)

    def handle(self, *args, register, file, dry_run, user, **options):
        entry = _register(register)
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到檔案「{file}」。").format(file=file))
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(_("找不到使用者「{user}」。").format(user=user))

        self._last_line = time.monotonic()
        outcome = run_import(
            entry,
            path,
            user=importer,
            dry_run=dry_run,
            progress=self._progress,
        )
        for problem in outcome.problems:
            self.stderr.write(str(problem))
        if not outcome.ok:
            raise CommandError(outcome.summary())
        self.stdout.write(outcome.summary())
