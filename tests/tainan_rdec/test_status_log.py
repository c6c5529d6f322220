"""The three status logs (a case's, a report's, a project's) give the status-history include
the same row shape, each saying in its own words who made a change without a user."""

from petitions.choices import CaseStatus
from petitions.models import CaseStatusChange
from projects.choices import ControlStatus, ReportState, StatusField
from projects.models import ReportTransition, StatusChange
from tainan_rdec.models import User


def test_a_change_without_a_user_is_named_by_each_log_in_its_own_words():
    assert CaseStatusChange(by=None).by_name == "（系統）"
    assert ReportTransition(by=None).by_name == "（不明）"
    assert StatusChange(by=None).by_name == ""  # the include shows "—"


def test_a_change_by_a_user_shows_the_users_display_name():
    user = User(username="pw_staff", first_name="小明", last_name="王")
    for entry in (CaseStatusChange(by=user), ReportTransition(by=user), StatusChange(by=user)):
        assert entry.by_name == user.display_name
        assert entry.by_name


def test_the_labels_read_each_logs_own_statuses():
    first = CaseStatusChange(from_status="", to_status=CaseStatus.RECEIVED)
    assert (first.from_label, first.to_label) == ("", "受理")
    step = ReportTransition(
        from_state=ReportState.SUBMITTED, to_state=ReportState.RETURNED, comment="請補充落後原因"
    )
    assert (step.from_label, step.to_label, step.note) == ("已送出", "退回", "請補充落後原因")
    change = StatusChange(
        field=StatusField.CONTROL_STATUS,
        old_value=ControlStatus.NEW,
        new_value=ControlStatus.LISTED,
        reason="納入列管",
    )
    assert (change.item, change.note) == ("列管狀態", "納入列管")
    assert (change.from_label, change.to_label) == (change.old_label, change.new_label)
    assert change.to_label == ControlStatus.LISTED.label
