"""Export a register to xlsx or csv, or write its import template.

    python manage.py export_records projects --format xlsx --output 列管案件.xlsx
    python manage.py export_records cases --format csv --output - > cases.csv
    python manage.py export_records reports --template --output 每月填報範本.xlsx
    python manage.py export_records reports --template --format csv --output exports/

Without ``--output`` the file goes into the current folder under the register's name and the
date; ``--output`` names the file, a folder to write it into, or ``-`` for standard output. The
command prints the full path it wrote. The xlsx template carries the explanation sheet and the
choice lists; the csv template only the header and the example row. The file imports back
unchanged with ``import_records``. Case exports never carry personal data.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tainan_rdec.importing.workbooks import FORMATS, export_file, template_file
from tainan_rdec.management.commands.import_records import _register, with_register_list


class Command(BaseCommand):
    help = "Export a register to xlsx/csv, or write its import template."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return with_register_list(super().create_parser(prog_name, subcommand, **kwargs))

    def add_arguments(self, parser):
        parser.add_argument("register", help="register name, e.g. projects (listed below)")
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--template", action="store_true", help="the empty import template")
        parser.add_argument(
            "--output",
            "-o",
            help="file to write, or a folder to write it into; '-' for standard output "
            "(default: the current folder)",
        )

    def handle(self, *args, register, format, template, output, **options):
        entry = _register(register)
        resource = entry.resource()
        made = (
            template_file(resource, fmt=format) if template else export_file(resource, fmt=format)
        )
        with made.handle:
            if output == "-":
                shutil.copyfileobj(made.handle, sys.stdout.buffer)
                return
            target = Path(output or ".")
            if target.is_dir():
                target = target / made.filename
            try:
                with target.open("wb") as out:
                    shutil.copyfileobj(made.handle, out)
            except OSError as error:
                raise CommandError(
                    _("無法寫入「{file}」：{error}").format(file=target, error=error.strerror)
                ) from error
        self.stdout.write(_("已寫入 {file}").format(file=target.resolve()))
