"""The case maps' data (petitions/map.py, /petitions/map/cases.json): scoped to what the user may
see, filtered as the case list or by an event, one colour per category, points outside Tainan
counted and not drawn, nothing personal in it, a bounded number of queries; and the base layer's
setting (empty: none) with its origin allowed by the Content-Security-Policy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions import map as case_map
from petitions.models import Case, Category, Event
from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, District
from tests.conftest import subprocess_env
from tests.petitions.builders import (
    PETITIONER_EMAIL,
    PETITIONER_NAME,
    PETITIONER_PHONE,
    make_case,
    taipei,
)

pytestmark = pytest.mark.django_db

URL = "/petitions/map/cases.json"
ROOT = Path(__file__).resolve().parents[2]
# 臺南市政府 (永華市政中心) and 赤崁樓: inside the city.
CITY_HALL = (Decimal("22.992006"), Decimal("120.185013"))
CHIHKAN = (Decimal("22.997509"), Decimal("120.202644"))


def located(agency, where=CITY_HALL, **extra):
    return make_case(agency, latitude=where[0], longitude=where[1], **extra)


def points(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_a_bureau_user_gets_only_its_agencys_cases(client_as, agency_a, agency_b):
    own = located(agency_a)
    located(agency_b, CHIHKAN)

    data = points(client_as("staff_a"))

    assert [p["number"] for p in data["points"]] == [own.case_number]
    assert points(client_as("reviewer"))["shown"] == 2
    assert points(client_as("staff_b"))["points"][0]["number"] != own.case_number


def test_a_point_opens_its_case_in_its_categorys_colour_and_names_no_petitioner(
    client_as, agency_a
):
    case = located(agency_a, received_at=taipei(2024, 3, 4, 9, 0))
    legend = {entry.category_id: entry.colour for entry in case_map.legend()}

    response = client_as("reviewer").get(URL)
    point = json.loads(response.content)["points"][0]

    assert point == {
        "number": case.case_number,
        "lat": 22.992006,
        "lng": 120.185013,
        "category": case.category_id,
        "colour": legend[case.category_id],
        "label": f"{case.case_number}｜道路維修｜受理｜113.3.4受理",
        "url": f"/petitions/cases/{case.case_number}/",
    }
    body = response.content.decode()
    for personal in (PETITIONER_NAME, PETITIONER_PHONE, PETITIONER_EMAIL, case.address):
        assert personal not in body
    assert case.description not in body
    assert response["Cache-Control"] == "private, no-store"


def test_every_category_has_its_own_colour(open1999):
    colours = [entry.colour for entry in case_map.legend()]

    assert len(colours) == Category.objects.count() == len(set(colours))


def test_cases_outside_tainan_are_counted_not_drawn(client_as, agency_a):
    inside = located(agency_a)
    located(agency_a, (Decimal("25.033964"), Decimal("121.564468")))  # 臺北101: a data error
    located(agency_a, (Decimal("22.870000"), Decimal("120.200000")))  # just south of the city
    make_case(agency_a)  # no coordinates

    data = points(client_as("reviewer"))

    assert [p["number"] for p in data["points"]] == [inside.case_number]
    assert (data["outside"], data["missing"]) == (2, 1)
    assert data["summary"] == (
        "地圖顯示 1 件案件。另有 2 件座標在臺南市範圍外，屬資料錯誤，未繪製。1 件未填座標。"
    )


def test_the_city_extent_is_inclusive(open1999):
    assert case_map.is_inside(Decimal("22.88"), Decimal("120.65"))
    assert not case_map.is_inside(Decimal("22.879999"), Decimal("120.3"))
    assert not case_map.is_inside(Decimal("23.0"), Decimal("120.650001"))


def test_the_case_lists_filters_narrow_the_map(client_as, agency_a):
    pothole = located(agency_a, code="0501")
    located(agency_a, CHIHKAN, code="0101")  # 違規停車

    data = points(client_as("reviewer"), category=pothole.category_id)

    assert [p["number"] for p in data["points"]] == [pothole.case_number]
    assert [entry["name"] for entry in data["legend"]] == ["道路維修"]


def test_bad_filters_are_refused_with_the_error_in_chinese(client_as, agency_a):
    response = client_as("reviewer").get(
        URL, {"received_from": "113.3.10", "received_to": "113.3.1"}
    )

    assert response.status_code == 400
    assert json.loads(response.content)["errors"]["received_to"] == ["迄日不可早於起日。"]


def test_the_latest_cases_are_drawn_up_to_the_limit(agency_a):
    for day in range(1, 5):
        located(agency_a, received_at=taipei(2024, 3, day, 9, 0))

    data = case_map.map_points(Case.objects.all(), limit=3)

    assert (data["shown"], data["capped"]) == (3, True)
    assert [p["label"][-9:] for p in data["points"]] == [
        "113.3.4受理",
        "113.3.3受理",
        "113.3.2受理",
    ]
    assert "超過上限" in data["summary"]


@pytest.fixture
def lantern_festival(open1999):
    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 2, 23), end_date=date(2024, 3, 10)
    )
    event.districts.add(District.objects.get(name="中西區"))
    return event


def test_an_events_map_draws_the_cases_in_its_days_and_districts(
    client_as, agency_a, lantern_festival
):
    west = District.objects.get(name="中西區")
    during = located(agency_a, CHIHKAN, district=west, received_at=taipei(2024, 2, 24, 20, 0))
    located(agency_a, CHIHKAN, district=west, received_at=taipei(2024, 3, 11, 9, 0))  # after
    located(agency_a, district=District.objects.get(name="東區"), received_at=taipei(2024, 3, 1))

    data = points(client_as("reviewer"), event=lantern_festival.pk)

    assert [p["number"] for p in data["points"]] == [during.case_number]


def test_the_hotline_centre_may_map_events_and_bureaus_may_not(
    client, client_as, make_user, city_agencies, lantern_festival
):
    hotline = make_user("hotline", Role.BUREAU_STAFF, Agency.objects.get(code="H01"))
    client.force_login(hotline)

    assert client.get(URL, {"event": lantern_festival.pk}).status_code == 200
    assert client_as("staff_a").get(URL, {"event": lantern_festival.pk}).status_code == 403
    assert client_as("reviewer").get(URL, {"event": "999999"}).status_code == 404
    assert client_as("reviewer").get(URL, {"event": "x"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_maps_query_count_does_not_grow_with_the_cases(client_as, agency_a):
    client = client_as("staff_a")
    located(agency_a)
    with CaptureQueriesContext(connection) as few:
        points(client)
    for n in range(30):
        located(agency_a, CHIHKAN, code=("0501", "0101", "0901")[n % 3])
    with CaptureQueriesContext(connection) as many:
        data = points(client)

    assert data["shown"] == 31
    assert len(many) == len(few)


def test_the_case_list_and_the_event_view_offer_the_map(client_as, agency_a, lantern_festival):
    located(agency_a)
    client = client_as("reviewer")

    listing = client.get("/petitions/", {"status": "open"}).content.decode()
    event = client.get(f"/petitions/events/{lantern_festival.pk}/").content.decode()

    assert 'data-source="/petitions/map/cases.json?status=open"' in listing
    assert "以地圖檢視案件分布" in listing and "請以表格閱讀" in listing
    assert f'data-source="/petitions/map/cases.json?event={lantern_festival.pk}"' in event
    assert '<details class="case-map-details" id="case-map-details" open>' in event
    for page in (listing, event):
        assert "/static/vendor/leaflet/leaflet.js" in page
        assert "https://wmts.nlsc.gov.tw/wmts/EMAP/default/GoogleMapsCompatible/{z}/{y}/{x}" in page
        assert "unpkg.com" not in page and "cdn" not in page.lower()


def test_the_base_map_setting_may_be_empty(client_as, agency_a, settings):
    settings.MAP_TILE_URL = ""
    located(agency_a)

    page = client_as("reviewer").get("/petitions/").content.decode()

    assert 'data-tiles=""' in page


def _settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    # A fresh interpreter: the settings are read at import time.
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tile_servers_origin_is_allowed_for_images_and_nothing_else():
    default = _settings_value("settings.CONTENT_SECURITY_POLICY['DIRECTIVES']")
    empty = _settings_value("settings.CONTENT_SECURITY_POLICY['DIRECTIVES']", MAP_TILE_URL="")

    assert default.returncode == 0, default.stderr
    assert "'img-src': [\"'self'\", 'https://wmts.nlsc.gov.tw']" in default.stdout
    assert "'connect-src': [\"'self'\"]" in default.stdout
    assert "wmts.nlsc.gov.tw" not in empty.stdout


@pytest.mark.parametrize(
    "url",
    ["wmts.nlsc.gov.tw/{z}/{x}/{y}", "https://tiles.example.tw/{z}/{x}.png", "ftp://x/{z}/{x}/{y}"],
)
def test_a_tile_address_without_its_placeholders_stops_the_start(url):
    result = _settings_value("settings.MAP_TILE_URL", MAP_TILE_URL=url)

    assert result.returncode != 0
    assert "MAP_TILE_URL must be empty or a tile address" in result.stderr
