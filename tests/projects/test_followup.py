"""Follow-up services: the proposed agenda, site visits, and who may raise, answer, close and
reopen a directive."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from projects import followup
from projects.choices import (
    AgendaReason,
    ControlStatus,
    DirectiveStatus,
    ExecutionPhase,
    MeetingKind,
    MilestoneStatus,
)
from projects.models import AgendaItem, Directive, DirectiveResponse, ReviewMeeting, SiteVisit
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

TODAY = date(2024, 7, 15)
JUNE = date(2024, 6, 1)  # planned 50.00% on the factories' straight line over 2024


def project_with(agency, actual=None, *, checkpoints_met=True, **extra):
    """A listed project whose June report (if ``actual``) is accepted; its checkpoint met
    unless told otherwise (the factory's checkpoint falls due in March)."""
    status = extra.pop("control_status", None)
    project = make_project(agency, **extra)
    if status is not None:
        project.control_status = status
        project.save(update_fields=["control_status"])
    if checkpoints_met:
        project.milestones.update(status=MilestoneStatus.MET, actual_date=date(2024, 3, 1))
    if actual is not None:
        filed_report(project, JUNE, actual)
    return project


@pytest.fixture
def meeting(cast):
    return ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=TODAY, title="113年7月重大建設暨基本設施檢討會議"
    )


@pytest.fixture
def portfolio(agency_a, agency_b):
    """One project of each kind of case, by name."""
    return {
        "serious": project_with(agency_a, 38),
        "serious_b": project_with(agency_b, 39.5),
        "behind": project_with(agency_a, 45),
        "on_schedule": project_with(agency_a, 50),
        "no_report": project_with(agency_a),
        "stopped": project_with(
            agency_a, 50, phase=ExecutionPhase.STOPPED, stop_reason="汛期禁止河道內施工"
        ),
        "terminated": project_with(
            agency_b, 30, phase=ExecutionPhase.TERMINATED, stop_reason="終止契約，重新招標"
        ),
        "dispute": project_with(agency_a, 50, stop_reason="承商與分包廠商履約爭議調解中"),
        "checkpoint_overdue": project_with(agency_b, 50, checkpoints_met=False),
        "suspended_serious": project_with(agency_a, 30, control_status=ControlStatus.SUSPENDED),
        "new_serious": project_with(agency_a, 30, listed=False),
    }


def agenda(meeting):
    return {item.project_id: item.reason for item in meeting.items.filter(removed=False)}


# -- agenda ------------------------------------------------------------------------------------


def test_proposal_picks_exactly_the_seriously_behind_stopped_and_abnormal_listed_projects(
    meeting, portfolio
):
    followup.propose_agenda(meeting, today=TODAY)

    assert agenda(meeting) == {
        portfolio["serious"].pk: AgendaReason.SERIOUSLY_BEHIND,
        portfolio["serious_b"].pk: AgendaReason.SERIOUSLY_BEHIND,
        portfolio["stopped"].pk: AgendaReason.STOPPED,
        portfolio["terminated"].pk: AgendaReason.ABNORMAL,
        portfolio["dispute"].pk: AgendaReason.ABNORMAL,
        portfolio["checkpoint_overdue"].pk: AgendaReason.ABNORMAL,
    }


def test_proposal_orders_items_by_reason_and_explains_the_lag(meeting, portfolio):
    followup.propose_agenda(meeting, today=TODAY)

    reasons = list(meeting.items.order_by("order").values_list("reason", flat=True))
    assert reasons == sorted(reasons, key=[r.value for r in followup.REASON_ORDER].index)
    serious = meeting.items.get(project=portfolio["serious"])
    assert serious.note == "113年6月實際進度38.00%，預定進度50.00%，落後12.00個百分點。"


def test_proposing_again_adds_nothing(meeting, portfolio):
    first = followup.propose_agenda(meeting, today=TODAY)
    again = followup.propose_agenda(meeting, today=TODAY)

    assert len(first) == 6
    assert again == []
    assert meeting.items.count() == 6


def test_proposing_again_never_brings_back_a_removed_item(meeting, portfolio, cast):
    followup.propose_agenda(meeting, today=TODAY)
    item = meeting.items.get(project=portfolio["dispute"])
    followup.remove_agenda_item(item, by=cast["reviewer"])

    followup.propose_agenda(meeting, today=TODAY)

    item.refresh_from_db()
    assert item.removed
    assert portfolio["dispute"].pk not in agenda(meeting)
    assert meeting.items.filter(project=portfolio["dispute"]).count() == 1


def test_proposal_adds_a_project_that_fell_seriously_behind_since(meeting, agency_a):
    followup.propose_agenda(meeting, today=TODAY)
    later = project_with(agency_a, 20)

    added = followup.propose_agenda(meeting, today=TODAY)

    assert [i.project_id for i in added] == [later.pk]


def test_reviewer_adds_a_project_by_hand(meeting, portfolio, cast):
    item = followup.add_agenda_item(
        meeting, portfolio["behind"], by=cast["reviewer"], note="連續落後，請主辦機關說明"
    )

    assert item.reason == AgendaReason.MANUAL
    assert agenda(meeting) == {portfolio["behind"].pk: AgendaReason.MANUAL}


def test_adding_a_removed_item_brings_it_back(meeting, portfolio, cast):
    followup.propose_agenda(meeting, today=TODAY)
    item = meeting.items.get(project=portfolio["stopped"])
    followup.remove_agenda_item(item, by=cast["reviewer"])

    followup.add_agenda_item(meeting, portfolio["stopped"], by=cast["reviewer"])

    item.refresh_from_db()
    assert not item.removed and item.reason == AgendaReason.STOPPED


def test_adding_a_project_already_on_the_agenda_is_refused(meeting, portfolio, cast):
    followup.propose_agenda(meeting, today=TODAY)

    with pytest.raises(ValidationError) as exc:
        followup.add_agenda_item(meeting, portfolio["serious"], by=cast["reviewer"])

    assert "已在本次會議議程中" in exc.value.message_dict["project"][0]


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_bureau_users_cannot_change_an_agenda(meeting, portfolio, cast, who):
    followup.propose_agenda(meeting, today=TODAY)
    item = meeting.items.first()
    with pytest.raises(PermissionDenied):
        followup.remove_agenda_item(item, by=cast[who])
    with pytest.raises(PermissionDenied):
        followup.add_agenda_item(meeting, portfolio["behind"], by=cast[who])
    with pytest.raises(PermissionDenied):
        followup.propose_agenda(meeting, today=TODAY, by=cast[who])


def test_a_monthly_meeting_is_created_with_its_agenda_proposed(portfolio, cast):
    monthly = followup.create_meeting(
        kind=MeetingKind.MONTHLY, date=TODAY, by=cast["reviewer"], today=TODAY
    )
    quarterly = followup.create_meeting(
        kind=MeetingKind.QUARTERLY, date=TODAY, by=cast["reviewer"], today=TODAY
    )

    assert monthly.title == "113年7月重大建設暨基本設施檢討會議"
    assert len(agenda(monthly)) == 6
    assert quarterly.items.count() == 0


def test_bureau_users_cannot_create_meetings(cast):
    with pytest.raises(PermissionDenied):
        followup.create_meeting(kind=MeetingKind.MONTHLY, date=TODAY, by=cast["manager_a"])


def test_agenda_for_a_bureau_user_shows_only_projects_they_see(meeting, portfolio, cast):
    followup.propose_agenda(meeting, today=TODAY)

    groups = followup.agenda_for(meeting, user=cast["staff_b"], today=TODAY)

    shown = {row.project.pk for _reason, rows in groups for row in rows}
    assert shown == {
        portfolio["serious_b"].pk,
        portfolio["terminated"].pk,
        portfolio["checkpoint_overdue"].pk,
    }
    assert [reason for reason, _rows in groups] == [
        AgendaReason.SERIOUSLY_BEHIND,
        AgendaReason.ABNORMAL,
    ]


# -- site visits -------------------------------------------------------------------------------


def test_reviewer_records_a_site_visit(agency_a, cast):
    project = project_with(agency_a)
    visit = followup.record_site_visit(
        project,
        date=TODAY,
        participants="研考會張研究員、工務局王科長",
        findings="橋墩施作中，工區安全圍籬部分破損。",
        by=cast["reviewer"],
        today=TODAY,
    )
    assert SiteVisit.objects.get() == visit


def test_a_site_visit_cannot_be_recorded_ahead(agency_a, cast):
    project = project_with(agency_a)
    with pytest.raises(ValidationError) as exc:
        followup.record_site_visit(
            project,
            date=TODAY + timedelta(days=1),
            participants="研考會",
            findings="—",
            by=cast["reviewer"],
            today=TODAY,
        )
    assert exc.value.message_dict["date"] == ["訪視日期不得晚於今天，請於訪視後再登錄。"]


def test_bureau_users_cannot_record_site_visits(agency_a, cast):
    with pytest.raises(PermissionDenied):
        followup.record_site_visit(
            project_with(agency_a),
            date=TODAY,
            participants="工務局",
            findings="自主檢查",
            by=cast["staff_a"],
            today=TODAY,
        )


# -- directives --------------------------------------------------------------------------------


def raise_for(project, cast, **extra):
    options = {"text": "請提出趕工計畫並於下次會議報告。", "due_date": TODAY + timedelta(days=30)}
    options.update(extra)
    return followup.raise_directive(project=project, by=cast["reviewer"], today=TODAY, **options)


@pytest.fixture
def directive(agency_a, cast):
    return raise_for(project_with(agency_a), cast)


def test_a_directive_is_owed_by_the_project_host_agency_by_default(directive, agency_a):
    assert directive.responsible_agency == agency_a
    assert directive.status == DirectiveStatus.OPEN


def test_a_due_date_in_the_past_is_refused_with_a_chinese_message(agency_a, cast):
    with pytest.raises(ValidationError) as exc:
        raise_for(project_with(agency_a), cast, due_date=TODAY - timedelta(days=1))
    assert exc.value.message_dict["due_date"] == ["辦理期限不得早於今天（113.7.15）。"]


def test_a_directive_needs_its_text(agency_a, cast):
    with pytest.raises(ValidationError) as exc:
        raise_for(project_with(agency_a), cast, text="   ")
    assert exc.value.message_dict["text"] == ["請填寫管制事項內容。"]


def test_a_directive_raised_at_a_site_visit_is_about_the_visited_project(agency_a, cast):
    project = project_with(agency_a)
    visit = SiteVisit.objects.create(project=project, date=TODAY, participants="a", findings="b")

    directive = followup.raise_directive(
        text="補強安全圍籬", due_date=TODAY, site_visit=visit, by=cast["reviewer"], today=TODAY
    )

    assert directive.project == project and directive.responsible_agency == agency_a


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "staff_b"])
def test_bureau_users_cannot_raise_directives(agency_a, cast, who):
    with pytest.raises(PermissionDenied):
        followup.raise_directive(
            text="x", due_date=TODAY, project=project_with(agency_a), by=cast[who], today=TODAY
        )


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "admin"])
def test_the_responsible_agency_or_an_admin_answers(directive, cast, who):
    followup.respond_to_directive(directive, text="已要求承商增派人力趕工。", by=cast[who])
    assert directive.responses.get().by == cast[who]


@pytest.mark.parametrize("who", ["staff_b", "manager_b", "reviewer"])
def test_others_cannot_answer_a_directive(directive, cast, who):
    with pytest.raises(PermissionDenied):
        followup.respond_to_directive(directive, text="代為回覆", by=cast[who])
    assert not DirectiveResponse.objects.exists()


def test_a_closed_directive_refuses_answers(directive, cast):
    followup.close_directive(directive, by=cast["reviewer"], note="已完成趕工計畫")

    with pytest.raises(ValidationError) as exc:
        followup.respond_to_directive(directive, text="補充說明", by=cast["staff_a"])

    assert exc.value.messages == ["此管制事項已解除追蹤，不能再填寫辦理情形。"]


def test_an_answer_needs_text(directive, cast):
    with pytest.raises(ValidationError) as exc:
        followup.respond_to_directive(directive, text=" ", by=cast["staff_a"])
    assert exc.value.message_dict["text"] == ["請填寫辦理情形。"]


def test_reviewer_closes_and_reopens_a_directive(directive, cast):
    followup.close_directive(directive, by=cast["reviewer"], note="已改善")
    assert directive.status == DirectiveStatus.CLOSED
    assert directive.closed_by == cast["reviewer"] and directive.closing_note == "已改善"

    new_due = timezone.localdate() + timedelta(days=14)
    followup.reopen_directive(directive, by=cast["reviewer"], due_date=new_due)

    assert directive.status == DirectiveStatus.OPEN
    assert directive.closed_by is None and directive.due_date == new_due


def test_closing_twice_is_refused(directive, cast):
    followup.close_directive(directive, by=cast["reviewer"])
    with pytest.raises(ValidationError):
        followup.close_directive(directive, by=cast["reviewer"])


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_bureau_users_cannot_close_or_reopen(directive, cast, who):
    with pytest.raises(PermissionDenied):
        followup.close_directive(directive, by=cast[who])
    followup.close_directive(directive, by=cast["reviewer"])
    with pytest.raises(PermissionDenied):
        followup.reopen_directive(directive, by=cast[who])


def test_open_directives_before_lists_the_previous_meeting_open_ones(agency_a, cast):
    project = project_with(agency_a)
    june = ReviewMeeting.objects.create(kind=MeetingKind.MONTHLY, date=date(2024, 6, 20))
    quarterly = ReviewMeeting.objects.create(kind=MeetingKind.QUARTERLY, date=date(2024, 7, 1))
    july = ReviewMeeting.objects.create(kind=MeetingKind.MONTHLY, date=TODAY)
    still_open = raise_for(project, cast, meeting=june)
    closed = raise_for(project, cast, meeting=june)
    followup.close_directive(closed, by=cast["reviewer"])
    raise_for(project, cast, meeting=quarterly)
    raise_for(project, cast, meeting=july)

    assert list(followup.open_directives_before(july)) == [still_open]
    assert not followup.open_directives_before(june).exists()


def test_overdue_is_counted_in_days_for_open_directives_only(directive, cast):
    later = directive.due_date + timedelta(days=3)
    assert followup.days_overdue(directive, later) == 3
    followup.close_directive(directive, by=cast["reviewer"])
    assert followup.days_overdue(directive, later) == 0


# -- demo data ---------------------------------------------------------------------------------


def test_demo_follow_up_data_is_complete_and_safe_to_rerun(city_agencies):
    from django.core.management import call_command

    from projects import demo

    call_command("seed_demo", stdout=StringIO())
    counts = (
        ReviewMeeting.objects.count(),
        AgendaItem.objects.count(),
        SiteVisit.objects.count(),
        Directive.objects.count(),
        DirectiveResponse.objects.count(),
    )
    today = timezone.localdate()
    assert ReviewMeeting.objects.filter(kind=MeetingKind.MONTHLY).count() == 2
    assert ReviewMeeting.objects.filter(kind=MeetingKind.QUARTERLY).count() == 1
    assert ReviewMeeting.objects.exclude(minutes="").exists()
    assert SiteVisit.objects.count() == 3
    directives = Directive.objects.all()
    assert 12 <= directives.count() <= 18
    assert directives.values("responsible_agency").distinct().count() >= 4
    assert directives.filter(status=DirectiveStatus.CLOSED).exists()
    assert directives.filter(status=DirectiveStatus.OPEN, due_date__lt=today).exists()
    assert directives.filter(responses__isnull=False).exists()
    for response in DirectiveResponse.objects.select_related("directive", "by"):
        assert response.by.agency_id == response.directive.responsible_agency_id
    this_month = ReviewMeeting.objects.filter(kind=MeetingKind.MONTHLY).order_by("-date").first()
    assert this_month.items.filter(removed=False).exists()

    demo.seed(StringIO())

    assert counts == (
        ReviewMeeting.objects.count(),
        AgendaItem.objects.count(),
        SiteVisit.objects.count(),
        Directive.objects.count(),
        DirectiveResponse.objects.count(),
    )
