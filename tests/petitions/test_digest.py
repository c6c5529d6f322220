"""The daily overdue digest (petitions/reminders.py) on the real 113年 calendar.

Friday 113.3.15 (2024-03-15): the next working day is Monday 113.3.18, so the digest lists the
open cases due on or before 3.18; a case due 3.13 is two working days overdue.
"""

from datetime import date

import pytest
from django.core import mail

from petitions.choices import CaseStatus
from petitions.reminders import ReminderKind, daily_overdue_digest
from petitions.tasks import send_overdue_digests
from tainan_rdec.models import Agency, Reminder
from tests.petitions.builders import make_case, taipei

FRIDAY = date(2024, 3, 15)
SATURDAY = date(2024, 3, 16)
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
def cases(agency_a, agency_b):
    received = taipei(2024, 3, 8, 9, 0)

    def case(agency, due, number, status=CaseStatus.IN_PROGRESS, code="0501"):
        return make_case(
            agency,
            received_at=received,
            due_date=due,
            status=status,
            code=code,
            case_number=number,
        )

    return {
        "overdue": case(agency_a, date(2024, 3, 13), "UN202403080001"),
        "today": case(agency_a, FRIDAY, "UN202403080002", code="0901"),
        "monday": case(agency_a, date(2024, 3, 18), "UN202403080003"),
        "later": case(agency_a, date(2024, 3, 19), "UN202403080004"),
        "closed": case(agency_a, date(2024, 3, 12), "UN202403080005", CaseStatus.CLOSED),
        "b_later": case(agency_b, date(2024, 3, 20), "UN202403080006"),
        # An agency with a due case but nobody in the portal to tell.
        "nobody": case(Agency.objects.get(code="B17"), date(2024, 3, 14), "UN202403080007"),
    }


def run(day, capture):
    with capture(execute=True):
        return daily_overdue_digest(day)


def test_each_agency_with_due_cases_gets_one_email_per_person(
    people, cases, django_capture_on_commit_callbacks
):
    created = run(FRIDAY, django_capture_on_commit_callbacks)

    assert sorted(r.recipient.username for r in created) == ["manager_a", "staff_a"]
    assert {r.kind for r in created} == {ReminderKind.OVERDUE_DIGEST}
    assert {r.period for r in created} == {FRIDAY}
    assert {r.object_id for r in created} == {cases["overdue"].handling_agency_id}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "manager_a@tainan.gov.tw",
        "staff_a@tainan.gov.tw",
    ]


def test_the_digest_lists_due_and_overdue_cases_with_roc_dates_and_the_link(
    people, cases, django_capture_on_commit_callbacks
):
    run(FRIDAY, django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == ["staff_a@tainan.gov.tw"]]
    html = message.alternatives[0][0]

    assert "逾期1件、即將到期2件" in message.subject
    for body in (message.body, html):
        assert "UN202403080001" in body
        assert "113.3.13" in body
        assert "逾期2個工作天" in body
        assert "UN202403080002" in body and "今日到期" in body
        assert "動物救援" in body
        assert "UN202403080003" in body and "113.3.18" in body and "下一工作天到期" in body
        assert "UN202403080004" not in body  # due after the next working day
        assert "UN202403080005" not in body  # closed
        assert f"{PORTAL}/petitions/mine/" in body
    assert "113年3月15日" in message.body


def test_running_the_task_again_the_same_day_sends_nothing_new(
    people, cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send_overdue_digests.delay(FRIDAY.isoformat()).get()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_overdue_digests.delay(FRIDAY.isoformat()).get()

    assert (first, second) == (2, 0)
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_nothing_is_sent_on_a_weekend(people, cases, django_capture_on_commit_callbacks):
    assert run(SATURDAY, django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


def test_an_agency_without_due_cases_gets_nothing(
    people, cases, django_capture_on_commit_callbacks
):
    run(FRIDAY, django_capture_on_commit_callbacks)

    recipients = set(Reminder.objects.values_list("recipient__username", flat=True))
    assert not recipients & {"staff_b", "manager_b", "reviewer", "admin"}


def test_the_next_working_day_sends_a_new_digest(people, cases, django_capture_on_commit_callbacks):
    run(FRIDAY, django_capture_on_commit_callbacks)
    created = run(date(2024, 3, 18), django_capture_on_commit_callbacks)

    assert sorted(r.recipient.username for r in created) == ["manager_a", "staff_a"]
    # 3.13 and 3.15 now overdue; 3.18 due today and 3.19 the next working day.
    assert "逾期2件、即將到期2件" in created[0].subject
