"""申請列管: the bureau's staff prepares, its manager sends (the listing rules checked then), a
reviewer lists the project or returns the application with a reason; each decision is notified
to the applicant once (notification and e-mail); bureaus never decide."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import applications, reminders
from projects.choices import (
    ApplicationKind,
    ApplicationState,
    ControlStatus,
    ProjectKind,
    ReminderKind,
    StatusField,
)
from projects.models import Application, ApplicationStep, ControlSettings, Milestone, StatusChange
from tainan_rdec.models import Reminder
from tests.permission_helpers import stored_state
from tests.projects.factories import draft_project, make_project

pytestmark = pytest.mark.django_db

LISTING = ApplicationKind.LISTING
RETURN_REASON = "預定進度與核定計畫不符，請依核定函修正。"


@pytest.fixture
def draft(cast):
    """工務局's complete draft (checkpoint and S-curve), registered by its staff."""
    return draft_project(cast["staff_a"])


def apply_url(project):
    return f"/projects/{project.pk}/apply/listing/"


def decide_url(application):
    return f"/projects/applications/{application.pk}/decide/"


def send(client, project, reason="依113年度核定計畫辦理"):
    return client.post(apply_url(project), {"action": "submit", "reason": reason})


def submitted(cast, project):
    return applications.submit_application(project, LISTING, reason="", by=cast["manager_a"])


def prepared_and_sent(cast, project):
    """As a bureau does it: its staff prepares the application, its manager sends it."""
    applications.save_application(project, LISTING, reason="依核定函辦理", by=cast["staff_a"])
    return submitted(cast, project)


# -- preparing and sending ---------------------------------------------------------------------


def test_staff_prepare_the_application_and_may_not_send_it(client_as, draft):
    client = client_as("staff_a")
    page = client.get(apply_url(draft)).content.decode()
    assert "送出申請" not in page
    assert "由局處主管確認並送出研考會" in page

    assert client.post(apply_url(draft), {"action": "save", "reason": "草擬"}).status_code == 302
    application = Application.objects.get()
    assert (application.state, application.reason) == (ApplicationState.DRAFT, "草擬")

    before = stored_state()
    assert send(client, draft).status_code == 403
    assert stored_state() == before


def test_the_manager_sends_the_staffs_draft(client_as, cast, draft):
    client_as("staff_a").post(apply_url(draft), {"action": "save", "reason": "草擬"})
    response = send(client_as("manager_a"), draft, reason="依核定函辦理")

    application = Application.objects.get()
    assert response["Location"] == f"/projects/applications/{application.pk}/"
    assert application.state == ApplicationState.SUBMITTED
    assert (application.submitted_by, application.reason) == (cast["manager_a"], "依核定函辦理")
    assert application.created_by == cast["staff_a"]
    [step] = ApplicationStep.objects.filter(application=application)
    assert (step.from_state, step.to_state, step.by) == (
        ApplicationState.DRAFT,
        ApplicationState.SUBMITTED,
        cast["manager_a"],
    )
    # What was sent is reviewed as it was sent: the draft is closed meanwhile.
    assert client_as("staff_a").get(f"/projects/{draft.pk}/plan/").status_code == 403


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        ("checkpoint", "至少需要一個檢核點。"),
        ("curve", "尚未建立預定進度（S曲線）。"),
        ("budget", "尚未填寫總核定經費。"),
    ],
)
def test_sending_checks_the_listing_rules(client_as, cast, breaks, message):
    project = draft_project(
        cast["staff_a"],
        checkpoint=breaks != "checkpoint",
        curve=breaks not in ("curve", "budget"),
        budget=0 if breaks == "budget" else 80_000_000,
    )
    client = client_as("manager_a")
    assert message in client.get(apply_url(project)).content.decode()  # said before sending
    before = stored_state()
    response = send(client, project)

    assert response.status_code == 200
    assert message in response.context["form"].non_field_errors()
    assert stored_state() == before


def test_a_listed_project_does_not_apply_for_listing(client_as, agency_a, cast):
    project = make_project(agency_a)
    response = client_as("manager_a").get(apply_url(project))
    assert "本案目前為「列管中」，不能申請列管。" in response.content.decode()
    with pytest.raises(ValidationError, match="本案目前為「列管中」，不能申請列管。"):
        submitted(cast, project)


def test_a_sent_application_cannot_be_changed_or_sent_twice(cast, draft):
    submitted(cast, draft)
    for verb in (applications.save_application, applications.submit_application):
        with pytest.raises(ValidationError, match="申請已送出，研考會審查中，不能修改。"):
            verb(draft, LISTING, reason="再送", by=cast["manager_a"])
    assert Application.objects.count() == 1


@pytest.mark.parametrize("who", ["staff_b", "manager_b"])
def test_another_agency_cannot_apply_for_the_project(client_as, draft, who):
    client = client_as(who)
    before = stored_state()
    assert client.get(apply_url(draft)).status_code == 404
    assert send(client, draft).status_code == 404
    assert stored_state() == before


def test_a_co_agency_sees_the_project_but_does_not_apply(client_as, draft, agency_b):
    draft.co_agencies.add(agency_b)
    assert client_as("manager_b").get(apply_url(draft)).status_code == 403


def test_an_unknown_kind_of_application_is_not_found(client_as, draft):
    assert client_as("manager_a").get(f"/projects/{draft.pk}/apply/teleport/").status_code == 404


# -- the reviewer's decision -------------------------------------------------------------------


def test_the_reviewer_lists_the_project_and_the_applicant_is_told(
    client_as, cast, draft, django_capture_on_commit_callbacks
):
    application = prepared_and_sent(cast, draft)
    client = client_as("reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(application), {"decision": "approve", "reason": "符合列管要件"}
        )
    assert response.status_code == 302

    draft.refresh_from_db()
    application.refresh_from_db()
    assert draft.control_status == ControlStatus.LISTED
    assert (application.state, application.decided_by) == (
        ApplicationState.APPROVED,
        cast["reviewer"],
    )
    change = StatusChange.objects.get(project=draft, field=StatusField.CONTROL_STATUS)
    assert (change.old_value, change.new_value, change.by, change.reason) == (
        ControlStatus.NEW,
        ControlStatus.LISTED,
        cast["reviewer"],
        "符合列管要件",
    )
    # Whoever drafted and whoever sent it (staff_a has an e-mail address; manager_a has none).
    notices = Reminder.objects.filter(kind=ReminderKind.APPLICATION_APPROVED)
    assert {n.recipient.username for n in notices} == {"staff_a", "manager_a"}
    [message] = mail.outbox
    assert message.to == ["staff_a@example.tw"]
    assert message.subject == f"【同意】{draft.name}申請列管經研考會同意"
    assert "符合列管要件" in message.body
    assert f"/projects/applications/{application.pk}/" in message.body


def test_a_return_needs_its_reason(client_as, cast, draft):
    application = submitted(cast, draft)
    client = client_as("reviewer")
    before = stored_state()
    response = client.post(decide_url(application), {"decision": "return", "reason": "  "})
    assert response.status_code == 200
    assert response.context["decision_form"].errors["reason"] == ["退回時請填寫理由。"]
    assert "退回時請填寫理由。" in response.content.decode()
    response = client.post(decide_url(application), {"reason": "x"})
    assert response.context["decision_form"].errors["decision"] == ["請選擇同意或退回。"]
    assert stored_state() == before


def test_returned_once_then_listed_each_decision_notified_once(
    client_as, cast, draft, django_capture_on_commit_callbacks
):
    application = prepared_and_sent(cast, draft)
    reviewer = client_as("reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(decide_url(application), {"decision": "return", "reason": RETURN_REASON})
    application.refresh_from_db()
    assert application.state == ApplicationState.RETURNED
    [returned] = mail.outbox
    assert returned.subject == f"【退回】{draft.name}申請列管經研考會退回，請修正後再送"
    assert RETURN_REASON in returned.body

    # The bureau reads the reason, corrects the curve (the draft is open again) and resends.
    staff = client_as("staff_a")
    assert RETURN_REASON in staff.get(f"/projects/{draft.pk}/").content.decode()
    assert staff.get(f"/projects/{draft.pk}/plan/").status_code == 200
    send(client_as("manager_a"), draft, reason="已依核定函修正預定進度")
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        client_as("reviewer").post(decide_url(application), {"decision": "approve"})
    draft.refresh_from_db()
    assert draft.control_status == ControlStatus.LISTED
    assert [s.to_state for s in application.steps.all()] == [
        ApplicationState.SUBMITTED,
        ApplicationState.RETURNED,
        ApplicationState.SUBMITTED,
        ApplicationState.APPROVED,
    ]
    assert len(mail.outbox) == 2
    # Running the notices again (a retried task, a second process) sends nothing more.
    for step in application.steps.filter(to_state__in=["returned", "approved"]):
        assert reminders.notify_application_decided(step.pk) == []
    assert Reminder.objects.filter(kind__startswith="projects.application_").count() == 4


def test_approval_checks_the_listing_rules_again(client_as, cast, draft):
    application = submitted(cast, draft)
    Milestone.objects.filter(project=draft).delete()  # e.g. by an admin meanwhile
    response = client_as("reviewer").post(decide_url(application), {"decision": "approve"})
    assert "至少需要一個檢核點。" in response.context["decision_form"].non_field_errors()
    application.refresh_from_db()
    draft.refresh_from_db()
    assert (application.state, draft.control_status) == (
        ApplicationState.SUBMITTED,
        ControlStatus.NEW,
    )
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("manager_a", 403), ("staff_a", 403), ("manager_b", 404)]
)
def test_bureaus_do_not_decide_applications(client_as, cast, draft, who, status):
    application = submitted(cast, draft)
    client = client_as(who)
    before = stored_state()
    response = client.post(decide_url(application), {"decision": "approve"})
    assert response.status_code == status
    assert stored_state() == before
    with pytest.raises(PermissionDenied, match="只有研考會審查人員可以審查申請。"):
        applications.decide_application(application, approve=True, reason="", by=cast[who])


def test_a_decided_application_is_not_decided_again(cast, draft):
    application = submitted(cast, draft)
    applications.decide_application(application, approve=False, reason="補件", by=cast["reviewer"])
    with pytest.raises(ValidationError, match="只有審查中的申請可以審查。"):
        applications.decide_application(application, approve=True, reason="", by=cast["reviewer"])


def test_the_reviewer_decides_on_the_applications_page_not_past_it(client_as, cast, draft):
    application = submitted(cast, draft)
    detail = client_as("reviewer").get(f"/projects/{draft.pk}/").content.decode()
    assert f"/projects/applications/{application.pk}/" in detail
    assert f"/projects/{draft.pk}/status/list/" not in detail
    page = client_as("reviewer").get(f"/projects/applications/{application.pk}/").content.decode()
    assert "送出審查結果" in page
    assert "細部設計完成" in page  # the checkpoints and curve being applied for
    assert "s-curve-current" in page


def test_the_old_status_url_is_refused_while_an_application_waits(client_as, cast, draft):
    submitted(cast, draft)
    reviewer = client_as("reviewer")
    before = stored_state()
    response = reviewer.post(f"/projects/{draft.pk}/status/list/", {"reason": "列管"})
    assert response.status_code == 409
    assert "本案有審查中的申請列管，請先在申請頁面審查，不能直接變更列管狀態。" in (
        response.content.decode()
    )
    assert stored_state() == before
    draft.refresh_from_db()
    assert draft.control_status == ControlStatus.NEW


def test_the_applicant_sees_the_decision_but_no_decision_form(client_as, cast, draft):
    application = submitted(cast, draft)
    page = client_as("manager_a").get(f"/projects/applications/{application.pk}/")
    assert page.context["decision_form"] is None
    assert "審查中" in page.content.decode()


# -- the lists ---------------------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_reviewer_sees_the_applications_waiting_first(client_as, cast, draft):
    waiting = submitted(cast, draft)
    returned = submitted(cast, draft_project(cast["staff_a"], name="第二案"))
    applications.decide_application(returned, approve=False, reason="補件", by=cast["reviewer"])
    client = client_as("reviewer")
    assert list(client.get("/projects/applications/").context["page"].object_list) == [waiting]
    everything = client.get("/projects/applications/", {"state": ""}).context["page"]
    assert set(everything.object_list) == {waiting, returned}


def test_a_bureau_lists_its_own_applications_only(client_as, cast, draft):
    own = submitted(cast, draft)
    other_project = draft_project(cast["staff_b"], name="鹽水溪排水")
    applications.submit_application(other_project, LISTING, reason="", by=cast["manager_b"])
    assert list(client_as("staff_a").get("/projects/applications/").context["page"]) == [own]


@pytest.mark.parametrize("who", ["reviewer", "manager_a"])
def test_the_application_list_query_count_does_not_grow(client_as, cast, who):
    def add(n, start):
        for i in range(n):
            project = draft_project(cast["staff_a"], name=f"案件{start + i}")
            applications.submit_application(project, LISTING, reason="", by=cast["manager_a"])

    ControlSettings.get()
    client = client_as(who)
    add(2, 0)
    few = _queries(client, "/projects/applications/")
    add(8, 2)
    assert _queries(client, "/projects/applications/") == few


def test_the_threshold_list_shows_major_registered_projects_not_listed(client_as, cast, agency_a):
    big = draft_project(cast["staff_a"], budget=50_000_000, name="門檻案")
    draft_project(cast["staff_a"], budget=49_999_999, name="門檻下")
    draft_project(cast["staff_a"], budget=90_000_000, name="前瞻案", kind=ProjectKind.KEY_BUSINESS)
    make_project(agency_a, budget=900_000_000, name="已列管")
    waiting = submitted(cast, big)
    client = client_as("reviewer")

    response = client.get("/projects/unlisted/")
    assert [p.name for p in response.context["page"]] == ["門檻案"]
    page = response.content.decode()
    assert "總核定經費達5,000萬元以上" in page
    assert f"/projects/applications/{waiting.pk}/" in page

    rules = ControlSettings.get()
    rules.major_threshold = 60_000_000
    rules.save()
    assert list(client.get("/projects/unlisted/").context["page"]) == []


def test_the_threshold_list_query_count_does_not_grow(client_as, cast):
    ControlSettings.get()
    client = client_as("reviewer")
    for i in range(2):
        submitted(cast, draft_project(cast["staff_a"], name=f"大案{i}"))
    few = _queries(client, "/projects/unlisted/")
    for i in range(8):
        draft_project(cast["staff_a"], name=f"大案{i + 2}", checkpoint=False, curve=False)
    assert len(client.get("/projects/unlisted/").context["page"].object_list) == 10
    assert _queries(client, "/projects/unlisted/") == few


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "official"])
def test_only_the_commission_sees_the_threshold_list(client_as, who):
    assert client_as(who).get("/projects/unlisted/").status_code == 403


def test_an_admin_may_decide_too(cast, draft):
    application = submitted(cast, draft)
    applications.decide_application(application, approve=True, reason="", by=cast["admin"])
    draft.refresh_from_db()
    assert draft.control_status == ControlStatus.LISTED
    assert not draft.applications.open().exists()
    assert StatusChange.objects.get(project=draft).reason == "同意申請列管"


def test_who_may_do_what_is_said_in_chinese(cast, draft, agency_b):
    draft.co_agencies.add(agency_b)
    with pytest.raises(PermissionDenied, match="只有主辦機關可以提出申請。"):
        applications.save_application(draft, LISTING, reason="", by=cast["manager_b"])
    with pytest.raises(PermissionDenied, match="須由局處主管送出申請。"):
        applications.submit_application(draft, LISTING, reason="", by=cast["staff_a"])
    with pytest.raises(ValidationError, match="沒有這種申請。"):
        applications.save_application(draft, "teleport", reason="", by=cast["staff_a"])
    assert not Application.objects.exists()
