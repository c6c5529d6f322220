"""Dispatch quality (派工正確性): from the cases' transfers (改分) through the service, the cases
transferred two or more times and the working days lost before the final agency took them, by
category and by first agency; the reviewers' page and its drill-down to the cases."""

from __future__ import annotations

import re
from datetime import date

import pytest

from petitions.dispatch import dispatch_quality, many_times_transferred
from petitions.models import CaseTransfer
from petitions.services import transfer_case
from tainan_rdec.models import Agency
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db

MARCH = (date(2024, 3, 1), date(2024, 3, 31))


def _transfer(case, to, at: str, by):
    """Transfer through the service, then date the transfer (the service stamps now)."""
    transfer = transfer_case(case, to, by=by, reason="非本機關業務")
    CaseTransfer.objects.filter(pk=transfer.pk).update(at=taipei(at))
    case.refresh_from_db()


@pytest.fixture
def routed(make_case, cast, agency_a, agency_b):
    """Four pothole cases received by 工務局 (A) and a street-light case by 水利局 (B):
    - A → B → a third agency (C) over a weekend: received Fri 3.8, taken by C Tue 3.12,
      2 working days;
    - A → B → A, received Mon 3.4, back at A Mon 3.11: 5 working days;
    - A → B once; one never transferred;
    - the street light B → A → C, received Wed 3.6, taken Thu 3.7: 1 day."""
    reviewer = cast["reviewer"]
    third = Agency.objects.exclude(pk__in=[agency_a.pk, agency_b.pk]).filter(active=True).first()
    weekend = make_case("2024-03-08 16:00")
    _transfer(weekend, agency_b, "2024-03-08 17:00", reviewer)
    _transfer(weekend, third, "2024-03-12 09:00", reviewer)
    back = make_case("2024-03-04 09:00")
    _transfer(back, agency_b, "2024-03-05 09:00", reviewer)
    _transfer(back, agency_a, "2024-03-11 09:00", reviewer)
    once = make_case("2024-03-05 09:00")
    _transfer(once, agency_b, "2024-03-06 09:00", reviewer)
    make_case("2024-03-05 10:00")
    lamp = make_case("2024-03-06 09:00", code="0201", agency=agency_b)
    _transfer(lamp, agency_a, "2024-03-06 10:00", reviewer)
    _transfer(lamp, third, "2024-03-07 10:00", reviewer)
    # Received in April: outside the period.
    later = make_case("2024-04-01 09:00")
    _transfer(later, agency_b, "2024-04-01 10:00", reviewer)
    _transfer(later, agency_a, "2024-04-02 10:00", reviewer)
    return {"weekend": weekend, "back": back, "lamp": lamp, "third": third, "once": once}


def test_cases_transferred_twice_and_the_working_days_lost(routed, agency_a, agency_b):
    quality = dispatch_quality(*MARCH)

    assert (quality.total.cases, quality.total.transferred, quality.total.many) == (5, 4, 3)
    assert quality.total.days_lost == 2 + 5 + 1
    by_category = {
        row.label: (row.cases, row.transferred, row.many, row.days_lost)
        for row in quality.by_category
    }
    assert by_category == {"道路維修": (4, 3, 2, 7), "路燈故障": (1, 1, 1, 1)}
    by_agency = {
        row.key: (row.cases, row.transferred, row.many, row.days_lost)
        for row in quality.by_first_agency
    }
    # The first agency is the one a case was dispatched to first, wherever it is now.
    assert by_agency == {agency_a.pk: (4, 3, 2, 7), agency_b.pk: (1, 1, 1, 1)}
    road = quality.by_category[0]
    assert (road.label, road.many_pct, road.mean_days_lost) == ("道路維修", 50, 3.5)
    # The cases behind the figures, most days lost first, with their agency chains.
    assert [(c.case_number, c.days_lost, c.transfers) for c in quality.cases] == [
        (routed["back"].case_number, 5, 2),
        (routed["weekend"].case_number, 2, 2),
        (routed["lamp"].case_number, 1, 2),
    ]
    assert quality.cases[1].agencies == [agency_a.pk, agency_b.pk, routed["third"].pk]


def test_the_drill_down_narrows_to_a_category_or_a_first_agency(routed, agency_b):
    lamp_category = routed["lamp"].category_id
    by_category = many_times_transferred(*MARCH, category_id=lamp_category)
    assert [c.case_number for c in by_category] == [routed["lamp"].case_number]
    by_agency = many_times_transferred(*MARCH, first_agency_id=agency_b.pk)
    assert [c.case_number for c in by_agency] == [routed["lamp"].case_number]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_reviewers_page_and_its_drill_down(client_as, routed, agency_a):
    reviewer = client_as("reviewer")
    response = reviewer.get("/petitions/dispatch/", {"start": "113.3", "end": "113.3"})

    assert response.status_code == 200
    text = _text(response)
    assert "受理 5 件，改分 4 件，多次改分 3 件，共延誤 8 個工作天。" in text
    body = response.content.decode()
    link = f"/petitions/dispatch/cases/?agency={agency_a.pk}&amp;start=113.3&amp;end=113.3"
    assert link in body

    drill = reviewer.get(
        "/petitions/dispatch/cases/", {"agency": agency_a.pk, "start": "113.3", "end": "113.3"}
    )
    rows = drill.context["rows"]
    assert [case.case_number for case, _category, _chain in rows] == [
        routed["back"].case_number,
        routed["weekend"].case_number,
    ]
    assert rows[0][2] == ["臺南市政府工務局", "臺南市政府水利局", "臺南市政府工務局"]
    assert "共 2 件" in _text(drill)
    assert " → " in drill.content.decode()


def test_bureaus_do_not_see_the_dispatch_pages(client_as, routed):
    assert client_as("manager_a").get("/petitions/dispatch/").status_code == 403
    assert client_as("staff_b").get("/petitions/dispatch/cases/").status_code == 403
