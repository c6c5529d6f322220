"""The problem group pages: the list (largest open first, filters, calls and problems side by
side by agency, category and event), a group's page with its cases, a reviewer's split and
merge through the pages, and the event view's largest open groups."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.messages import get_messages

from petitions import problems, stats
from petitions.choices import CaseStatus
from petitions.models import Case, Event, ProblemGroup

pytestmark = pytest.mark.django_db

POTHOLE = "中華東路一段路面坑洞，機車行經危險"
DARK = "大學路路燈不亮，夜間行人很危險"
AT_ONE = {"address": "臺南市東區大學路1號", "description": POTHOLE}
AT_TWO = {"address": "臺南市東區中華東路一段100號", "description": POTHOLE}


@pytest.fixture
def city(make_case, agency_b):
    """Agency A: a pothole called about three times (one call closed) and another twice;
    agency B: a dark street twice (category 路燈); a call alone. 8 calls, 4 problems."""
    three = [make_case(f"2024-03-0{d} 09:00", **AT_ONE) for d in (4, 5, 6)]
    Case.objects.filter(pk=three[2].pk).update(status=CaseStatus.CLOSED)
    two = [make_case(f"2024-03-0{d} 10:00", **AT_TWO) for d in (4, 5)]
    lamp = {"address": "臺南市東區大學路9號", "description": DARK, "code": "0201"}
    dark = [make_case(f"2024-03-0{d} 11:00", agency=agency_b, **lamp) for d in (4, 5)]
    alone = make_case("2024-03-07 09:00", address="臺南市東區林森路1號", description="噪音擾人")
    return {
        "three": ProblemGroup.objects.get(first_case=three[0]),
        "two": ProblemGroup.objects.get(first_case=two[0]),
        "dark": ProblemGroup.objects.get(first_case=dark[0]),
        "cases": three,
        "alone": alone,
    }


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _period() -> dict:
    return {"start": "113.3", "end": "113.3"}


def test_the_list_shows_the_largest_groups_first_and_calls_beside_problems(client_as, city):
    response = client_as("reviewer").get("/petitions/groups/", _period())

    assert response.status_code == 200
    listed = [g.pk for g in response.context["page"].object_list]
    # The most calls first; of two as large, the one called last first.
    assert listed == [city["three"].pk, city["dark"].pk, city["two"].pk]
    text = _text(response)
    assert "陳情件數與問題數：8 件陳情、4 個問題" in text
    by_category = {row.label: (row.calls, row.problems) for row in response.context["by_category"]}
    assert by_category == {"道路維修": (6, 3), "路燈故障": (2, 1)}
    by_agency = {row.label: (row.calls, row.problems) for row in response.context["by_agency"]}
    assert by_agency == {"臺南市政府工務局": (6, 3), "臺南市政府水利局": (2, 1)}


def test_the_list_filters_by_category_agency_and_event(client_as, city, agency_b):
    reviewer = client_as("reviewer")
    lamp_category = city["dark"].category_id
    response = reviewer.get("/petitions/groups/", {"category": lamp_category})
    assert [g.pk for g in response.context["page"].object_list] == [city["dark"].pk]

    response = reviewer.get("/petitions/groups/", {"agency": agency_b.pk})
    assert [g.pk for g in response.context["page"].object_list] == [city["dark"].pk]

    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 3, 6), end_date=date(2024, 3, 10)
    )
    response = reviewer.get("/petitions/groups/", {"event": event.pk})
    # Only the first group has a call received on 3.6 or later.
    assert [g.pk for g in response.context["page"].object_list] == [city["three"].pk]
    response = reviewer.get("/petitions/groups/", {"event": event.pk, **_period()})
    events = {row.label: (row.calls, row.problems) for row in response.context["by_event"]}
    assert events == {"2024台灣燈會": (2, 1)}


def test_a_closed_problem_leaves_the_open_list(client_as, city):
    Case.objects.filter(problem_group=city["two"]).update(status=CaseStatus.CLOSED)
    reviewer = client_as("reviewer")
    open_groups = reviewer.get("/petitions/groups/").context["page"].object_list
    assert city["two"] not in list(open_groups)
    every = reviewer.get("/petitions/groups/", {"state": "all"}).context["page"].object_list
    assert city["two"] in list(every)


def test_an_agency_sees_its_own_groups_and_figures_and_cannot_split(client_as, city):
    response = client_as("staff_b").get("/petitions/groups/", _period())
    assert [g.pk for g in response.context["page"].object_list] == [city["dark"].pk]
    assert [(r.label, r.calls, r.problems) for r in response.context["by_agency"]] == [
        ("臺南市政府水利局", 2, 1)
    ]
    assert "agency" not in response.context["form"].fields

    page = client_as("staff_a").get(f"/petitions/groups/{city['three'].pk}/")
    assert page.status_code == 200
    assert not page.context["may_edit"]
    assert "移出群組" not in page.content.decode()
    assert client_as("staff_b").get(f"/petitions/groups/{city['three'].pk}/").status_code == 404


def test_the_group_page_lists_its_cases_first_call_first(client_as, city):
    response = client_as("reviewer").get(f"/petitions/groups/{city['three'].pk}/")

    numbers = [row.case.case_number for row in response.context["rows"]]
    assert numbers == [c.case_number for c in city["cases"]]
    text = _text(response)
    assert "道路維修：3 件陳情、1 個問題（未結案 2 件）" in text
    assert "首件" in text and "移出群組" in text
    # A merge's suggestion: the other open group of the category at that time.
    assert [g.pk for g in response.context["suggestions"]] == [city["two"].pk]


def test_a_reviewer_splits_a_case_out_through_the_page(client_as, city):
    group = city["three"]
    taken = city["cases"][1]

    response = client_as("reviewer").post(
        f"/petitions/groups/{group.pk}/split/", {"case": taken.case_number}
    )

    assert response.status_code == 302 and response["Location"].endswith(f"/groups/{group.pk}/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"案件 {taken.case_number} 已移出群組，重新歸併時維持分開。"
    ]
    taken.refresh_from_db()
    assert taken.problem_group_id is None and taken.group_kept
    assert ProblemGroup.objects.get(pk=group.pk).case_count == 2


def test_a_split_of_a_case_of_another_group_is_refused_with_its_message(client_as, city):
    response = client_as("reviewer").post(
        f"/petitions/groups/{city['three'].pk}/split/", {"case": city["alone"].case_number}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["請選擇本群組的案件。"]
    assert ProblemGroup.objects.get(pk=city["three"].pk).case_count == 3


def test_a_reviewer_merges_groups_through_the_page(client_as, city):
    one, two = city["three"], city["two"]

    response = client_as("reviewer").post(f"/petitions/groups/{one.pk}/merge/", {"other": two.pk})

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"已將群組 {two.pk} 併入本群組，共 5 件；重新歸併時維持合併。"
    ]
    merged = ProblemGroup.objects.get(pk=one.pk)
    assert merged.kept and merged.case_count == 5
    assert not ProblemGroup.objects.filter(pk=two.pk).exists()


def test_a_merge_across_categories_is_refused_with_its_message(client_as, city):
    response = client_as("reviewer").post(
        f"/petitions/groups/{city['three'].pk}/merge/", {"other": city["dark"].pk}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "只能合併同一案件類別的問題群組"
    ]
    response = client_as("reviewer").post(
        f"/petitions/groups/{city['three'].pk}/merge/", {"other": "x"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["請輸入要合併的問題群組編號。"]
    assert ProblemGroup.objects.count() == 3


def test_the_event_view_lists_its_largest_open_groups(client_as, city):
    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 3, 4), end_date=date(2024, 3, 10)
    )

    response = client_as("reviewer").get(f"/petitions/events/{event.pk}/")

    assert response.status_code == 200
    assert "陳情件數與問題數：8 件陳情、4 個問題" in _text(response)
    assert [g.pk for g in response.context["largest_groups"]] == [
        city["three"].pk,
        city["dark"].pk,
        city["two"].pk,
    ]
    # A senior official reads the figures, never the groups (they list cases).
    official = client_as("official").get(f"/petitions/events/{event.pk}/")
    assert "8 件陳情、4 個問題" in _text(official)
    assert list(official.context["largest_groups"]) == []


def test_the_menu_links_the_groups_for_agencies_and_dispatch_for_reviewers(client_as, db):
    reviewer = client_as("reviewer").get("/petitions/").content.decode()
    assert 'href="/petitions/groups/"' in reviewer and 'href="/petitions/dispatch/"' in reviewer
    staff = client_as("staff_a").get("/petitions/").content.decode()
    assert 'href="/petitions/groups/"' in staff and 'href="/petitions/dispatch/"' not in staff


def test_a_case_page_links_its_group_and_a_lone_call_says_so(client_as, city):
    client = client_as("staff_a")
    case = city["cases"][1]
    page = client.get(f"/petitions/cases/{case.case_number}/").content.decode()
    assert f'href="/petitions/groups/{city["three"].pk}/"' in page
    assert "同一問題共 3 件陳情" in page
    # The agency follows the link: its own group.
    assert client.get(f"/petitions/groups/{city['three'].pk}/").status_code == 200
    alone = client.get(f"/petitions/cases/{city['alone'].case_number}/").content.decode()
    assert "未與其他陳情歸併" in alone


@pytest.mark.parametrize("dimension", ["agency", "category"])
def test_the_calls_of_timeliness_rows_are_those_read_apart(city, dimension):
    # The dashboard reads calls and problems off the timeliness rows it already has.
    period = {"start": date(2024, 3, 1), "end": date(2024, 3, 31), "today": date(2024, 4, 10)}
    apart = problems.calls_and_problems_by(dimension, **period)
    from_rows = problems.calls_and_problems_of_rows(stats.timeliness_by(dimension, **period))

    assert from_rows == apart
    assert sum(row.calls for row in apart) == 8
    assert sum(row.problems for row in apart) == 4
