"""The notifications pages: my reminders newest first, the unread count in the header, opening
one marks it read and goes to its page, others' reminders are 404."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tainan_rdec.choices import ReminderState
from tainan_rdec.models import Reminder


@pytest.fixture
def make_reminder(agency_a, settings):
    settings.PORTAL_BASE_URL = "https://rdec.tainan.example"
    content_type = ContentType.objects.get_for_model(agency_a)
    made = iter(range(1, 10_000))

    def make(recipient, subject="【稽催】測試工程113年3月辦理情形已逾填報期限", **fields):
        n = next(made)
        return Reminder.objects.create(
            kind="test.notice",
            recipient=recipient,
            content_type=content_type,
            object_id=agency_a.pk,
            period=date(2024, 3, 1) + timedelta(days=n),
            subject=f"{subject}（{n}）",
            body="請儘速填報。",
            link=fields.pop("link", "https://rdec.tainan.example/projects/"),
            state=fields.pop("state", ReminderState.SENT),
            **fields,
        )

    return make


def test_the_list_shows_my_reminders_newest_first_with_unread_marked(
    client_as, cast, make_reminder
):
    old = make_reminder(cast["staff_a"], read_at=timezone.now())
    new = make_reminder(cast["staff_a"])
    make_reminder(cast["staff_b"], subject="別人的通知")

    response = client_as("staff_a").get("/notifications/")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [new, old]
    html = response.content.decode()
    assert "別人的通知" not in html
    assert html.count("<strong>未讀</strong>") == 1
    assert html.index(new.subject) < html.index(old.subject)


def test_the_list_pages_by_thirty(client_as, cast, make_reminder):
    for _ in range(31):
        make_reminder(cast["staff_a"])
    response = client_as("staff_a").get("/notifications/?page=2")
    assert len(response.context["page"].object_list) == 1


def test_the_header_shows_my_unread_count(client_as, cast, make_reminder):
    make_reminder(cast["staff_a"])
    make_reminder(cast["staff_a"])
    make_reminder(cast["staff_a"], read_at=timezone.now())
    make_reminder(cast["staff_b"])

    html = client_as("staff_a").get("/").content.decode()

    assert 'href="/notifications/"' in html
    assert "通知（2）" in html


def test_the_anonymous_header_has_no_count_and_the_list_needs_a_login(client):
    assert "通知（" not in client.get("/accounts/login/").content.decode()
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_opening_a_reminder_marks_it_read_and_goes_to_its_page(client_as, cast, make_reminder):
    reminder = make_reminder(
        cast["staff_a"], link="https://rdec.tainan.example/projects/7/reports/2024/3/"
    )

    response = client_as("staff_a").post(f"/notifications/{reminder.pk}/read/")

    assert response.status_code == 302
    assert response["Location"] == "/projects/7/reports/2024/3/"
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_a_reminder_linking_elsewhere_goes_back_to_the_list(client_as, cast, make_reminder):
    reminder = make_reminder(cast["staff_a"], link="https://evil.example/phish")
    response = client_as("staff_a").post(f"/notifications/{reminder.pk}/read/")
    assert response["Location"] == "/notifications/"


def test_marking_all_read(client_as, cast, make_reminder):
    make_reminder(cast["staff_a"])
    make_reminder(cast["staff_a"])
    others = make_reminder(cast["staff_b"])

    response = client_as("staff_a").post("/notifications/")

    assert response.status_code == 302
    assert not Reminder.objects.for_user(cast["staff_a"]).unread().exists()
    others.refresh_from_db()
    assert others.read_at is None


@pytest.mark.parametrize("who", ["staff_b", "reviewer", "admin"])
def test_another_users_reminder_is_not_found(client_as, cast, make_reminder, who):
    reminder = make_reminder(cast["staff_a"])
    response = client_as(who).post(f"/notifications/{reminder.pk}/read/")
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.read_at is None


def test_reading_needs_a_post(client_as, cast, make_reminder):
    reminder = make_reminder(cast["staff_a"])
    assert client_as("staff_a").get(f"/notifications/{reminder.pk}/read/").status_code == 405


def test_the_list_runs_the_same_queries_for_more_reminders(client_as, cast, make_reminder):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("staff_a")
    make_reminder(cast["staff_a"])
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for _ in range(20):
        make_reminder(cast["staff_a"])
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_reminder_not_e_mailed_is_marked_portal_only(client_as, cast, make_reminder):
    make_reminder(cast["manager_a"], state=ReminderState.PORTAL_ONLY)
    make_reminder(cast["manager_a"])

    html = client_as("manager_a").get("/notifications/").content.decode()

    assert html.count("僅站內通知") == 1
