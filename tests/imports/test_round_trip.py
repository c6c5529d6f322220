"""Every register round-trips: export → import gives identical data, in xlsx and in csv, and
importing an unchanged export again changes nothing."""

from __future__ import annotations

import pytest

from petitions.models import Case, Category, DailyRollup, MonthlyRollup, YearlyRollup
from petitions.rollups import computed_table, rollup_table
from projects.choices import ControlStatus
from projects.models import Directive, Milestone, MonthlyReport, PlanBaseline, Project
from tainan_rdec.importing import get_register
from tainan_rdec.importing.runner import run_import
from tainan_rdec.importing.workbooks import export_file
from tainan_rdec.models import Agency, CalendarException, User
from tests.imports import builders
from tests.imports.conftest import messages

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv"]


def export(register, fmt, queryset=None, user=None, tmp_path=None):
    made = export_file(get_register(register).resource(user=user), queryset, fmt=fmt)
    path = tmp_path / made.filename
    with made.handle:
        path.write_bytes(made.handle.read())
    return path


def imported(register, path, user, **kwargs):
    outcome = run_import(register, path, user=user, **kwargs)
    assert outcome.ok, messages(outcome)
    return outcome


def assert_unchanged_reimport(register, path, user):
    outcome = imported(register, path, user)
    assert (outcome.new, outcome.updated) == (0, 0)
    assert outcome.unchanged == outcome.total > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_agencies_round_trip(fmt, cast, tmp_path):
    admin = cast["admin"]
    codes = [a.code for a in builders.make_agencies()]
    before = builders.agency_rows(codes)
    path = export("agencies", fmt, Agency.objects.filter(code__in=codes), admin, tmp_path)
    assert_unchanged_reimport("agencies", path, admin)

    Agency.objects.filter(code__in=codes, parent__isnull=False).delete()
    Agency.objects.filter(code__in=codes).delete()
    outcome = imported("agencies", path, admin)

    assert outcome.new == 3
    assert builders.agency_rows(codes) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_users_round_trip_without_passwords(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    names = [u.username for u in builders.make_users(agency_a, agency_b)]
    before = builders.user_rows(names)
    path = export("users", fmt, User.objects.filter(username__in=names), admin, tmp_path)
    assert "not-exported" not in path.read_bytes().decode("latin-1")
    assert_unchanged_reimport("users", path, admin)

    User.objects.filter(username__in=names).delete()
    imported("users", path, admin)

    assert builders.user_rows(names) == before
    assert not any(u.has_usable_password() for u in User.objects.filter(username__in=names))


@pytest.mark.parametrize("fmt", FORMATS)
def test_calendar_round_trip(fmt, cast, tmp_path):
    admin = cast["admin"]
    builders.make_calendar()
    before = builders.calendar_rows()
    path = export("calendar", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("calendar", path, admin)

    CalendarException.objects.all().delete()
    imported("calendar", path, admin)

    assert builders.calendar_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_projects_round_trip(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    numbers = [p.control_number for p in builders.make_projects(agency_a, agency_b)]
    # Closed projects (解除列管) arrive whole in an empty database; a listed one may not arrive
    # new without its checkpoints and curve (tests/projects/test_listing_paths.py).
    Project.objects.update(control_status=ControlStatus.DELISTED)
    before = builders.project_rows(numbers)
    path = export("projects", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("projects", path, admin)

    Project.objects.all().delete()
    imported("projects", path, admin)

    assert builders.project_rows(numbers) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_milestones_round_trip(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    project, _other = builders.make_projects(agency_a, agency_b)
    builders.make_milestones(project)
    before = builders.milestone_rows()
    path = export("milestones", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("milestones", path, admin)

    Milestone.objects.all().delete()
    imported("milestones", path, admin)

    assert builders.milestone_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_scurves_round_trip(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    for project in builders.make_projects(agency_a, agency_b):
        builders.make_curve(project)
    before = builders.curve_rows()
    path = export("scurves", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("scurves", path, admin)
    assert PlanBaseline.objects.count() == 2  # the same curve again is not a new version

    PlanBaseline.objects.all().delete()
    imported("scurves", path, admin)

    assert builders.curve_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_round_trip(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    project, _other = builders.make_projects(agency_a, agency_b)
    builders.make_reports(project)
    before = builders.report_rows()
    path = export("reports", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("reports", path, admin)

    MonthlyReport.objects.all().delete()
    imported("reports", path, admin)

    assert builders.report_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_directives_round_trip(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    project, _other = builders.make_projects(agency_a, agency_b)
    builders.make_directives(project, agency_b)
    before = builders.directive_rows()
    path = export("directives", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("directives", path, admin)

    Directive.objects.all().delete()
    imported("directives", path, admin)

    assert builders.directive_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_categories_and_subcategories_round_trip(fmt, cast, tmp_path):
    admin = cast["admin"]
    category = builders.make_categories()
    before = builders.category_rows()
    categories = export("categories", fmt, Category.objects.filter(pk=category.pk), admin, tmp_path)
    subcategories = export("subcategories", fmt, category.subcategories.all(), admin, tmp_path)
    assert_unchanged_reimport("categories", categories, admin)
    assert_unchanged_reimport("subcategories", subcategories, admin)

    category.subcategories.all().delete()
    category.delete()
    imported("categories", categories, admin)
    imported("subcategories", subcategories, admin)

    assert builders.category_rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_cases_round_trip_and_rollups_right_after(fmt, cast, agency_a, agency_b, tmp_path):
    admin = cast["admin"]
    builders.make_cases(agency_a, agency_b)
    before = builders.case_rows()
    path = export("cases", fmt, None, admin, tmp_path)
    assert_unchanged_reimport("cases", path, admin)

    # Back to no cases and no figures: the import adds its cases to the rollups.
    Case.objects.all().delete()
    DailyRollup.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    YearlyRollup.objects.all().delete()
    imported("cases", path, admin)

    assert builders.case_rows() == before
    assert rollup_table() == computed_table() != {}
