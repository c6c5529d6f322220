"""Import a register from an xlsx or csv file, all or nothing, as the admin's import page does.

    python manage.py import_records projects 列管案件.xlsx --dry-run
    python manage.py import_records cases cases-2024.csv --user admin

Without ``--user`` the import runs as the system (no scope narrows it). Every problem is printed
as "第12列「實際進度」：…" and the command exits with status 1, having written nothing.

A CSV of cases takes the register's fast path (``petitions.bulk``: streamed, the register's own
checks and messages, ``COPY`` into PostgreSQL), so five years of cases load in minutes.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tainan_rdec.importing import UnknownRegister, all_registers, get_register
from tainan_rdec.importing.runner import run_import


def _register(name):
    try:
        return get_register(name)
    except UnknownRegister:
        known = "、".join(f"{r.name}（{r.label}）" for r in all_registers())
        raise CommandError(
            _("沒有名為「{name}」的名冊。可匯入的名冊：{known}").format(name=name, known=known)
        ) from None


class Command(BaseCommand):
    help = "Import a register (agencies, projects, cases, ...) from an xlsx or csv file."

    def add_arguments(self, parser):
        parser.add_argument("register", help="register name, e.g. projects, reports, cases")
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument("--user", help="import as this user (an admin) instead of the system")

    def _progress(self, done, total, failed):
        if done % 50_000 == 0 and done:
            self.stdout.write(_("已處理 {done:,}／{total:,} 列").format(done=done, total=total))

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
