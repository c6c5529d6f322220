"""The project-control reminder rules (projects/reminders.py) on the real 113年 calendar.

March 113 (2024-03) is due on 113.4.10 (Wednesday). 4.4–4.5 are holidays (兒童節、清明節) and
4.6–4.7 a weekend, so the reminder three working days before goes out on 113.4.3; the urge on
the first working day after, 113.4.11; the escalation five working days after, 113.4.17.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from projects import reminders, services
from projects.choices import DirectiveStatus, ReportState
from projects.models import ControlSettings, Directive, MonthlyReport, ReportTransition
from projects.reminders import ReminderKind
from projects.tasks import daily_project_reminders
from tainan_rdec import workdays
from tainan_rdec.choices import ReminderState, Role
from tainan_rdec.models import Reminder
from tainan_rdec.workdays import TAIPEI
from tests.projects.factories import filed_report, make_project

MARCH = date(2024, 3, 1)
PORTAL = "https://rdec.tainan.example"


@pytest.fixture(autouse=True)
def _portal_address(settings):
    settings.PORTAL_BASE_URL = PORTAL


@pytest.fixture
def people(cast):
    """The cast with an e-mail address each, so every reminder is also a message."""
    for user in cast.values():
        if user is not None:
            user.email = f"{user.username}@tainan.gov.tw"
            user.save(update_fields=["email"])
    return cast


@pytest.fixture
def projects(agency_a, agency_b):
    """Three listed projects owing March, one filed, one that starts in May."""
    return {
        "unfiled_a": make_project(agency_a, name="安平港聯外道路拓寬工程"),
        "unfiled_b": make_project(agency_b, name="鹽水溪排水改善工程"),
        "filed_a": make_project(agency_a, name="永康區運動中心新建工程"),
        "later_a": make_project(agency_a, name="新營區圖書館新建工程", start=date(2024, 5, 1)),
    }


@pytest.fixture
def filed(projects):
    filed_report(projects["filed_a"], MARCH, "25.00", state=ReportState.SUBMITTED)


def run(rule, day, capture):
    with capture(execute=True):
        return rule(day)


def sent_to(kind=None):
    rows = Reminder.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted((r.recipient.username, r.subject) for r in rows.select_related("recipient"))


def recipients(kind):
    return sorted(Reminder.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def message_to(username):
    [message] = [m for m in mail.outbox if m.to == [f"{username}@tainan.gov.tw"]]
    return message


# -- the calendar the rules count on -------------------------------------------------------


def test_march_113_is_due_on_113_4_10_and_reminded_on_113_4_3(db):
    assert ControlSettings.get().filing_deadline(MARCH) == date(2024, 4, 10)
    assert not workdays.is_working_day(date(2024, 4, 4))
    assert not workdays.is_working_day(date(2024, 4, 5))
    assert workdays.working_days_between(date(2024, 4, 3), date(2024, 4, 10)) == 3
    assert workdays.working_days_between(date(2024, 4, 2), date(2024, 4, 10)) == 4
    assert workdays.working_days_between(date(2024, 4, 10), date(2024, 4, 17)) == 5


# -- before the deadline -----------------------------------------------------------------------


def test_filers_of_unfiled_projects_are_reminded_three_working_days_before(
    people, projects, filed, django_capture_on_commit_callbacks
):
    assert (
        run(reminders.remind_before_deadline, date(2024, 4, 2), django_capture_on_commit_callbacks)
        == []
    )

    created = run(
        reminders.remind_before_deadline, date(2024, 4, 3), django_capture_on_commit_callbacks
    )

    assert {(r.recipient.username, r.object_id) for r in created} == {
        ("staff_a", projects["unfiled_a"].pk),
        ("staff_b", projects["unfiled_b"].pk),
    }
    assert {r.kind for r in created} == {ReminderKind.FILING_DUE}
    assert {r.period for r in created} == {MARCH}
    assert len(mail.outbox) == 2


def test_the_reminder_email_has_roc_dates_and_a_link_to_the_filing_page(
    people, projects, filed, django_capture_on_commit_callbacks
):
    run(reminders.remind_before_deadline, date(2024, 4, 3), django_capture_on_commit_callbacks)

    message = message_to("staff_a")
    project = projects["unfiled_a"]
    link = f"{PORTAL}/projects/{project.pk}/reports/2024/3/"
    assert (
        message.subject
        == "【管考入口網】安平港聯外道路拓寬工程113年3月辦理情形請於113年4月10日前填報"
    )
    assert "113年3月" in message.body
    assert "113年4月10日" in message.body
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "113年4月10日" in html


def test_an_agency_without_filers_has_its_manager_reminded(
    people, projects, filed, django_capture_on_commit_callbacks
):
    people["staff_b"].is_active = False
    people["staff_b"].save()

    run(reminders.remind_before_deadline, date(2024, 4, 3), django_capture_on_commit_callbacks)

    assert recipients(ReminderKind.FILING_DUE) == ["manager_b", "staff_a"]


# -- after the deadline ------------------------------------------------------------------------


def test_unfiled_projects_are_urged_on_the_first_working_day_after_the_deadline(
    people, projects, filed, cast, django_capture_on_commit_callbacks
):
    # A draft and a returned report are not filed; a submitted one is.
    filed_report(projects["unfiled_a"], MARCH, "25.00", state=ReportState.DRAFT)
    filed_report(projects["unfiled_b"], MARCH, "25.00", state=ReportState.RETURNED)
    assert (
        run(reminders.urge_after_deadline, date(2024, 4, 10), django_capture_on_commit_callbacks)
        == []
    )

    run(reminders.urge_after_deadline, date(2024, 4, 11), django_capture_on_commit_callbacks)

    assert recipients(ReminderKind.FILING_OVERDUE) == [
        "manager_a",
        "manager_b",
        "staff_a",
        "staff_b",
    ]
    message = message_to("manager_a")
    assert message.subject.startswith("【稽催】安平港聯外道路拓寬工程113年3月")
    assert "113年4月10日" in message.body
    assert (
        run(reminders.urge_after_deadline, date(2024, 4, 12), django_capture_on_commit_callbacks)
        == []
    )


def test_escalation_goes_to_the_head_contact_and_one_summary_to_each_reviewer(
    people,
    projects,
    filed,
    make_user,
    agency_a,
    agency_b,
    rdec_agency,
    django_capture_on_commit_callbacks,
):
    make_user("head_a", Role.BUREAU_MANAGER, agency_a, email="Head.A@tainan.gov.tw")
    agency_a.head_contact_name, agency_a.head_contact_email = "王局長", "head.a@tainan.gov.tw"
    agency_a.save()
    # 水利局's head contact has no portal account: its managers get it to pass on.
    agency_b.head_contact_name, agency_b.head_contact_email = "李局長", "li@tainan.gov.tw"
    agency_b.save()
    make_user("reviewer2", Role.REVIEWER, rdec_agency, email="reviewer2@tainan.gov.tw")
    assert (
        run(reminders.escalate_overdue, date(2024, 4, 16), django_capture_on_commit_callbacks) == []
    )

    run(reminders.escalate_overdue, date(2024, 4, 17), django_capture_on_commit_callbacks)

    assert recipients(ReminderKind.ESCALATION_AGENCY) == ["head_a", "manager_b"]
    assert recipients(ReminderKind.ESCALATION_COMMISSION) == ["reviewer", "reviewer2"]
    head = next(m for m in mail.outbox if m.to == ["Head.A@tainan.gov.tw"])
    assert head.subject == "【陳報】臺南市政府工務局113年3月列管案件逾期未填報計1案"
    assert "安平港聯外道路拓寬工程" in head.body
    assert "永康區運動中心新建工程" not in head.body
    assert "李局長" in message_to("manager_b").body
    summary = message_to("reviewer")
    assert summary.subject == "【陳報】113年3月列管案件逾期未填報計2案（2個機關）"
    assert "安平港聯外道路拓寬工程" in summary.body
    assert "鹽水溪排水改善工程" in summary.body
    assert f"{PORTAL}/projects/dashboard/" in summary.body


def test_nothing_is_escalated_when_everything_is_filed(
    people, projects, django_capture_on_commit_callbacks
):
    for project in projects.values():
        filed_report(project, MARCH, "25.00", state=ReportState.ACCEPTED)
    assert (
        run(reminders.escalate_overdue, date(2024, 4, 17), django_capture_on_commit_callbacks) == []
    )


# -- the daily task ----------------------------------------------------------------------------


def test_running_the_daily_task_again_sends_nothing_new(
    people, projects, filed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_project_reminders.delay("2024-04-03").get()
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = daily_project_reminders.delay("2024-04-03").get()

    assert first == 2
    assert second == 0
    assert len(mail.outbox) == sent == 2


def test_the_daily_task_runs_for_todays_date_in_taipei(
    people, projects, django_capture_on_commit_callbacks
):
    # 2024-04-11 00:30 in Taipei is still 10 April in UTC.
    with time_machine.travel(datetime(2024, 4, 11, 0, 30, tzinfo=TAIPEI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            daily_project_reminders.delay().get()
    assert set(Reminder.objects.values_list("kind", flat=True)) == {ReminderKind.FILING_OVERDUE}


def test_the_daily_task_sends_nothing_on_a_day_off(
    people, projects, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_project_reminders.delay("2024-04-04").get() == 0  # 兒童節
    assert mail.outbox == []


# -- returned reports --------------------------------------------------------------------------


def submitted_march_report(project, cast):
    report = services.start_report(project, MARCH, by=cast["staff_a"], today=date(2024, 4, 2))
    report.actual_percent = Decimal("25.00")
    report.paid = 20_000_000
    report.progress_text = "主體結構施作中"
    services.save_report(report, by=cast["staff_a"])
    return services.submit_report(report, by=cast["manager_a"])


def test_returning_a_report_tells_the_filer_at_once_with_the_comment(
    people, projects, django_capture_on_commit_callbacks
):
    report = submitted_march_report(projects["unfiled_a"], people)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(
            report, by=people["reviewer"], comment="實支數與會計報表不符，請更正。"
        )

    assert recipients(ReminderKind.REPORT_RETURNED) == ["manager_a", "staff_a"]
    message = message_to("staff_a")
    assert message.subject == "【退回】安平港聯外道路拓寬工程113年3月填報經研考會退回，請修正後再送"
    assert "實支數與會計報表不符，請更正。" in message.body
    assert f"{PORTAL}/projects/{report.project_id}/reports/2024/3/" in message.body
    assert "實支數與會計報表不符" in message.alternatives[0][0]


def test_a_second_return_is_a_second_notice_and_a_rerun_is_none(
    people, projects, django_capture_on_commit_callbacks
):
    report = submitted_march_report(projects["unfiled_a"], people)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(report, by=people["reviewer"], comment="請補充照片")
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.notify_returned_report(report.pk) == []
    services.submit_report(report, by=people["manager_a"])
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(report, by=people["reviewer"], comment="照片仍不清楚")

    assert len(mail.outbox) == 4  # staff_a and manager_a, twice
    assert "照片仍不清楚" in mail.outbox[-1].body


def test_when_the_filers_have_left_the_agency_staff_are_told(
    people, projects, make_user, agency_a, django_capture_on_commit_callbacks
):
    report = submitted_march_report(projects["unfiled_a"], people)
    for name in ("staff_a", "manager_a"):
        people[name].is_active = False
        people[name].save()
    make_user("staff_a2", Role.BUREAU_STAFF, agency_a, email="staff_a2@tainan.gov.tw")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_report(report, by=people["reviewer"], comment="請補充照片")

    assert recipients(ReminderKind.REPORT_RETURNED) == ["staff_a2"]


def test_a_notice_is_logged_with_the_return_even_when_its_dispatch_is_lost(
    people, projects, django_capture_on_commit_callbacks
):
    report = submitted_march_report(projects["unfiled_a"], people)
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        services.return_report(report, by=people["reviewer"], comment="請補充照片")
    # Written in the return's transaction: the sweep sends them once the broker is back.
    assert recipients(ReminderKind.REPORT_RETURNED) == ["manager_a", "staff_a"]
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.PENDING}

    with django_capture_on_commit_callbacks(execute=True):
        daily_project_reminders.delay("2024-04-08").get()
    assert Reminder.objects.filter(kind=ReminderKind.REPORT_RETURNED).count() == 2


def test_a_report_returned_another_way_gets_its_notice_from_the_daily_task(
    people, projects, django_capture_on_commit_callbacks
):
    report = submitted_march_report(projects["unfiled_a"], people)
    # Returned without the service (e.g. corrected in the admin): no notice was written.
    ReportTransition.objects.create(
        report=report,
        from_state=ReportState.SUBMITTED,
        to_state=ReportState.RETURNED,
        by=people["reviewer"],
        comment="請補充照片",
    )
    MonthlyReport.objects.filter(pk=report.pk).update(state=ReportState.RETURNED)
    assert not Reminder.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        daily_project_reminders.delay("2024-04-08").get()

    assert recipients(ReminderKind.REPORT_RETURNED) == ["manager_a", "staff_a"]


# -- directives --------------------------------------------------------------------------------


@pytest.fixture
def directive(projects, agency_a, people):
    return Directive.objects.create(
        project=projects["unfiled_a"],
        text="請於下次會議前提出交通維持計畫",
        responsible_agency=agency_a,
        due_date=date(2024, 4, 10),
        raised_by=people["reviewer"],
    )


def test_a_directive_is_reminded_before_its_due_date_and_urged_after_it(
    directive, django_capture_on_commit_callbacks
):
    assert (
        run(reminders.remind_directives, date(2024, 4, 2), django_capture_on_commit_callbacks) == []
    )
    run(reminders.remind_directives, date(2024, 4, 3), django_capture_on_commit_callbacks)
    assert recipients(ReminderKind.DIRECTIVE_DUE) == ["manager_a", "staff_a"]
    message = message_to("staff_a")
    assert message.subject == "【提醒】管制事項將於113年4月10日到期，請填寫辦理情形"
    assert "請於下次會議前提出交通維持計畫" in message.body
    assert f"{PORTAL}/projects/directives/{directive.pk}/" in message.body

    assert (
        run(reminders.remind_directives, date(2024, 4, 10), django_capture_on_commit_callbacks)
        == []
    )
    run(reminders.remind_directives, date(2024, 4, 11), django_capture_on_commit_callbacks)
    assert recipients(ReminderKind.DIRECTIVE_OVERDUE) == ["manager_a", "staff_a"]
    assert "113年4月10日" in mail.outbox[-1].subject


def test_a_directive_due_on_a_day_off_is_urged_after_the_next_working_day(
    directive, django_capture_on_commit_callbacks
):
    directive.due_date = date(2024, 4, 13)  # Saturday: due Monday 4.15
    directive.save()
    assert (
        run(reminders.remind_directives, date(2024, 4, 15), django_capture_on_commit_callbacks)
        == []
    )
    assert (
        len(run(reminders.remind_directives, date(2024, 4, 16), django_capture_on_commit_callbacks))
        == 2
    )


def test_a_closed_directive_is_not_reminded(directive, django_capture_on_commit_callbacks):
    directive.status = DirectiveStatus.CLOSED
    directive.save()
    assert (
        run(reminders.remind_directives, date(2024, 4, 3), django_capture_on_commit_callbacks) == []
    )
    assert (
        run(reminders.remind_directives, date(2024, 4, 11), django_capture_on_commit_callbacks)
        == []
    )
