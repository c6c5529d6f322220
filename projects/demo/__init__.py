"""Demo data for project control (列管案件): about 80 projects of the city's bureaus and district
offices, with S-curves, milestones, yearly allocations, tender numbers and two years of monthly
reports up to last month.

``seed(stdout)`` is registered as a demo seeder and run by ``manage.py seed_demo`` after the demo
users exist. It is:

- idempotent: a project whose control number (``113-B06-0001``) or name is already there is left
  alone, users are created only when missing; a re-run changes nothing;
- deterministic: every figure comes from ``random.Random(20240326)`` (one derived generator per
  catalogue row, so a skipped project does not shift the others);
- anchored on today (``timezone.localdate()``): schedules are placed relative to last month so
  the portfolio always shows work in progress, and reports stop at last month.

The mix: most projects on schedule, some behind (1–9 points) and seriously behind (≥ 10), a few
stopped (停工中) or terminated (已解約), re-planned projects (a second S-curve version with its
reason), completed and delisted projects, suspended ones and new ones not yet listed; late
filings and missing months; last month's reports in every state of the review cycle.

Follow-up (``seed_followup``, run after the projects): last month's monthly review meeting with
its minutes, this month's with the agenda ``propose_agenda`` builds, a quarterly promotion
meeting, three site visits and fifteen directives across nine agencies (answered, overdue,
closed), all written through ``projects.followup`` and skipped as a whole once they exist.

Reports are written with ``bulk_create_with_history`` (one history row each, dated at the last
step); transitions and status changes with ``bulk_create`` and their timestamps set afterwards,
since ``auto_now_add`` would stamp them with the seeding time.

The five-year benchmark data set (tests/perf/fiveyear) plans its projects with the same rules:
the month helpers, ``project_duration``, ``make_curve``, ``short_of_done``, the milestone and
lag-reason families and ``judge_milestone``.

The package: ``catalogue`` (the projects and their wording), ``plans`` (each project's story,
decided before anything is written), ``writer`` (the projects and their reports) and
``followup`` (meetings, visits and directives).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from projects.demo.followup import seed_followup
from projects.demo.plans import roc_month
from projects.demo.writer import Seeder
from projects.models import Project
from projects.scoring import compute_year

__all__ = ["seed", "seed_followup"]


def seed(stdout) -> None:
    """Add the demo projects that are not there yet (see the package docstring)."""
    today = timezone.localdate()
    with transaction.atomic():
        seeder = Seeder(stdout, today)
        seeder.run()
    total = Project.objects.count()
    stdout.write(
        f"  列管案件：新增 {seeder.created} 件（共 {total} 件），"
        f"每月填報 {len(seeder.reports)} 筆，填報至{roc_month(seeder.anchor)}"
    )
    seed_followup(stdout, today)
    for year in (today.year - 1, today.year):
        count = compute_year(year, today=today)
        stdout.write(f"  {year - 1911}年度考評分數：{count} 件")
