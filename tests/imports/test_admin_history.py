"""The admin's 歷史紀錄 pages (django-simple-history) of users, the projects models and the
service-quality and awards records: they open for the admin, show who changed what and why,
keep the register pages of the same admins, and never revert a row past the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.choices import ControlStatus, Grade
from projects.models import AnnualScore, BudgetAllocation, ControlSettings
from tainan_rdec.choices import Role
from tests.imports import builders

pytestmark = pytest.mark.django_db


def history_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def changed(obj, by, reason, **values):
    """Save ``values`` on ``obj`` as ``by`` with ``reason``, as the services do."""
    for name, value in values.items():
        setattr(obj, name, value)
    obj._history_user = by
    obj._change_reason = reason
    obj.save()
    return obj


def test_a_users_history_opens_and_shows_who_changed_the_role(client_as, cast):
    staff = cast["staff_a"]
    changed(staff, cast["admin"], "升任主管", role=Role.BUREAU_MANAGER)

    response = client_as("admin").get(history_url(staff))

    assert response.status_code == 200
    page = response.content.decode()
    assert "升任主管" in page
    assert "歷史紀錄：staff_a" in page
    history = page.split('id="change-history"')[1]
    assert '<th scope="col">修改原因</th>' in history
    # The change in the users' words: the role's label, who changed it and why.
    assert "局處填報人員" in history and "局處主管" in history
    assert "bureau_manager" not in history
    assert ">admin</a>" in history
    # Our copy of the list: no inline style for the Content-Security-Policy to block.
    assert 'class="paginator">' in history and "style=" not in history


def test_a_projects_history_opens_with_its_status_change(client_as, cast, agency_a, agency_b):
    project = builders.make_projects(agency_a, agency_b)[0]
    changed(project, cast["reviewer"], "暫緩列管：用地取得", control_status=ControlStatus.SUSPENDED)

    response = client_as("admin").get(history_url(project))

    assert response.status_code == 200
    page = response.content.decode()
    assert "暫緩列管：用地取得" in page
    assert "P113-0001" in page


def _history_rows(cast, agency_a, agency_b) -> list:
    """One row of every projects model with history, changed once."""
    project, _other = builders.make_projects(agency_a, agency_b)
    builders.make_milestones(project)
    builders.make_directives(project, agency_b)
    reports = builders.make_reports(project)
    allocation = BudgetAllocation.objects.create(project=project, year=2024, amount=60_000_000)
    score = AnnualScore.objects.create(
        project=project,
        year=2024,
        progress_score=Decimal(90),
        budget_score=Decimal(80),
        filing_score=Decimal(100),
        milestone_score=Decimal(100),
        weighted_score=Decimal("89.00"),
        final_score=Decimal("89.00"),
        grade=Grade.GOOD,
    )
    settings_row = ControlSettings.get()
    rows = [
        project,
        project.milestones.first(),
        allocation,
        project.directives.first(),
        score,
        settings_row,
        reports[0],
    ]
    for row in rows:
        row._history_user = cast["admin"]
        row.save()
    return rows


def test_every_projects_model_with_history_shows_it(client_as, cast, agency_a, agency_b):
    client = client_as("admin")
    rows = _history_rows(cast, agency_a, agency_b)
    assert {type(r).__name__ for r in rows} == {
        "Project",
        "Milestone",
        "BudgetAllocation",
        "Directive",
        "AnnualScore",
        "ControlSettings",
        "MonthlyReport",
    }
    for row in rows:
        response = client.get(history_url(row))
        assert response.status_code == 200, type(row).__name__
        newest = response.context["page_obj"].object_list[0]
        assert newest.history_user == cast["admin"], type(row).__name__


def test_the_registers_with_history_keep_both_pages(client_as, cast, agency_a, agency_b):
    """RegisterAdminMixin and the history admin together: import, template and history."""
    project, _other = builders.make_projects(agency_a, agency_b)
    tests = builders.make_phone_tests(agency_a, agency_b, cast["reviewer"])
    awards = builders.make_awards(agency_a, agency_b, project, cast["reviewer"])
    client = client_as("admin")
    for row in (project, tests[0], awards[0], cast["staff_a"]):
        opts = row._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        assert client.get(history_url(row)).status_code == 200, prefix
        assert client.get(reverse(f"{prefix}_import")).status_code == 200, prefix
        template = client.get(reverse(f"{prefix}_import_template"))
        assert template.status_code == 200, prefix
        # Read to the end: the test client then closes the file (and sends no signal that
        # would close the test's database connection).
        assert b"".join(template.streaming_content).startswith(b"PK")  # an xlsx


def test_an_old_version_is_shown_but_never_saved_back(client_as, cast, agency_a, agency_b):
    project = builders.make_projects(agency_a, agency_b)[0]
    first = project.history.earliest()
    changed(project, cast["reviewer"], "解除列管", control_status=ControlStatus.DELISTED)
    url = reverse("admin:projects_project_simple_history", args=[project.pk, first.history_id])
    client = client_as("admin")

    shown = client.get(url)
    refused = client.post(url, {"name": project.name, "_change_history": "1"})

    assert shown.status_code == 200
    assert 'name="_change_history"' not in shown.content.decode()  # no revert button
    assert refused.status_code == 405
    project.refresh_from_db()
    assert project.control_status == ControlStatus.DELISTED


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "reviewer"])
def test_history_pages_are_for_admins_only(client_as, cast, who):
    response = client_as(who).get(history_url(cast["staff_b"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_budget_allocations_are_listed_in_the_admin(client_as, cast, agency_a, agency_b):
    project = builders.make_projects(agency_a, agency_b)[0]
    BudgetAllocation.objects.create(project=project, year=2024, amount=60_000_000)
    page = client_as("admin").get(reverse("admin:projects_budgetallocation_changelist"))
    assert page.status_code == 200
    assert "P113-0001" in page.content.decode()
