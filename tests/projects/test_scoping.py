"""Who sees and who changes a project and its reports: the host agency files, a co-agency and
the commission read, another bureau sees nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from projects import services
from projects.choices import ReportState
from projects.models import MonthlyReport, Project
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

MARCH = date(2024, 3, 1)
IN_APRIL = date(2024, 4, 2)


@pytest.fixture
def project(agency_a):
    return make_project(agency_a)


@pytest.fixture
def draft(project, cast):
    report = services.start_report(project, MARCH, by=cast["staff_a"], today=IN_APRIL)
    report.actual_percent = Decimal("25.00")
    report.progress_text = "主體結構施作中"
    services.save_report(report, by=cast["staff_a"])
    return report


def test_other_bureau_cannot_see_the_project_or_its_reports(project, draft, cast):
    assert not Project.objects.visible_to(cast["staff_b"]).filter(pk=project.pk).exists()
    assert not MonthlyReport.objects.visible_to(cast["manager_b"]).filter(pk=draft.pk).exists()


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_other_bureau_cannot_start_a_report(project, cast, who):
    with pytest.raises(PermissionDenied, match="您不能為此案件填報。"):
        services.start_report(project, MARCH, by=cast[who], today=IN_APRIL)
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_other_bureau_cannot_save_a_report(draft, cast, who):
    draft.actual_percent = Decimal("90.00")
    with pytest.raises(PermissionDenied, match="此份填報目前不能修改。"):
        services.save_report(draft, by=cast[who])
    draft.refresh_from_db()
    assert draft.actual_percent == Decimal("25.00")


def test_co_agency_sees_the_project_and_its_reports(project, draft, cast, agency_b):
    project.co_agencies.add(agency_b)
    staff_b = cast["staff_b"]
    assert list(Project.objects.visible_to(staff_b)) == [project]
    assert list(MonthlyReport.objects.visible_to(staff_b)) == [draft]


def test_co_agency_cannot_file_or_edit(project, draft, cast, agency_b):
    project.co_agencies.add(agency_b)
    assert not Project.objects.editable_by(cast["manager_b"]).exists()
    assert not MonthlyReport.objects.editable_by(cast["manager_b"]).exists()
    with pytest.raises(PermissionDenied, match="您不能為此案件填報。"):
        services.start_report(project, date(2024, 2, 1), by=cast["staff_b"], today=IN_APRIL)
    with pytest.raises(PermissionDenied, match="此份填報目前不能修改。"):
        services.save_report(draft, by=cast["staff_b"])
    with pytest.raises(PermissionDenied, match="此份填報目前不能送出。"):
        services.submit_report(draft, by=cast["manager_b"])
    draft.refresh_from_db()
    assert draft.state == ReportState.DRAFT


def test_reviewer_sees_every_agency_but_cannot_edit_figures(project, draft, cast, agency_b):
    other = make_project(agency_b)
    reviewer = cast["reviewer"]
    assert set(Project.objects.visible_to(reviewer)) == {project, other}
    assert list(MonthlyReport.objects.visible_to(reviewer)) == [draft]
    assert not MonthlyReport.objects.editable_by(reviewer).exists()

    draft.actual_percent = Decimal("50.00")
    with pytest.raises(PermissionDenied, match="此份填報目前不能修改。"):
        services.save_report(draft, by=reviewer)
    with pytest.raises(PermissionDenied, match="您不能為此案件填報。"):
        services.start_report(other, MARCH, by=reviewer, today=IN_APRIL)
    draft.refresh_from_db()
    assert draft.actual_percent == Decimal("25.00")


def test_admin_may_correct_a_bureau_report(draft, cast):
    draft.actual_percent = Decimal("26.00")
    services.save_report(draft, by=cast["admin"])
    draft.refresh_from_db()
    assert draft.actual_percent == Decimal("26.00")


def test_submitted_report_is_no_longer_editable_by_the_bureau(draft, cast):
    services.submit_report(draft, by=cast["manager_a"])
    draft.refresh_from_db()
    for who in ("staff_a", "manager_a"):
        assert not MonthlyReport.objects.editable_by(cast[who]).exists()
        draft.actual_percent = Decimal("30.00")
        with pytest.raises(PermissionDenied, match="此份填報目前不能修改。"):
            services.save_report(draft, by=cast[who])
    draft.refresh_from_db()
    assert draft.actual_percent == Decimal("25.00")


def test_returned_report_is_editable_again(draft, cast):
    services.submit_report(draft, by=cast["manager_a"])
    services.return_report(draft, by=cast["reviewer"], comment="請補充照片")
    assert list(MonthlyReport.objects.editable_by(cast["staff_a"])) == [draft]
    draft.refresh_from_db()
    draft.help_needed = "請協助協調管線遷移"
    services.save_report(draft, by=cast["staff_a"])
    assert MonthlyReport.objects.get(pk=draft.pk).help_needed == "請協助協調管線遷移"
