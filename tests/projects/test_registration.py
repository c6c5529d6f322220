"""新增案件: a bureau registers a project in the portal as a draft of its own agency and edits
it while drafting; every rule of the basic data has its message next to its field."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from projects import registration
from projects.choices import ApplicationState, ControlStatus, ForwardCategory, ProjectKind
from projects.models import Application, BudgetAllocation, Project, TenderNumber
from tainan_rdec.models import Agency, District
from tainan_rdec.roc import to_roc_year
from tests.permission_helpers import stored_state
from tests.projects.factories import draft_project, make_project

pytestmark = pytest.mark.django_db


def form_data(**changes):
    data = {
        "name": "安南區海佃路拓寬工程",
        "kind": ProjectKind.MAJOR,
        "forward_category": "",
        "summary": "拓寬為40米道路",
        "total_budget": "８０,０００,０００",  # full-width, as typed with a Chinese IME
        "funding_source": "mixed",
        "planned_start": "113.1.15",
        "planned_completion": "113/12/31",
        "phase": "planning",
        "tenders": "1130115A01、1130115A02",
        "allocations-TOTAL_FORMS": "2",
        "allocations-INITIAL_FORMS": "0",
        "allocations-MIN_NUM_FORMS": "0",
        "allocations-MAX_NUM_FORMS": "30",
        "allocations-0-year": "113",
        "allocations-0-amount": "50,000,000",
        "allocations-1-year": "",
        "allocations-1-amount": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors(response, field):
    form = response.context["form"]
    return form.errors.get(field, [])


# -- registering -------------------------------------------------------------------------------


def test_bureau_staff_registers_a_draft_of_their_own_agency(client_as, cast, agency_a, agency_b):
    client = client_as("staff_a")
    # A bureau cannot name another host agency, whatever it posts.
    response = client.post("/projects/new/", form_data(host_agency=agency_b.pk))

    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/checkpoints/"
    assert project.host_agency == agency_a
    assert project.control_status == ControlStatus.NEW
    assert project.created_by == cast["staff_a"]
    assert project.total_budget == 80_000_000
    assert (project.planned_start, project.planned_completion) == (
        date(2024, 1, 15),
        date(2024, 12, 31),
    )
    roc_year = to_roc_year(timezone.localdate().year)
    assert project.control_number == f"{roc_year}-B06-0001"
    assert sorted(project.tenders.values_list("number", flat=True)) == [
        "1130115A01",
        "1130115A02",
    ]
    assert list(project.allocations.values_list("year", "amount")) == [(2024, 50_000_000)]


def test_control_numbers_follow_the_agencys_sequence(cast, agency_a):
    first = draft_project(cast["staff_a"], checkpoint=False, curve=False)
    second = draft_project(cast["manager_a"], checkpoint=False, curve=False, name="第二案")
    assert int(second.control_number[-4:]) == int(first.control_number[-4:]) + 1


def test_an_admin_chooses_the_host_agency(client_as, agency_b):
    response = client_as("admin").post("/projects/new/", form_data(host_agency=agency_b.pk))
    assert response.status_code == 302
    assert Project.objects.get().host_agency == agency_b


def test_registering_saves_co_agencies_and_districts(client_as, agency_b):
    district = District.objects.get(name="安南區")
    client_as("staff_a").post(
        "/projects/new/", form_data(co_agencies=[agency_b.pk], districts=[district.pk])
    )
    project = Project.objects.get()
    assert list(project.co_agencies.all()) == [agency_b]
    assert list(project.districts.all()) == [district]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "請填寫案件名稱。"),
        ({"kind": ""}, "kind", "請選擇列管類別。"),
        ({"total_budget": ""}, "total_budget", "請輸入金額（元），沒有請填 0。"),
        (
            {"total_budget": "8千萬"},
            "total_budget",
            "請以阿拉伯數字輸入金額（元），可用千分位逗號，例如 1,234,567。",
        ),
        ({"planned_start": ""}, "planned_start", "請輸入預定開工日期。"),
        (
            {"planned_completion": "112.12.31"},
            "planned_completion",
            "預定完工日期（112.12.31）不可早於預定開工日期（113.1.15）。",
        ),
        (
            {"kind": ProjectKind.FORWARD},
            "forward_category",
            "列管類別為前瞻基礎建設時，須填前瞻計畫類別。",
        ),
    ],
    ids=["name", "kind", "budget", "budget-words", "start", "completion", "forward-category"],
)
def test_each_basic_data_rule_has_its_message_by_its_field(client_as, changes, field, message):
    client = client_as("staff_a")
    before = stored_state()
    response = client.post("/projects/new/", form_data(**changes))

    assert response.status_code == 200
    assert errors(response, field) == [message]
    assert message in response.content.decode()
    assert stored_state() == before


def test_a_co_agency_cannot_be_the_host(client_as, agency_a):
    response = client_as("staff_a").post("/projects/new/", form_data(co_agencies=[agency_a.pk]))
    assert errors(response, "co_agencies") == ["協辦機關不可與主辦機關相同。"]
    assert not Project.objects.exists()


def test_a_tender_number_held_by_another_project_is_refused(client_as, agency_b):
    other = make_project(agency_b)
    TenderNumber.objects.create(project=other, number="1130115A01")
    response = client_as("staff_a").post("/projects/new/", form_data())
    assert errors(response, "tenders") == [
        f"標案案號已屬於其他列管案件：1130115A01（{other.control_number}）。"
    ]
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"allocations-0-year": "112"}, "112年度不在預定期程（113.1.15至113.12.31）內。"),
        (
            {"allocations-1-year": "113", "allocations-1-amount": "1"},
            "113年度重複填寫。",
        ),
        (
            {"allocations-0-amount": "90,000,000"},
            "年度經費分配合計90,000,000元，超過總核定經費80,000,000元。",
        ),
    ],
    ids=["outside-period", "twice", "above-budget"],
)
def test_yearly_allocations_are_checked_on_their_table(client_as, rows, message):
    response = client_as("staff_a").post("/projects/new/", form_data(**rows))

    assert response.status_code == 200
    assert list(response.context["allocations"].non_form_errors()) == [message]
    assert message in response.content.decode()
    assert not Project.objects.exists()


def test_an_allocation_row_needs_both_year_and_amount(client_as):
    response = client_as("staff_a").post(
        "/projects/new/", form_data(**{"allocations-1-amount": "1,000"})
    )
    assert response.context["allocations"].forms[1].errors == {"year": ["請填寫年度。"]}
    assert not Project.objects.exists()


def test_the_budget_help_quotes_the_major_threshold(client_as):
    page = client_as("staff_a").get("/projects/new/").content.decode()
    assert "重大建設總經費達5,000萬元以上者，須申請列管。" in page


@pytest.mark.parametrize("who", ["reviewer", "official"])
def test_reviewers_and_officials_do_not_register_projects(client_as, who):
    client = client_as(who)
    before = stored_state()
    assert client.get("/projects/new/").status_code == 403
    assert client.post("/projects/new/", form_data()).status_code == 403
    assert stored_state() == before


# -- editing the draft -------------------------------------------------------------------------


def test_the_host_agency_edits_its_draft(client_as, cast, agency_a):
    project = draft_project(cast["staff_a"], checkpoint=False, curve=False)
    response = client_as("manager_a").post(
        f"/projects/{project.pk}/edit/",
        form_data(
            name="安南區海佃路拓寬工程（第二期）",
            **{"allocations-INITIAL_FORMS": "0", "allocations-0-amount": "60,000,000"},
        ),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "安南區海佃路拓寬工程（第二期）"
    assert project.host_agency == agency_a
    assert list(BudgetAllocation.objects.filter(project=project).values_list("amount")) == [
        (60_000_000,)
    ]
    latest = project.history.first()
    assert (latest.history_user, latest.history_change_reason) == (cast["manager_a"], "編輯草稿")


def test_the_edit_form_shows_the_draft_in_roc_dates(client_as, cast):
    project = draft_project(cast["staff_a"], start=date(2024, 3, 26), checkpoint=False, curve=False)
    page = client_as("staff_a").get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'value="113.3.26"' in page
    assert 'value="80,000,000"' in page


def test_a_co_agency_sees_the_draft_but_may_not_edit_it(client_as, cast, agency_b):
    project = draft_project(cast["staff_a"], checkpoint=False, curve=False)
    project.co_agencies.add(agency_b)
    client = client_as("staff_b")

    assert client.get(f"/projects/{project.pk}/").status_code == 200
    before = stored_state()
    assert client.get(f"/projects/{project.pk}/edit/").status_code == 403
    assert client.post(f"/projects/{project.pk}/edit/", form_data(name="改")).status_code == 403
    assert stored_state() == before


def test_another_agency_does_not_learn_the_draft_exists(client_as, cast):
    project = draft_project(cast["staff_a"], checkpoint=False, curve=False)
    assert client_as("staff_b").get(f"/projects/{project.pk}/edit/").status_code == 404


def test_a_listed_project_is_not_edited_as_a_draft(client_as, cast, agency_a):
    project = make_project(agency_a)
    with pytest.raises(PermissionDenied, match="基本資料、檢核點及預定進度須以變更申請辦理"):
        registration.check_draft(project, cast["staff_a"])
    assert client_as("staff_a").get(f"/projects/{project.pk}/edit/").status_code == 403


def test_a_draft_waiting_for_the_commission_is_not_edited(client_as, cast):
    project = draft_project(cast["staff_a"])
    Application.objects.create(
        project=project,
        kind="listing",
        state=ApplicationState.SUBMITTED,
        created_by=cast["manager_a"],
    )
    with pytest.raises(
        PermissionDenied, match="本案的申請正由研考會審查中，審查結果通知前不能修改。"
    ):
        registration.check_draft(project, cast["staff_a"])
    assert client_as("staff_a").get(f"/projects/{project.pk}/edit/").status_code == 403


def test_the_project_page_offers_the_drafting_steps_to_the_host_only(client_as, cast, agency_b):
    project = draft_project(cast["staff_a"])
    project.co_agencies.add(agency_b)
    own = client_as("staff_a").get(f"/projects/{project.pk}/").content.decode()
    co = client_as("staff_b").get(f"/projects/{project.pk}/").content.decode()
    for link in (f"/projects/{project.pk}/edit/", f"/projects/{project.pk}/plan/"):
        assert link in own
        assert link not in co


def test_the_list_offers_new_projects_to_bureaus_only(client_as):
    assert "/projects/new/" in client_as("staff_a").get("/projects/").content.decode()
    assert "/projects/new/" not in client_as("reviewer").get("/projects/").content.decode()


def test_kinds_and_categories_are_offered_in_chinese(client_as):
    page = client_as("staff_a").get("/projects/new/").content.decode()
    assert str(ProjectKind.MAJOR.label) in page
    assert str(ForwardCategory.CHILDCARE.label) in page
    assert Agency.objects.get(code="B07").name in page  # a co-agency to choose


def test_who_may_draft_is_said_in_chinese(cast, agency_b):
    with pytest.raises(
        PermissionDenied, match="只有局處填報人員、局處主管及系統管理者可以新增案件。"
    ):
        registration.register_project(
            Project(
                name="x",
                kind="major",
                total_budget=1,
                planned_start=date(2024, 1, 1),
                planned_completion=date(2024, 2, 1),
            ),
            by=cast["reviewer"],
        )
    project = draft_project(cast["staff_a"], checkpoint=False, curve=False)
    project.co_agencies.add(agency_b)
    with pytest.raises(PermissionDenied, match="只有主辦機關可以編輯本案。"):
        registration.check_draft(project, cast["manager_b"])
