"""The audit trail: a change to a user's role, a filed figure, a status or a score is in the
history with who made it and when."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from projects import scoring, services
from projects.choices import ControlStatus, DirectiveStatus
from projects.models import Directive, MonthlyReport
from tainan_rdec.choices import Role
from tainan_rdec.models import User
from tests.conftest import DEMO_PASSWORD
from tests.projects.factories import make_project
from tests.projects.test_scoring import TODAY, worked_example

pytestmark = pytest.mark.django_db


def _latest(history):
    return history.order_by("-history_date", "-history_id").first()


def _change_user_in_admin(client, user, **changes):
    """POST the admin's change form for ``user`` with its current values and ``changes``."""
    # The form shows whole seconds; keep the stored value the same so it is not a change.
    user.date_joined = user.date_joined.replace(microsecond=0)
    user.save()
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
        "agency": user.agency_id or "",
        "role": user.role,
        "title": user.title,
        "phone": user.phone,
    }
    data.update(changes)
    data = {name: value for name, value in data.items() if value != ""}
    return client.post(f"/admin/tainan_rdec/user/{user.pk}/change/", data)


def test_admin_changing_a_users_role_and_agency_is_in_its_history(client_as, cast, agency_b):
    staff = cast["staff_a"]
    before = timezone.now()

    response = _change_user_in_admin(
        client_as("admin"), staff, role=Role.BUREAU_MANAGER, agency=agency_b.pk
    )

    assert response.status_code == 302
    record = _latest(staff.history)
    assert record.history_type == "~"
    assert record.history_user == cast["admin"]
    assert record.history_date >= before
    delta = record.diff_against(record.prev_record)
    assert {change.field: (change.old, change.new) for change in delta.changes} == {
        "role": (Role.BUREAU_STAFF, Role.BUREAU_MANAGER),
        "agency": (staff.agency_id, agency_b.pk),
    }


def test_deactivating_a_user_is_in_its_history(client_as, cast):
    staff = cast["staff_a"]

    _change_user_in_admin(client_as("admin"), staff, is_active="")

    record = _latest(staff.history)
    assert record.is_active is False
    assert record.prev_record.is_active is True
    assert record.history_user == cast["admin"]


def test_signing_in_adds_no_user_history(client, cast):
    reviewer = cast["reviewer"]
    rows = reviewer.history.count()

    response = client.post("/accounts/login/", {"username": "reviewer", "password": DEMO_PASSWORD})

    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.last_login is not None
    assert reviewer.history.count() == rows


def test_user_history_never_copies_the_password_hash(cast):
    fields = {field.name for field in User.history.model._meta.get_fields()}

    assert "role" in fields
    assert "password" not in fields


def test_filer_changing_a_filed_figure_is_in_the_reports_history(client_as, cast, agency_a):
    project = make_project(agency_a, by=cast["reviewer"])
    march = date(2024, 3, 1)
    report = services.start_report(project, march, by=cast["staff_a"], today=date(2024, 4, 2))

    response = client_as("staff_a").post(
        f"/projects/{project.pk}/reports/2024/3/",
        {
            "actual_percent": "26.5",
            "allocated_to_date": "30,000,000",
            "paid": "12,000,000",
            "payable_unpaid": "0",
            "savings": "0",
            "progress_text": "橋梁下部結構施工中。",
            "action": "save",
        },
    )

    assert response.status_code == 302
    record = _latest(MonthlyReport.history.filter(id=report.pk))
    assert record.history_user == cast["staff_a"]
    assert record.actual_percent == Decimal("26.50")
    assert record.paid == 12_000_000


def test_reviewer_suspending_a_project_is_in_the_projects_history(client_as, cast, agency_a):
    project = make_project(agency_a, by=cast["reviewer"])

    response = client_as("reviewer").post(
        f"/projects/{project.pk}/status/suspend/", {"reason": "用地取得延宕，報府核定暫緩"}
    )

    assert response.status_code == 302
    record = _latest(project.history)
    assert record.control_status == ControlStatus.SUSPENDED
    assert record.prev_record.control_status == ControlStatus.LISTED
    assert record.history_user == cast["reviewer"]


def test_a_changed_project_budget_is_in_the_history_with_who_changed_it(cast, agency_a):
    project = make_project(agency_a, by=cast["reviewer"], budget=120_000_000)

    project.total_budget = 150_000_000
    project._history_user = cast["admin"]
    project.save()

    record = _latest(project.history)
    delta = record.diff_against(record.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("total_budget", 120_000_000, 150_000_000)
    ]
    assert record.history_user == cast["admin"]


def test_reviewer_closing_a_directive_is_in_its_history(client_as, cast, agency_a):
    project = make_project(agency_a, by=cast["reviewer"])
    directive = Directive.objects.create(
        project=project,
        text="請工務局提出趕工計畫",
        responsible_agency=agency_a,
        due_date=timezone.localdate() + timedelta(days=10),
    )

    response = client_as("reviewer").post(
        f"/projects/directives/{directive.pk}/", {"action": "close", "note": "已改善"}
    )

    assert response.status_code == 302
    record = _latest(directive.history)
    assert record.status == DirectiveStatus.CLOSED
    assert record.prev_record.status == DirectiveStatus.OPEN
    assert record.history_user == cast["reviewer"]


def test_reviewer_adjusting_a_score_is_in_its_history(client_as, cast, agency_a):
    score = scoring.compute_score(worked_example(agency_a), 2024, today=TODAY)

    response = client_as("reviewer").post(
        f"/projects/evaluation/2024/{score.project_id}/",
        {"adjustment": "+5", "reason": "工地安全表現優良"},
    )

    assert response.status_code == 302
    record = _latest(score.history)
    assert record.adjustment == Decimal("5.00")
    assert record.adjustment_reason == "工地安全表現優良"
    assert record.final_score == Decimal("89.43")
    assert record.history_user == cast["reviewer"]


def test_changed_score_weights_are_in_the_settings_history(cast):
    from projects.models import ControlSettings

    rules = ControlSettings.get()
    rules.weight_progress, rules.weight_budget = 50, 20
    rules._history_user = cast["admin"]
    rules.save()

    record = _latest(rules.history)
    assert (record.weight_progress, record.weight_budget) == (50, 20)
    assert record.history_user == cast["admin"]
