"""The hot-spot map, in a real Chromium with no network beyond the portal: a reviewer opens the
case list's map and the Lantern Festival's, sees the cases drawn (clustered where they crowd, in
their categories' colours, the one outside Tainan counted and left out), and a click on a
marker opens its case. The base layer is switched off (MAP_TILE_URL empty) and every request
to another host is refused, so Leaflet and its plugin can only come from the portal's static/."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from petitions.models import Event
from tainan_rdec.models import District
from tests.e2e.conftest import sign_in, wait_until
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS
from tests.petitions.builders import make_case, taipei

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Spread over the city (each its own marker at the map's zoom) and two a few metres apart at
# 赤崁樓 (one cluster of 2).
PLACES = [
    ("0501", Decimal("22.997509"), Decimal("120.202644"), "中西區"),  # 赤崁樓
    ("0101", Decimal("22.997600"), Decimal("120.202700"), "中西區"),  # next to it
    ("0901", Decimal("23.306000"), Decimal("120.316000"), "新營區"),
    ("0201", Decimal("23.042000"), Decimal("120.478000"), "南化區"),
    ("0601", Decimal("23.140000"), Decimal("120.060000"), "七股區"),
]
TAIPEI_101 = (Decimal("25.033964"), Decimal("121.564468"))

# Every marker drawn: the clusters' counts plus the single markers.
DRAWN = """() => {
  let n = document.querySelectorAll('#case-map path.case-marker').length;
  for (const c of document.querySelectorAll('#case-map .marker-cluster span')) {
    n += parseInt(c.textContent, 10);
  }
  return n;
}"""


@pytest.fixture
def festival_cases(agency_a):
    cases = [
        make_case(
            agency_a,
            code=code,
            latitude=lat,
            longitude=lng,
            district=District.objects.get(name=district),
            received_at=taipei(2024, 2, 24 + i, 19, 0),
        )
        for i, (code, lat, lng, district) in enumerate(PLACES)
    ]
    make_case(agency_a, latitude=TAIPEI_101[0], longitude=TAIPEI_101[1])
    event = Event.objects.create(
        name="2024台灣燈會", start_date=date(2024, 2, 23), end_date=date(2024, 3, 10)
    )
    event.districts.add(District.objects.get(name="中西區"))
    return cases, event


def _offline(page: Page, live_server) -> list[str]:
    """Refuse every request that is not to the live server; returns the refused URLs."""
    refused = []

    def route(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return refused


def test_the_case_lists_map_draws_every_case_in_tainan_and_opens_one(
    page: Page, live_server, client, cast, festival_cases, settings, screenshots
):
    settings.MAP_TILE_URL = ""
    cases, _event = festival_cases
    refused = _offline(page, live_server)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server, client, cast["reviewer"])

    page.goto(f"{live_server.url}/petitions/")
    expect(page.locator("#case-map")).to_be_hidden()  # closed until asked for
    page.get_by_text("以地圖檢視案件分布").click()
    wait_until(page, "document.getElementById('case-map').dataset.drawn === '5'")

    assert page.evaluate(DRAWN) == 5
    expect(page.locator("#case-map .marker-cluster")).to_have_count(1)
    expect(page.locator("#case-map-status")).to_have_text(
        "地圖顯示 5 件案件。另有 1 件座標在臺南市範圍外，屬資料錯誤，未繪製。"
    )
    # One colour per category, the legend naming each.
    fills = page.eval_on_selector_all(
        "#case-map path.case-marker", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert len(fills) == 3 and len(set(fills)) == 3
    expect(page.locator("#case-map-legend li")).to_have_count(5)
    expect(page.locator("#case-map .leaflet-tile")).to_have_count(0)  # no base layer
    screenshots(page, "case-list-map")

    # 新營區's case is alone in the north: its marker opens it.
    north = cases[2]
    marker = page.locator("#case-map path.case-marker").nth(
        page.eval_on_selector_all(
            "#case-map path.case-marker",
            """paths => {
              const boxes = paths.map(p => p.getBoundingClientRect().top);
              return boxes.indexOf(Math.min(...boxes));
            }""",
        )
    )
    marker.click()
    expect(page).to_have_url(f"{live_server.url}/petitions/cases/{north.case_number}/")

    assert page.evaluate("window.__cspViolations") == []
    assert refused == []


def test_the_events_map_is_open_at_once_with_the_events_cases(
    page: Page, live_server, client, cast, festival_cases, settings
):
    settings.MAP_TILE_URL = ""
    _cases, event = festival_cases
    refused = _offline(page, live_server)
    sign_in(page, live_server, client, cast["reviewer"])

    page.goto(f"{live_server.url}/petitions/events/{event.pk}/")
    wait_until(page, "document.getElementById('case-map').dataset.drawn === '2'")

    assert page.evaluate(DRAWN) == 2  # 中西區 only: the event's district
    expect(page.locator("#case-map-status")).to_have_text("地圖顯示 2 件案件。")
    expect(page.locator("#event-counts")).to_be_visible()  # the table stays
    assert refused == []
