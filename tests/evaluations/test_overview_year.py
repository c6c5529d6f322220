"""The service-quality overview opens on the latest year with records, card by card, instead of
the calendar year (which in January has none: "0 通 / —"); ``?year=`` (ROC or Gregorian) shows
one year on every card, and the years with records are offered."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine

from tests.evaluations.conftest import make_audit, make_phone_test

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 20)  # 115年: no test and no audit yet


def _cards(html: str) -> dict[str, str]:
    """Card title → its figures, as text."""
    cards = {}
    for title, body in re.findall(
        r'<h2 class="card-title"[^>]*>(.*?)</h2>(.*?)</section>', html, flags=re.S
    ):
        cards[title.strip()] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
    return cards


def _overview(client, query=""):
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/evaluations/" + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def records(cast, agency_a, agency_b):
    """Phone tests in 113 and 114, audits in 114 only (水利局's in 115.1 too)."""
    reviewer = cast["reviewer"]
    make_phone_test(reviewer, agency_a, date(2024, 5, 2))
    make_phone_test(reviewer, agency_a, date(2025, 5, 2))
    make_phone_test(reviewer, agency_a, date(2025, 6, 3))
    make_audit(reviewer, agency_a, date(2025, 9, 9))
    make_audit(reviewer, agency_b, date(2026, 1, 8))


def test_the_overview_opens_each_card_on_its_latest_year_with_records(client_as, records):
    cards = _cards(_overview(client_as("reviewer")))
    assert "114年度電話禮貌測試" in cards
    assert cards["114年度電話禮貌測試"].startswith("測試次數 2 通")
    assert "115年度神秘客實地稽核" in cards
    assert cards["115年度神秘客實地稽核"].startswith("稽核次數 1 次")


def test_a_bureau_user_sees_the_latest_year_of_its_own_records(client_as, records):
    cards = _cards(_overview(client_as("staff_a")))
    # 水利局's 115 audit is not 工務局's: their audit card opens on 114.
    assert cards["114年度神秘客實地稽核"].startswith("稽核次數 1 次")


@pytest.mark.parametrize("query", ["?year=113", "?year=2024"])
def test_a_chosen_year_is_shown_on_every_card(client_as, records, query):
    cards = _cards(_overview(client_as("reviewer"), query))
    assert cards["113年度電話禮貌測試"].startswith("測試次數 1 通")
    assert cards["113年度神秘客實地稽核"].startswith("稽核次數 0 次")


def test_the_years_with_records_are_offered(client_as, records):
    html = _overview(client_as("reviewer"))
    links = re.findall(r'<a href="/evaluations/\?year=(\d+)">(\d+)年度</a>', html)
    assert links == [("115", "115"), ("114", "114"), ("113", "113")]


def test_without_records_the_overview_shows_this_year(client_as):
    cards = _cards(_overview(client_as("reviewer")))
    assert cards["115年度電話禮貌測試"].startswith("測試次數 0 通")


def test_a_year_that_is_not_one_is_404(client_as):
    with time_machine.travel(TODAY, tick=False):
        assert client_as("reviewer").get("/evaluations/?year=abc").status_code == 404
