"""What a row costs: the ordinary path checks and writes row by row, so its speed is the number
of statements a row sends (tests/imports/RATES.md). A file of projects spent them on an HTML
diff nobody sees, a tender query a row and re-reading the many-to-many lists of a project just
created; a row of a new project now costs a fixed 15 statements, however long the file."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from tainan_rdec.importing.runner import run_import
from tests.imports.test_bad_input import PROJECT_HEADERS, project_row

pytestmark = pytest.mark.django_db

HEADERS = [*PROJECT_HEADERS, "協辦機關代碼", "行政區", "標案案號"]


def statements(write_csv, admin, first, count) -> int:
    rows = [
        [*project_row(f"P113-{n:04d}"), "B07", "安平區、中西區", f"T{n:07d}"]
        for n in range(first, first + count)
    ]
    path = write_csv(HEADERS, rows, name=f"projects-{first}.csv")
    with CaptureQueriesContext(connection) as queries:
        outcome = run_import("projects", path, user=admin)
    assert outcome.ok, outcome.problems
    return len(queries.captured_queries)


def test_a_new_projects_row_costs_a_fixed_number_of_statements(write_csv, cast, agency_a):
    admin = cast["admin"]
    five = statements(write_csv, admin, 1, 5)
    fifteen = statements(write_csv, admin, 100, 15)

    per_row = (fifteen - five) / 10
    # Its savepoint, looking it up, its unique number, two check constraints (each in a
    # savepoint of its own: 6), then six INSERTs: the project, its history, its first status,
    # its tender, its co-agency and its districts. (22 before: an export of the row before and
    # after for the diff, a tender query, and set() reading each list before writing it.)
    assert per_row == 15
    assert Project.objects.get(control_number="P113-0101").districts.count() == 2
