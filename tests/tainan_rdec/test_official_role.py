"""Senior officials (長官／首長): read every agency's figures, change nothing, never see a
petitioner; no agency; their home page is the briefing of this year. (What each page answers
them is in the permission matrix, tests/test_permissions.py.)"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from awards.models import Award
from petitions.models import Case
from projects.models import Project
from tainan_rdec.choices import Role
from tainan_rdec.importing.runner import run_import
from tainan_rdec.models import User
from tainan_rdec.workdays import TAIPEI
from tests.awards.factories import make_award
from tests.petitions.builders import PETITIONER_NAME, PETITIONER_PHONE, subcategory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

NO_AGENCY = "長官／首長閱覽全市資料，不屬於任何機關，請勿指定所屬機關。"


def _case(agency, number: int) -> Case:
    """A case registered through the petitions service (so the statistics count it), with its
    petitioner's name and phone."""
    from petitions.services import register_case

    return register_case(
        case_number=f"OF{number:08d}",
        received_at=datetime(2024, 3, 4, 9, 0, tzinfo=TAIPEI),
        subcategory=subcategory("0501"),
        handling_agency=agency,
        channel="hotline",
        description="路面坑洞",
        petitioner_name=PETITIONER_NAME,
        petitioner_phone=PETITIONER_PHONE,
    )


@pytest.fixture
def rows_of_both_agencies(agency_a, agency_b):
    return {
        "projects": [make_project(agency_a), make_project(agency_b)],
        "awards": [make_award(agency_a), make_award(agency_b)],
        "cases": [_case(agency_a, 1), _case(agency_b, 2)],
    }


def test_an_official_reads_every_agencys_rows_and_may_change_none(cast, rows_of_both_agencies):
    official = cast["official"]
    for model, key in ((Project, "projects"), (Award, "awards")):
        rows = {row.pk for row in rows_of_both_agencies[key]}
        assert set(model.objects.visible_to(official).values_list("pk", flat=True)) == rows
        assert not model.objects.editable_by(official).exists()


def test_an_official_never_sees_a_petition_case(cast, client_as, rows_of_both_agencies):
    case = rows_of_both_agencies["cases"][0]
    assert not Case.objects.visible_to(cast["official"]).exists()
    client = client_as("official")
    page = client.get(f"/petitions/cases/{case.case_number}/")
    assert page.status_code == 404
    assert client.get("/petitions/").status_code == 403
    assert client.get("/petitions/?format=xlsx").status_code == 403
    # The statistics are theirs, and name no petitioner.
    dashboard = client.get("/petitions/dashboard/?start=113.1&end=113.12")
    assert dashboard.status_code == 200
    assert dashboard.context["total"] == 2
    assert PETITIONER_NAME.encode() not in dashboard.content
    assert PETITIONER_PHONE.encode() not in dashboard.content


def test_an_official_sees_the_dashboard_of_every_agency_as_a_reviewer_does(
    client_as, rows_of_both_agencies
):
    official = client_as("official").get("/projects/dashboard/").context["board"]
    assert official.total.count == 2
    reviewer = client_as("reviewer").get("/projects/dashboard/").context["board"]
    assert [g.count for g in official.by_status] == [g.count for g in reviewer.by_status]


def test_an_official_belongs_to_no_agency(agency_a):
    official = User(username="deputy", role=Role.OFFICIAL, agency=agency_a)
    with pytest.raises(ValidationError) as error:
        official.full_clean()
    assert error.value.message_dict["agency"] == [NO_AGENCY]
    with pytest.raises(IntegrityError), transaction.atomic():
        official.save()


def test_the_user_import_refuses_an_official_with_an_agency_on_its_row(cast, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "使用者"
    sheet.append(["帳號", "姓", "名", "所屬機關代碼", "角色"])
    sheet.append(["deputy.lin", "林", "副", "B01", "長官／首長"])
    path = tmp_path / "users.xlsx"
    workbook.save(path)
    outcome = run_import("users", path, user=cast["admin"])
    assert [str(p) for p in outcome.problems] == [f"第2列「所屬機關代碼」：{NO_AGENCY}"]
    assert not User.objects.filter(username="deputy.lin").exists()

    sheet["D2"] = None
    workbook.save(path)
    assert run_import("users", path, user=cast["admin"]).ok
    assert User.objects.get(username="deputy.lin").role == Role.OFFICIAL


def test_an_officials_home_page_is_the_briefing_of_this_year(client_as):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI), tick=False):
        response = client_as("official").get("/")
    assert response.status_code == 200
    assert "tainan_rdec/briefing/page.html" in [t.name for t in response.templates]
    span = response.context["briefing"].span
    assert (span.first, span.last) == (115, 115)
    assert response.context["form"]["start_year"].value() == 115


def test_others_keep_their_home_cards(client_as):
    response = client_as("reviewer").get("/")
    assert "tainan_rdec/home.html" in [t.name for t in response.templates]


def test_an_officials_menu_leads_to_the_briefing_and_the_dashboards_not_the_cases(client_as):
    response = client_as("official").get("/briefing/")
    labels = [item["label"] for item in response.context["nav_items"]]
    assert "業務簡報" in labels
    assert "列管總覽" in labels
    assert "陳情及1999案件" not in labels
    assert "填報審核" not in labels
    # A bureau's menu has no briefing.
    staff = client_as("staff_a").get("/").context["nav_items"]
    assert "業務簡報" not in [item["label"] for item in staff]


@pytest.mark.parametrize(
    "path", ["/projects/", "/projects/evaluation/2024/", "/awards/", "/evaluations/phone-tests/"]
)
def test_an_official_narrows_a_city_wide_list_by_agency_as_a_reviewer_does(client_as, path):
    for who in ("official", "reviewer"):
        html = client_as(who).get(path).content.decode()
        assert 'name="agency"' in html, (who, path)
    assert 'name="agency"' not in client_as("staff_a").get(path).content.decode()


def test_an_official_with_an_agency_by_mistake_still_edits_no_project(cast, agency_a):
    """Defence in depth: the no-agency rule is a constraint, but the projects' own editing rule
    says officials change nothing whatever their row holds."""
    project = make_project(agency_a)
    official = cast["official"]
    official.agency_id = agency_a.pk  # in memory only: the database would refuse it
    assert not Project.objects.editable_by(official).filter(pk=project.pk).exists()
