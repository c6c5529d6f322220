"""Applications during execution (變更申請), each kind end to end through the pages: the bureau's
staff prepares, its manager sends (the kind's rules checked, each message in Chinese), a
reviewer approves or returns; approval does what the kind says; the applicant is told once;
bureaus never decide (403); a co-agency or the agency taking a project over sees the
application but does not change it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from projects import applications, reminders
from projects.choices import (
    ApplicationKind,
    ApplicationState,
    ControlStatus,
    ExecutionPhase,
    MilestoneStatus,
    ReminderKind,
    ReportState,
    StatusField,
)
from projects.models import Application, Milestone, PlanBaseline, Project, StatusChange
from tainan_rdec.models import Reminder
from tests.permission_helpers import stored_state
from tests.projects import files
from tests.projects.factories import draft_project, filed_report, make_project

pytestmark = pytest.mark.django_db

NAME = "東區崇學路延伸工程"


@pytest.fixture
def listed(cast):
    """工務局's listed project of 113 (NT$120,000,000), its checkpoint 細部設計完成 (113.3.1)."""
    return make_project(cast["staff_a"].agency, name=NAME, by=cast["staff_a"])


def apply_url(project, kind):
    return f"/projects/{project.pk}/apply/{kind}/"


def done_url(project, milestone):
    return f"/projects/{project.pk}/checkpoints/{milestone.pk}/done/"


def decide_url(application):
    return f"/projects/applications/{application.pk}/decide/"


def approve(client_as, application, capture, reason="同意"):
    with capture(execute=True):
        response = client_as("reviewer").post(
            decide_url(application), {"decision": "approve", "reason": reason}
        )
    assert response.status_code == 302, (
        response.context and response.context["decision_form"].errors
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    return application


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


# -- 申請變更預定進度 ------------------------------------------------------------------------------


def replan_data(
    project, action, *, completion="114.6.30", reason="用地取得延宕，展延工期", initial=1
):
    """The re-plan form as the page posts it: the project's checkpoint kept, 竣工 added (on
    the page again once saved: ``initial=2``)."""
    milestone = Milestone.objects.get(project=project)
    return {
        "action": action,
        "reason": reason,
        "proposed_completion": completion,
        "checkpoints-TOTAL_FORMS": "3",
        "checkpoints-INITIAL_FORMS": str(initial),
        "checkpoints-MIN_NUM_FORMS": "0",
        "checkpoints-MAX_NUM_FORMS": "60",
        "checkpoints-0-planned_date": f"{milestone.planned_date.year - 1911}.3.1",
        "checkpoints-1-name": "竣工",
        "checkpoints-1-planned_date": "114.6.20",
        "checkpoints-2-name": "",
        "checkpoints-2-planned_date": "",
    }


def curve_data(months: int, budget: int = 120_000_000) -> dict:
    data = {"action": "save"}
    for i in range(1, months + 1):
        year, month = 2024 + (i - 1) // 12, (i - 1) % 12 + 1
        percent = "100" if i == months else str(round(100 * i / months, 2))
        data[f"percent_{year}{month:02d}"] = percent
        data[f"allocation_{year}{month:02d}"] = f"{budget * i // months:,}"
    return data


def test_a_replan_is_approved_and_becomes_a_new_baseline_version(
    client_as, cast, listed, django_capture_on_commit_callbacks
):
    staff = client_as("staff_a")
    response = staff.post(apply_url(listed, "replan"), replan_data(listed, "save"))
    assert response.status_code == 302
    application = Application.objects.get(project=listed, kind=ApplicationKind.REPLAN)
    assert application.proposed_completion == date(2025, 6, 30)
    assert [c.name for c in application.proposed_checkpoints.all()] == ["細部設計完成", "竣工"]
    # The curve editor offers the months of the new period (113.1 to 114.6).
    page = staff.get(f"/projects/applications/{application.pk}/plan/")
    assert page.status_code == 200
    assert 'name="percent_202506"' in page.content.decode()
    response = staff.post(f"/projects/applications/{application.pk}/plan/", curve_data(18))
    assert response.status_code == 302
    assert application.proposed_points.count() == 18

    response = client_as("manager_a").post(
        apply_url(listed, "replan"), replan_data(listed, "submit", initial=2)
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    # The reviewer sees the proposed curve beside the one in force.
    page = client_as("reviewer").get(f"/projects/applications/{application.pk}/").content
    assert "由113.12.31變更為114.6.30" in page.decode()

    approve(client_as, application, django_capture_on_commit_callbacks, "同意展延")
    listed.refresh_from_db()
    assert listed.planned_completion == date(2025, 6, 30)
    versions = list(PlanBaseline.objects.filter(project=listed).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].points.count() == 12  # the old one kept (drawn dashed)
    assert versions[1].points.count() == 18
    assert versions[1].points.get(month=date(2025, 6, 1)).planned_percent == Decimal("100")
    assert list(Milestone.objects.filter(project=listed).values_list("name", "planned_date")) == [
        ("細部設計完成", date(2024, 3, 1)),
        ("竣工", date(2025, 6, 20)),
    ]
    [message] = mail.outbox
    assert message.subject == f"【同意】{NAME}申請變更預定進度經研考會同意"
    assert {r.recipient.username for r in Reminder.objects.all()} == {"staff_a", "manager_a"}


def test_a_replan_is_sent_only_with_its_reason_and_curve(client_as, cast, listed):
    manager = client_as("manager_a")
    response = manager.post(apply_url(listed, "replan"), replan_data(listed, "submit", reason=""))
    assert response.status_code == 200
    errors = form_errors(response)
    assert "請說明變更預定進度的原因。" in errors
    assert "請編輯變更後的預定進度（S曲線）。" in errors
    assert not Application.objects.exists()  # the transaction took the draft back


def test_a_replan_curve_follows_the_new_period(client_as, cast, listed):
    client_as("staff_a").post(apply_url(listed, "replan"), replan_data(listed, "save"))
    application = Application.objects.get()
    # Twelve months do not cover a period that now ends in 114.6.
    response = client_as("staff_a").post(
        f"/projects/applications/{application.pk}/plan/", curve_data(12)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["percent_202506"] == ["請填寫114年6月的預定累計進度。"]
    assert "請填寫114年1月的預定累計進度。" in response.content.decode()
    assert not application.proposed_points.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"proposed_completion": "112.12.31"},
            "變更後預定完工日期（112.12.31）不可早於預定開工日期（113.1.1）。",
        ),
        (
            # The overdue checkpoint (113.3.1) is reported done, not moved by a re-plan.
            {"checkpoints-0-planned_date": "114.5.1"},
            "檢核點「細部設計完成」已逾期（預定113.3.1），請申報檢核點達成，"
            "不能以變更預定進度調整日期。",
        ),
        (
            {"checkpoints-1-planned_date": "115.1.1"},
            "檢核點「竣工」的預定完成日期（115.1.1）不在預定期程（113.1.1至114.6.30）內。",
        ),
        (
            {"checkpoints-2-name": "竣工", "checkpoints-2-planned_date": "114.6.1"},
            "檢核點「竣工」重複。",
        ),
    ],
)
def test_the_replan_rules_in_chinese(client_as, cast, listed, change, message):
    data = {**replan_data(listed, "save"), **change}
    response = client_as("staff_a").post(apply_url(listed, "replan"), data)
    assert response.status_code == 200
    page = response.content.decode()
    found = form_errors(response) + list(response.context["formset"].non_form_errors())
    assert any(message in text for text in found), found
    assert message in page
    assert not Application.objects.exists()


def test_a_reached_checkpoint_keeps_its_date(cast, listed):
    milestone = Milestone.objects.get(project=listed)
    Milestone.objects.filter(pk=milestone.pk).update(
        status=MilestoneStatus.MET, actual_date=date(2024, 3, 1)
    )
    with pytest.raises(ValidationError) as error:
        applications.save_application(
            listed,
            ApplicationKind.REPLAN,
            reason="展延",
            by=cast["staff_a"],
            details={"proposed_completion": date(2025, 6, 30)},
            checkpoints=[(milestone.pk, "", date(2025, 1, 1))],
        )
    assert error.value.message_dict["checkpoints"] == [
        "檢核點「細部設計完成」已達成，不能變更預定完成日期。"
    ]


# -- 申請暫緩列管 ----------------------------------------------------------------------------------


def test_a_suspension_needs_its_reason_then_is_approved(
    client_as, cast, listed, django_capture_on_commit_callbacks
):
    client_as("staff_a").post(apply_url(listed, "suspension"), {"action": "save", "reason": ""})
    manager = client_as("manager_a")
    response = manager.post(apply_url(listed, "suspension"), {"action": "submit", "reason": " "})
    assert form_errors(response) == ["請填寫申請暫緩列管的原因。"]
    response = manager.post(
        apply_url(listed, "suspension"), {"action": "submit", "reason": "用地取得延宕"}
    )
    assert response.status_code == 302
    application = Application.objects.get(kind=ApplicationKind.SUSPENSION)
    approve(client_as, application, django_capture_on_commit_callbacks, "同意暫緩一年")
    listed.refresh_from_db()
    assert listed.control_status == ControlStatus.SUSPENDED
    change = StatusChange.objects.get(project=listed, field=StatusField.CONTROL_STATUS)
    assert (change.new_value, change.by, change.reason) == (
        ControlStatus.SUSPENDED,
        cast["reviewer"],
        "用地取得延宕（審查意見：同意暫緩一年）",
    )
    [message] = mail.outbox
    assert message.subject == f"【同意】{NAME}申請暫緩列管經研考會同意"


def test_a_project_applies_only_for_what_its_status_allows(client_as, cast):
    draft = draft_project(cast["staff_a"])
    response = client_as("manager_a").post(
        apply_url(draft, "suspension"), {"action": "submit", "reason": "用地取得延宕"}
    )
    assert "本案目前為「新增」，不能申請暫緩列管。" in form_errors(response)
    page = client_as("manager_a").get(apply_url(draft, "delisting")).content.decode()
    assert "本案目前為「新增」，不能申請解除列管。" in page
    assert not Application.objects.exists()


# -- 申請解除列管 ----------------------------------------------------------------------------------


def delisting(action, **extra):
    return {
        "action": action,
        "reason": "工程已完工驗收，結算完成。",
        "actual_completion": "113.12.20",
        "settlement_amount": "110,500,000",
        **extra,
    }


def test_delisting_on_completion_closes_the_project_with_its_final_figures(
    client_as, cast, listed, django_capture_on_commit_callbacks
):
    report = filed_report(listed, date(2024, 12, 1), 100)
    client_as("staff_a").post(apply_url(listed, "delisting"), delisting("save"))
    response = client_as("manager_a").post(apply_url(listed, "delisting"), delisting("submit"))
    assert response.status_code == 302
    application = Application.objects.get(kind=ApplicationKind.DELISTING)
    assert application.final_report == report
    approve(client_as, application, django_capture_on_commit_callbacks)
    listed.refresh_from_db()
    assert (
        listed.control_status,
        listed.actual_completion,
        listed.settlement_amount,
        listed.phase,
    ) == (ControlStatus.DELISTED, date(2024, 12, 20), 110_500_000, ExecutionPhase.CLOSED)
    page = client_as("staff_a").get(f"/projects/{listed.pk}/").content.decode()
    assert "結算金額" in page
    [message] = mail.outbox
    assert message.subject == f"【同意】{NAME}申請解除列管經研考會同意"


@pytest.mark.parametrize(
    ("report", "extra", "message"),
    [
        (None, {}, "本案尚無審核通過的每月填報，請先完成最後一個月的填報並經研考會審核通過。"),
        (
            (100, ReportState.SUBMITTED),  # after an accepted 113.11 at 99%
            {},
            "113年12月的填報目前為「已送出」，須經研考會審核通過後才能申請解除列管。",
        ),
        (
            (96, ReportState.ACCEPTED),
            {},
            "最後審核通過的填報（113年12月）實際進度為96.00%，須達100%才能完工結案。",
        ),
        (
            (100, ReportState.ACCEPTED),
            {"settlement_amount": "130,000,000"},
            "結算金額130,000,000元超過總核定經費120,000,000元，請確認金額。",
        ),
        (
            (100, ReportState.ACCEPTED),
            {"actual_completion": "199.1.1"},
            "實際完工日期不可晚於今天",
        ),
        ((100, ReportState.ACCEPTED), {"actual_completion": ""}, "請填寫實際完工日期。"),
        ((100, ReportState.ACCEPTED), {"settlement_amount": ""}, "請填寫結算金額。"),
    ],
)
def test_the_delisting_rules_in_chinese(client_as, cast, listed, report, extra, message):
    if report is not None:
        if report[1] != ReportState.ACCEPTED:
            filed_report(listed, date(2024, 11, 1), 99)
        filed_report(listed, date(2024, 12, 1), report[0], state=report[1])
    response = client_as("manager_a").post(
        apply_url(listed, "delisting"), delisting("submit", **extra)
    )
    assert response.status_code == 200
    assert any(message in text for text in form_errors(response)), form_errors(response)
    assert not Application.objects.exists()
    listed.refresh_from_db()
    assert listed.control_status == ControlStatus.LISTED


# -- 申請主辦機關移撥 ------------------------------------------------------------------------------


def test_a_transfer_is_seen_by_both_agencies_and_moves_the_project(
    client_as, cast, listed, agency_a, agency_b, django_capture_on_commit_callbacks
):
    manager = client_as("manager_a")
    response = manager.post(
        apply_url(listed, "transfer"),
        {"action": "submit", "reason": "依府函業務移撥水利局", "to_agency": agency_b.pk},
    )
    assert response.status_code == 302
    application = Application.objects.get(kind=ApplicationKind.TRANSFER)
    assert (application.from_agency, application.to_agency) == (agency_a, agency_b)

    # The agency taking it over sees the request, but neither changes nor decides it.
    target = client_as("manager_b")
    assert target.get(f"/projects/applications/{application.pk}/").status_code == 200
    assert NAME in target.get("/projects/applications/").content.decode()
    assert target.get(apply_url(listed, "transfer")).status_code == 404
    before = stored_state()
    assert target.post(decide_url(application), {"decision": "approve"}).status_code == 403
    assert stored_state() == before

    approve(client_as, application, django_capture_on_commit_callbacks)
    listed.refresh_from_db()
    assert listed.host_agency == agency_b
    change = StatusChange.objects.get(project=listed, field=StatusField.HOST_AGENCY)
    assert (change.old_value, change.new_value) == ("B06", "B07")
    assert f"{agency_a.name} → {agency_b.name}" in str(change)
    # Both agencies still see the application; the new host now applies for the project.
    assert (
        client_as("manager_a").get(f"/projects/applications/{application.pk}/").status_code == 200
    )
    assert client_as("staff_b").get(apply_url(listed, "suspension")).status_code == 200
    assert client_as("staff_a").get(apply_url(listed, "suspension")).status_code == 404
    approved = Reminder.objects.filter(kind=ReminderKind.APPLICATION_APPROVED)
    told = {r.recipient.username for r in approved}
    assert {"manager_a", "staff_b", "manager_b"} <= told


def test_the_transfer_rules_in_chinese(client_as, cast, listed, agency_a):
    manager = client_as("manager_a")
    response = manager.post(
        apply_url(listed, "transfer"), {"action": "submit", "reason": "", "to_agency": ""}
    )
    errors = form_errors(response)
    assert "請選擇移入機關。" in errors
    assert "請說明主辦機關移撥的原因及依據。" in errors
    # The host itself is not offered; typed in anyway it is refused.
    response = manager.post(
        apply_url(listed, "transfer"), {"action": "save", "reason": "x", "to_agency": agency_a.pk}
    )
    assert "請從清單中選擇移入機關。" in form_errors(response)
    with pytest.raises(ValidationError, match=r"移入機關與目前主辦機關相同（臺南市政府工務局）。"):
        applications.save_application(
            listed, "transfer", reason="x", by=cast["staff_a"], details={"to_agency": agency_a}
        )


# -- 申報檢核點達成 --------------------------------------------------------------------------------


def test_a_checkpoint_done_needs_its_evidence_and_clears_the_overdue_flag(
    client_as, cast, listed, django_capture_on_commit_callbacks
):
    milestone = Milestone.objects.get(project=listed)
    page = client_as("staff_a").get(f"/projects/{listed.pk}/").content.decode()
    assert "（逾期）" in page
    assert done_url(listed, milestone) in page
    # Offered from the filing form of the month it fell due too.
    filing = client_as("staff_a").get(f"/projects/{listed.pk}/reports/2024/3/")
    assert done_url(listed, milestone) in filing.content.decode()

    client_as("staff_a").post(
        done_url(listed, milestone), {"action": "save", "achieved_on": "113.3.20"}
    )
    manager = client_as("manager_a")
    response = manager.post(
        done_url(listed, milestone),
        {"action": "submit", "achieved_on": "113.3.20", "reason": "細部設計書圖核定"},
    )
    assert form_errors(response) == ["請附上達成的佐證資料（照片或文件）。"]
    response = manager.post(
        done_url(listed, milestone),
        {"action": "submit", "achieved_on": "199.3.20", "reason": "x"},
    )
    assert any("實際達成日期不可晚於今天" in e for e in form_errors(response))
    response = manager.post(
        done_url(listed, milestone),
        {
            "action": "submit",
            "achieved_on": "113.3.20",
            "reason": "細部設計書圖核定",
            "attachment": files.upload(files.pdf(), "核定函.pdf", "application/pdf"),
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(kind=ApplicationKind.CHECKPOINT)
    assert application.attachments.get().name == "核定函.pdf"
    # Still flagged while the commission reviews it.
    assert "（逾期）" in client_as("staff_a").get(f"/projects/{listed.pk}/").content.decode()

    approve(client_as, application, django_capture_on_commit_callbacks)
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date) == (
        MilestoneStatus.MET_LATE,
        date(2024, 3, 20),
    )
    assert "（逾期）" not in client_as("staff_a").get(f"/projects/{listed.pk}/").content.decode()
    [message] = mail.outbox
    assert message.subject == f"【同意】{NAME}申報檢核點達成經研考會同意"


def test_a_checkpoint_reached_once_is_not_reported_again(cast, listed):
    milestone = Milestone.objects.get(project=listed)
    Milestone.objects.filter(pk=milestone.pk).update(
        status=MilestoneStatus.MET, actual_date=date(2024, 2, 27)
    )
    milestone.refresh_from_db()
    with pytest.raises(ValidationError, match=r"檢核點「細部設計完成」已於113\.2\.27達成。"):
        applications.save_application(
            listed,
            ApplicationKind.CHECKPOINT,
            reason="",
            by=cast["staff_a"],
            milestone=milestone,
            details={"achieved_on": date(2024, 2, 27)},
        )


# -- who does what ------------------------------------------------------------------------------


KIND_DATA = {
    "suspension": {"reason": "用地取得延宕"},
    "transfer": {"reason": "業務移撥", "to_agency": "B07"},
}


@pytest.mark.parametrize("kind", ["suspension", "transfer"])
@pytest.mark.parametrize(("who", "status"), [("manager_a", 403), ("staff_a", 403)])
def test_bureaus_do_not_decide_their_own_applications(
    client_as, cast, listed, agency_b, kind, who, status
):
    details = {"to_agency": agency_b} if kind == "transfer" else None
    application = applications.submit_application(
        listed, kind, reason="依府函辦理", by=cast["manager_a"], details=details
    )
    client = client_as(who)
    before = stored_state()
    assert client.post(decide_url(application), {"decision": "approve"}).status_code == status
    assert stored_state() == before


def test_a_co_agency_sees_the_application_but_does_not_change_it(client_as, cast, listed, agency_b):
    listed.co_agencies.add(agency_b)
    application = applications.save_application(
        listed, "suspension", reason="用地取得延宕", by=cast["staff_a"]
    )
    co = client_as("manager_b")
    assert co.get(f"/projects/applications/{application.pk}/").status_code == 200
    assert co.get(apply_url(listed, "suspension")).status_code == 403
    before = stored_state()
    response = co.post(apply_url(listed, "suspension"), {"action": "submit", "reason": "改"})
    assert response.status_code == 403
    assert stored_state() == before


def test_a_decision_is_notified_once(cast, listed, django_capture_on_commit_callbacks):
    application = applications.submit_application(
        listed, "suspension", reason="用地取得延宕", by=cast["manager_a"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        applications.decide_application(
            application, approve=False, reason="請補附府函", by=cast["reviewer"]
        )
    step = application.steps.get(to_state=ApplicationState.RETURNED)
    assert reminders.notify_application_decided(step.pk) == []
    assert Reminder.objects.filter(kind=ReminderKind.APPLICATION_RETURNED).count() == 1
    assert not mail.outbox  # manager_a, who made and sent it, has no e-mail: told in the portal
    assert Project.objects.get(pk=listed.pk).control_status == ControlStatus.LISTED
