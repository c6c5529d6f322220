"""The reviewers' dashboard and the event view: figures on a small known data set, 萬件 wording,
sorting and flags, who may open them, query counts, and the event page's self-refresh."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.choices import Channel
from petitions.formatting import format_case_count
from petitions.models import Category, Event, PetitionSettings
from petitions.services import close_case
from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, District
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db

DASHBOARD = "/petitions/dashboard/"
MARCH_2024 = {"start": "113.1", "end": "113.6"}
NOW = taipei("2024-06-03 10:00")


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1_423_456, "142.3萬件"),
        (1_420_000, "142萬件"),
        (10_000, "1萬件"),
        (99_999, "10萬件"),
        (12_345_678, "1,234.6萬件"),
        (9_876, "9,876件"),
        (0, "0件"),
    ],
)
def test_case_count_in_wan_from_ten_thousand(count, text):
    assert format_case_count(count) == text


@pytest.mark.parametrize(("name", "status"), [("staff_a", 403), ("manager_b", 403)])
def test_bureau_users_get_403_on_dashboard(client_as, name, status):
    assert client_as(name).get(DASHBOARD).status_code == status


def test_anonymous_is_sent_to_login_from_dashboard(client_as):
    response = client_as("anonymous").get(DASHBOARD)

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.fixture
def march(make_case, agency_a, agency_b):
    """工務局: three 1999 道路維修 cases received Mon 113.3.4 (due Thu 3.7), closed 3.5 on time.
    水利局: two 網路 動物救援 cases received 3.4 (limit 1 day, due 3.5), one closed 3.11 late,
    one closed 3.5 on time."""
    for _ in range(3):
        case = make_case("2024-03-04 09:00", code="0501")
        close_case(case, at=taipei("2024-03-05 10:00"))
    late = make_case("2024-03-04 09:00", code="0901", agency=agency_b, channel=Channel.WEB)
    close_case(late, at=taipei("2024-03-11 10:00"))
    on_time = make_case("2024-03-04 09:00", code="0901", agency=agency_b, channel=Channel.WEB)
    close_case(on_time, at=taipei("2024-03-05 10:00"))


def _get(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(DASHBOARD, {**MARCH_2024, **params})


def test_dashboard_shows_period_figures(client_as, march, agency_a):
    response = _get(client_as("reviewer"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "5件" in body  # the headline total, below 10,000 as a plain count
    march_row = next(bar for bar in response.context["chart"].bars if bar.month.month == 3)
    assert march_row.counts == [3, 2]  # 1999專線, 網路
    assert response.context["chart"].total == 5
    assert [(c["name"], c["received"]) for c in response.context["categories"]] == [
        ("道路維修", 3),
        ("動物救援", 2),
    ]
    assert f"/petitions/?agency={agency_a.pk}&amp;status=open" in body


def test_dashboard_defaults_to_last_five_years(client_as):
    with time_machine.travel(NOW, tick=False):
        response = client_as("admin").get(DASHBOARD)

    assert response.context["first"] == date(2019, 7, 1)
    assert response.context["last"] == date(2024, 6, 30)
    assert len(response.context["chart"].bars) == 60


def test_dashboard_sorts_agencies(client_as, march, agency_a, agency_b):
    client = client_as("reviewer")

    by_received = [row.key for row in _get(client, sort="received").context["rows"]]
    PetitionSettings.objects.update_or_create(pk=1, defaults={"min_cases_for_ranking": 1})
    by_overdue = [row.key for row in _get(client, sort="overdue").context["rows"]]

    assert by_received == [agency_a.pk, agency_b.pk]
    assert by_overdue == [agency_b.pk, agency_a.pk]


def test_agency_above_overdue_threshold_is_flagged(client_as, march):
    PetitionSettings.objects.update_or_create(pk=1, defaults={"min_cases_for_ranking": 2})

    body = _get(client_as("reviewer")).content.decode()

    assert body.count("逾期率高於 3%，應提改善計畫") == 1  # 水利局 at 50%
    assert "案件數未達排名門檻" not in body


def test_agency_below_ranking_minimum_is_marked(client_as, march):
    body = _get(client_as("reviewer")).content.decode()  # default minimum: 30 closed cases

    assert body.count("案件數未達排名門檻") == 2
    assert "應提改善計畫</strong>" not in body


def _cases(make_case, agency_a, agency_b, n):
    for i in range(n):
        make_case(
            taipei("2024-03-04 09:00") + timedelta(days=i % 20),
            code=("0501", "0901", "0101")[i % 3],
            agency=(agency_a, agency_b)[i % 2],
            channel=(Channel.HOTLINE_1999, Channel.WEB, Channel.APP)[i % 3],
        )


def test_dashboard_query_count_does_not_grow_with_cases(client_as, make_case, agency_a, agency_b):
    client = client_as("reviewer")
    counts = []
    for n in (10, 50):  # 10 cases, then 60
        _cases(make_case, agency_a, agency_b, n)
        with CaptureQueriesContext(connection) as queries:
            assert _get(client).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


@pytest.fixture
def hotline_user(make_user, city_agencies):
    return make_user("hotline", Role.BUREAU_STAFF, Agency.objects.get(code="H01"))


@pytest.fixture
def lantern_festival(open1999):
    """2024台灣燈會 in 中西區, 113.2.23–3.10, watching 道路維修."""
    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 2, 23), end_date=date(2024, 3, 10)
    )
    event.districts.add(District.objects.get(name="中西區"))
    event.categories.add(Category.objects.get(name="道路維修"))
    return event


def event_url(event) -> str:
    return f"/petitions/events/{event.pk}/"


def test_event_view_counts_per_day_and_category(client_as, make_case, lantern_festival):
    west = District.objects.get(name="中西區")
    east = District.objects.get(name="東區")
    make_case("2024-02-24 10:00", code="0501", district=west)
    make_case("2024-02-24 23:30", code="0501", district=west)  # still the 24th in Taipei
    make_case("2024-02-24 11:00", code="0901", district=west)
    make_case("2024-02-25 09:00", code="0501", district=west)
    make_case("2024-02-24 10:00", code="0501", district=east)  # outside the area
    make_case("2024-03-11 10:00", code="0501", district=west)  # after the event

    with time_machine.travel(taipei("2024-03-20 10:00"), tick=False):
        response = client_as("reviewer").get(event_url(lantern_festival))

    table = response.context["table"]
    assert [name for _pk, name, _watched in table.columns] == ["道路維修", "動物救援"]
    days = {day: counts for day, counts, _total in table.days}
    assert days[date(2024, 2, 24)] == [2, 1]
    assert days[date(2024, 2, 25)] == [1, 0]
    assert len(table.days) == 17  # 2.23–3.10, every day shown
    assert table.column_totals == [3, 1]
    assert table.total == 4


def test_event_view_day_table_downloads_as_the_page_shows_it(
    client_as, make_case, lantern_festival
):
    from tests.tainan_rdec.tables_reading import assert_same_table, page_table, sheet_table

    west = District.objects.get(name="中西區")
    make_case("2024-02-24 10:00", code="0501", district=west)
    make_case("2024-02-24 11:00", code="0901", district=west)
    make_case("2024-03-10 23:00", code="0501", district=west)
    client = client_as("official")

    with time_machine.travel(taipei("2024-03-20 10:00"), tick=False):
        page = client.get(event_url(lantern_festival))
        download = client.get(event_url(lantern_festival), {"format": "xlsx", "table": "days"})

    shown = page_table(page.content.decode(), "event-counts")
    sheet = sheet_table(b"".join(download.streaming_content))
    assert_same_table(shown, sheet)
    assert sheet.header == ["日期", "道路維修（關注）", "動物救援", "合計"]
    assert sheet.rows[1] == ["113.2.24", "1", "1", "2"]
    assert sheet.rows[-1] == ["合計", "2", "1", "3"]
    assert sheet.title == "每日各類別案件數"
    assert "專案：2024台灣燈會" in sheet.filters


def test_event_view_marks_today_while_the_event_runs(client_as, lantern_festival):
    with time_machine.travel(taipei("2024-02-25 10:00"), tick=False):
        page = client_as("reviewer").get(event_url(lantern_festival)).content.decode()

    assert '<tr aria-current="date"><th scope="row">113.2.25 （今日）</th>' in page


def test_event_view_query_count_does_not_grow_with_cases(client_as, make_case, lantern_festival):
    west = District.objects.get(name="中西區")
    client = client_as("reviewer")
    counts = []
    for n in (10, 50):
        for i in range(n):
            make_case(
                taipei("2024-02-23 10:00") + timedelta(days=i % 10),
                code=("0501", "0901")[i % 2],
                district=west,
            )
        with CaptureQueriesContext(connection) as queries:
            client.get(event_url(lantern_festival))
        counts.append(len(queries))

    assert counts[0] == counts[1]


REFRESH = '<meta http-equiv="refresh" content="60">'


@pytest.mark.parametrize(
    ("moment", "refreshes"),
    [
        ("2024-02-22 23:00", False),
        ("2024-02-23 00:05", True),
        ("2024-03-10 23:50", True),
        ("2024-03-11 00:05", False),
    ],
)
def test_event_view_refreshes_only_while_running(client_as, lantern_festival, moment, refreshes):
    with time_machine.travel(taipei(moment), tick=False):
        body = client_as("reviewer").get(event_url(lantern_festival)).content.decode()

    assert (REFRESH in body) is refreshes


def test_hotline_centre_may_open_events(client, hotline_user, lantern_festival):
    client.force_login(hotline_user)

    assert client.get("/petitions/events/").status_code == 200
    assert client.get(event_url(lantern_festival)).status_code == 200


@pytest.mark.parametrize("name", ["staff_a", "manager_b"])
def test_bureau_users_get_403_on_events(client_as, lantern_festival, name):
    client = client_as(name)

    assert client.get("/petitions/events/").status_code == 403
    assert client.get(event_url(lantern_festival)).status_code == 403


def test_event_list_shows_state(client_as, lantern_festival):
    with time_machine.travel(taipei("2024-03-01 10:00"), tick=False):
        body = client_as("admin").get("/petitions/events/").content.decode()

    assert "2024台灣燈會" in body
    assert "進行中" in body


def test_unknown_event_is_404(client_as, open1999):
    assert client_as("reviewer").get("/petitions/events/999999/").status_code == 404
