"""Compute the annual evaluation scores of a year (年度考評分數).

    python manage.py compute_scores 2025      # or the ROC year: 114

The same computation as the 重新計算 button on the evaluation page; reviewers' adjustments are
kept. Prints how many projects were scored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from projects.scoring import compute_year
from tainan_rdec.roc import ROC_OFFSET


class Command(BaseCommand):
    help = "Compute the annual evaluation scores of a year (Gregorian 2025 or ROC 114)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="Gregorian (2025) or ROC (114) year")

    def handle(self, *args, year, **options):
        if 0 < year <= ROC_OFFSET:
            year += ROC_OFFSET
        if year <= ROC_OFFSET or year > 9999:
            raise CommandError(_("年度不正確：{year}").format(year=year))
        count = compute_year(year)
        self.stdout.write(
            _("已計算{roc}年度（{year}）考評分數：{count}件。").format(
                roc=year - ROC_OFFSET, year=year, count=count
            )
        )
