"""Export a register to xlsx or csv, or write its import template.

    python manage.py export_records projects --format xlsx --output 列管案件.xlsx
    python manage.py export_records cases --format csv --output - > cases.csv
    python manage.py export_records reports --template --output 每月填報範本.xlsx

The file imports back unchanged with ``import_records``. Case exports never carry personal data.
"""

from __future__ import annotations

import shutil
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tainan_rdec.importing.workbooks import FORMATS, export_file, template_file
from tainan_rdec.management.commands.import_records import _register


class Command(BaseCommand):
    help = "Export a register to xlsx/csv, or write its import template."

    def add_arguments(self, parser):
        parser.add_argument("register")
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--template", action="store_true", help="the empty import template")
        parser.add_argument("--output", "-o", help="file to write; '-' for standard output")

    def handle(self, *args, register, format, template, output, **options):
        entry = _register(register)
        resource = entry.resource()
        made = template_file(resource) if template else export_file(resource, fmt=format)
        target = output or made.filename
        with made.handle:
            if target == "-":
                shutil.copyfileobj(made.handle, sys.stdout.buffer)
                return
            try:
                with open(target, "wb") as out:
                    shutil.copyfileobj(made.handle, out)
            except OSError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(_("已寫入 {file}").format(file=target))
