"""Follow-up pages: meetings and agendas, site visits, directives, for reviewers and bureaus."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import followup
from projects.choices import AgendaReason, DirectiveStatus, MeetingKind
from projects.models import AgendaItem, Directive, ReviewMeeting, SiteVisit
from tainan_rdec.roc import format_roc_date
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

JUNE = date(2024, 6, 1)


def roc(day):
    return format_roc_date(day)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def project_a(agency_a):
    project = make_project(agency_a, name="麻善大橋改建工程")
    filed_report(
        project, JUNE, 30, lag_reasons="基樁遇地質改變須變更設計", remedies="變更設計報核中"
    )
    return project


@pytest.fixture
def project_b(agency_b):
    project = make_project(agency_b, name="大灣排水抽水站新建工程")
    filed_report(project, JUNE, 35)
    return project


@pytest.fixture
def meeting(project_a, project_b, today):
    meeting = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=today, title="本月重大建設暨基本設施檢討會議"
    )
    followup.propose_agenda(meeting, today=today)
    return meeting


def directive_for(project, *, due, **extra):
    return Directive.objects.create(
        project=project,
        text=extra.pop("text", f"請{project.host_agency.name}提出趕工計畫"),
        responsible_agency=project.host_agency,
        due_date=due,
        **extra,
    )


@pytest.fixture
def directive_a(project_a, today):
    return directive_for(project_a, due=today + timedelta(days=10), text="請工務局提出趕工計畫")


# -- meetings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "admin", "staff_a", "manager_b"])
def test_signed_in_users_see_the_meeting_list(client_as, meeting, who):
    response = client_as(who).get(reverse("projects:meeting_list"))
    assert response.status_code == 200
    assert meeting.title in response.text


def test_anonymous_visitors_are_sent_to_login(client_as, meeting):
    response = client_as("anonymous").get(reverse("projects:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "status"), [("reviewer", 200), ("staff_a", 403)])
def test_only_reviewers_open_the_new_meeting_form(client_as, cast, who, status):
    assert client_as(who).get(reverse("projects:meeting_create")).status_code == status


def test_reviewer_creates_a_monthly_meeting_with_its_agenda(client_as, project_a, today):
    response = client_as("reviewer").post(
        reverse("projects:meeting_create"),
        {"kind": MeetingKind.MONTHLY, "date": roc(today), "title": "", "chair": "主任委員"},
    )
    meeting = ReviewMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:meeting_detail", args=[meeting.pk])
    assert list(meeting.items.values_list("project", flat=True)) == [project_a.pk]


def test_bureau_users_cannot_post_a_meeting(client_as):
    response = client_as("manager_a").post(
        reverse("projects:meeting_create"), {"kind": MeetingKind.MONTHLY, "date": "113.3.26"}
    )
    assert response.status_code == 403
    assert not ReviewMeeting.objects.exists()


def test_reviewer_sees_the_agenda_with_latest_figures_and_reasons(client_as, meeting):
    response = client_as("reviewer").get(reverse("projects:meeting_detail", args=[meeting.pk]))
    text = response.text
    assert response.status_code == 200
    assert "嚴重落後" in text
    assert "麻善大橋改建工程" in text and "大灣排水抽水站新建工程" in text
    assert "基樁遇地質改變須變更設計" in text and "變更設計報核中" in text
    assert "-20.00" in text  # 30% actual against 50% planned in June
    assert "移出議程" in text


def test_bureau_users_see_only_their_own_projects_on_the_agenda(client_as, meeting):
    response = client_as("staff_b").get(reverse("projects:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "大灣排水抽水站新建工程" in response.text
    assert "麻善大橋改建工程" not in response.text
    assert "移出議程" not in response.text


def test_meeting_shows_the_previous_meeting_open_directives(client_as, meeting, project_a):
    earlier = ReviewMeeting.objects.create(
        kind=MeetingKind.MONTHLY, date=meeting.date - timedelta(days=30), title="上月會議"
    )
    directive_for(project_a, due=meeting.date, meeting=earlier, text="上月交辦的圍籬改善事項")
    response = client_as("staff_a").get(reverse("projects:meeting_detail", args=[meeting.pk]))
    assert "上月交辦的圍籬改善事項" in response.text


def test_reviewer_removes_an_agenda_item(client_as, meeting, project_a):
    item = meeting.items.get(project=project_a)
    response = client_as("reviewer").post(
        reverse("projects:meeting_agenda", args=[meeting.pk]), {"action": "remove", "item": item.pk}
    )
    item.refresh_from_db()
    assert response.status_code == 302 and item.removed


def test_reviewer_adds_an_agenda_item(client_as, meeting, agency_a):
    extra = make_project(agency_a, name="中正南路拓寬工程")
    response = client_as("reviewer").post(
        reverse("projects:meeting_agenda", args=[meeting.pk]),
        {"action": "add", "project": extra.pk, "note": "連續落後"},
    )
    assert response.status_code == 302
    assert meeting.items.get(project=extra).reason == AgendaReason.MANUAL


def test_reviewer_reproposes_the_agenda(client_as, meeting, agency_a, today):
    late = make_project(agency_a, name="新增嚴重落後案")
    filed_report(late, JUNE, 10)
    response = client_as("reviewer").post(
        reverse("projects:meeting_agenda", args=[meeting.pk]), {"action": "propose"}
    )
    assert response.status_code == 302
    assert meeting.items.filter(project=late).exists()


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_bureau_users_cannot_change_the_agenda(client_as, meeting, project_a, who):
    item = meeting.items.get(project=project_a)
    response = client_as(who).post(
        reverse("projects:meeting_agenda", args=[meeting.pk]), {"action": "remove", "item": item.pk}
    )
    item.refresh_from_db()
    assert response.status_code == 403 and not item.removed


def test_the_agenda_url_takes_posts_only(client_as, meeting):
    response = client_as("reviewer").get(reverse("projects:meeting_agenda", args=[meeting.pk]))
    assert response.status_code == 405


def test_reviewer_records_minutes_and_bureau_cannot(client_as, meeting):
    url = reverse("projects:meeting_detail", args=[meeting.pk])
    assert client_as("staff_a").post(url, {"minutes": "竄改"}).status_code == 403
    response = client_as("reviewer").post(url, {"chair": "主任委員", "minutes": "一、洽悉。"})
    meeting.refresh_from_db()
    assert response.status_code == 302 and meeting.minutes == "一、洽悉。"


# -- site visits -------------------------------------------------------------------------------


def test_reviewer_records_a_site_visit_typed_in_the_roc_calendar(client_as, project_a, today):
    response = client_as("reviewer").post(
        reverse("projects:visit_create", args=[project_a.pk]),
        {"date": roc(today), "participants": "研考會、工務局", "findings": "安全圍籬破損"},
    )
    visit = SiteVisit.objects.get()
    assert response.status_code == 302 and visit.date == today


def test_a_future_visit_date_is_refused_on_the_form(client_as, project_a, today):
    response = client_as("reviewer").post(
        reverse("projects:visit_create", args=[project_a.pk]),
        {"date": roc(today + timedelta(days=3)), "participants": "研考會", "findings": "—"},
    )
    assert response.status_code == 200
    assert "訪視日期不得晚於今天" in response.text
    assert not SiteVisit.objects.exists()


def test_bureau_users_cannot_record_site_visits(client_as, project_a):
    response = client_as("staff_a").get(reverse("projects:visit_create", args=[project_a.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "status"), [("reviewer", 200), ("staff_a", 200), ("staff_b", 404), ("admin", 200)]
)
def test_a_site_visit_is_seen_by_its_agency_and_the_commission(
    client_as, project_a, today, who, status
):
    visit = SiteVisit.objects.create(
        project=project_a, date=today, participants="研考會", findings="圍籬破損"
    )
    response = client_as(who).get(reverse("projects:visit_detail", args=[visit.pk]))
    assert response.status_code == status


# -- directives --------------------------------------------------------------------------------


def test_reviewer_raises_a_directive_from_a_meeting(client_as, meeting, project_a, agency_a):
    url = reverse("projects:directive_create") + f"?meeting={meeting.pk}"
    due = timezone.localdate() + timedelta(days=14)
    response = client_as("reviewer").post(
        url,
        {
            "project": project_a.pk,
            "text": "請提出趕工計畫",
            "responsible_agency": agency_a.pk,
            "due_date": roc(due),
        },
    )
    directive = Directive.objects.get()
    assert response.status_code == 302
    assert (directive.meeting, directive.project, directive.due_date) == (meeting, project_a, due)


def test_a_past_due_date_is_refused_with_a_chinese_message(client_as, project_a, agency_a, today):
    url = reverse("projects:directive_create") + f"?project={project_a.pk}"
    response = client_as("reviewer").post(
        url,
        {
            "text": "請提出趕工計畫",
            "responsible_agency": agency_a.pk,
            "due_date": roc(today - timedelta(days=1)),
        },
    )
    assert response.status_code == 200
    assert f"辦理期限不得早於今天（{roc(today)}）。" in response.text
    assert not Directive.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "manager_b"])
def test_bureau_users_cannot_raise_directives(client_as, project_a, who):
    url = reverse("projects:directive_create") + f"?project={project_a.pk}"
    assert client_as(who).get(url).status_code == 403


def test_a_bad_origin_in_the_query_is_not_found(client_as):
    url = reverse("projects:directive_create") + "?project=abc"
    assert client_as("reviewer").get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("staff_a", 200), ("manager_a", 200), ("reviewer", 200), ("staff_b", 404), ("manager_b", 404)],
)
def test_a_directive_is_seen_by_its_agency_and_the_commission(client_as, directive_a, who, status):
    response = client_as(who).get(reverse("projects:directive_detail", args=[directive_a.pk]))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_the_responsible_agency_answers_in_the_browser(client_as, directive_a, who):
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    response = client_as(who).post(url, {"action": "respond", "text": "已要求承商增派人力"})
    assert response.status_code == 302
    assert directive_a.responses.get().text == "已要求承商增派人力"
    assert "已要求承商增派人力" in client_as(who).get(url).text


def test_another_agency_cannot_answer(client_as, directive_a):
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    response = client_as("staff_b").post(url, {"action": "respond", "text": "代答"})
    assert response.status_code == 404
    assert not directive_a.responses.exists()


def test_a_reviewer_cannot_answer_for_the_agency(client_as, directive_a):
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    response = client_as("reviewer").post(url, {"action": "respond", "text": "代答"})
    assert response.status_code == 403


def test_a_closed_directive_refuses_answers_on_the_page(client_as, cast, directive_a):
    followup.close_directive(directive_a, by=cast["reviewer"])
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    page = client_as("staff_a").get(url)
    assert "送出辦理情形" not in page.text
    response = client_as("staff_a").post(url, {"action": "respond", "text": "補充"})
    assert response.status_code == 400
    assert "此管制事項已解除追蹤，不能再填寫辦理情形。" in response.text


def test_reviewer_closes_and_reopens_on_the_page(client_as, directive_a):
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    client = client_as("reviewer")
    assert client.post(url, {"action": "close", "note": "已改善"}).status_code == 302
    directive_a.refresh_from_db()
    assert directive_a.status == DirectiveStatus.CLOSED
    assert client.post(url, {"action": "reopen", "due_date": ""}).status_code == 302
    directive_a.refresh_from_db()
    assert directive_a.status == DirectiveStatus.OPEN


def test_bureau_users_cannot_close_a_directive(client_as, directive_a):
    url = reverse("projects:directive_detail", args=[directive_a.pk])
    assert client_as("manager_a").post(url, {"action": "close"}).status_code == 403


def test_bureau_list_shows_its_open_directives_first_with_overdue_in_words(
    client_as, cast, project_a, project_b, today
):
    closed = directive_for(project_a, due=today - timedelta(days=30), text="已辦結的事項")
    followup.close_directive(closed, by=cast["reviewer"])
    directive_for(project_a, due=today + timedelta(days=5), text="尚未到期的事項")
    directive_for(project_a, due=today - timedelta(days=4), text="已逾期的事項")
    directive_for(project_b, due=today, text="水利局的事項")

    text = client_as("staff_a").get(reverse("projects:directive_list")).text

    assert "水利局的事項" not in text
    assert text.index("已逾期的事項") < text.index("尚未到期的事項") < text.index("已辦結的事項")
    assert "（逾期4日）" in text
    assert "篩選" not in text


def test_reviewer_filters_directives_by_agency_status_and_overdue(
    client_as, project_a, project_b, agency_b, today
):
    directive_for(project_a, due=today - timedelta(days=2), text="工務局逾期事項")
    directive_for(project_a, due=today + timedelta(days=9), text="工務局未到期事項")
    directive_for(project_b, due=today + timedelta(days=9), text="水利局未到期事項")
    client = client_as("reviewer")
    url = reverse("projects:directive_list")

    by_agency = client.get(url, {"agency": agency_b.pk}).text
    overdue = client.get(url, {"overdue": "on"}).text
    closed = client.get(url, {"status": DirectiveStatus.CLOSED}).text

    assert "水利局未到期事項" in by_agency and "工務局未到期事項" not in by_agency
    assert "工務局逾期事項" in overdue and "未到期事項" not in overdue
    assert "沒有符合條件的管制事項" in closed


# -- query counts ------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_meeting(meeting, agencies, n, today):
    """``n`` projects on the agenda, each with a report and a directive raised at it."""
    for i in range(n):
        project = make_project(agencies[i % 2], name=f"議程案件{i}")
        filed_report(project, JUNE, 20, lag_reasons="缺工", remedies="趕工")
        AgendaItem.objects.create(
            meeting=meeting, project=project, reason=AgendaReason.SERIOUSLY_BEHIND, order=i
        )
        directive_for(project, due=today - timedelta(days=i % 3), meeting=meeting)


@pytest.mark.parametrize("who", ["reviewer", "staff_a"])
def test_meeting_page_queries_do_not_grow_with_the_agenda(
    client_as, agency_a, agency_b, today, who
):
    small = ReviewMeeting.objects.create(kind=MeetingKind.MONTHLY, date=today, title="小")
    large = ReviewMeeting.objects.create(kind=MeetingKind.QUARTERLY, date=today, title="大")
    _grow_meeting(small, [agency_a, agency_b], 3, today)
    _grow_meeting(large, [agency_a, agency_b], 20, today)
    client = client_as(who)

    few = _queries(client, reverse("projects:meeting_detail", args=[small.pk]))
    many = _queries(client, reverse("projects:meeting_detail", args=[large.pk]))

    assert few == many


@pytest.mark.parametrize("who", ["reviewer", "staff_a"])
def test_directive_list_queries_do_not_grow_with_the_rows(client_as, agency_a, today, who):
    project = make_project(agency_a)
    client = client_as(who)
    url = reverse("projects:directive_list")
    for i in range(3):
        directive_for(project, due=today - timedelta(days=i))
    few = _queries(client, url)
    for i in range(17):
        directive = directive_for(project, due=today + timedelta(days=i))
        directive.responses.create(text="辦理中")

    many = _queries(client, url)

    assert few == many
