"""The Open311 GeoReport v2 open-data API: public, read-only, never carrying personal data."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.choices import CaseStatus
from petitions.models import Subcategory
from petitions.views import open311 as api
from tests.petitions.builders import (
    PETITIONER_EMAIL,
    PETITIONER_NAME,
    PETITIONER_PHONE,
    ensure_categories,
    make_case,
    taipei,
)

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
NOW = taipei(2024, 6, 20, 10, 0)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ids(response) -> list[str]:
    return [row["service_request_id"] for row in response.json()]


def test_services_lists_every_active_subcategory(client):
    ensure_categories()
    Subcategory.objects.filter(code="0101").update(active=False)

    response = client.get(BASE + "services.json")

    assert response.status_code == 200
    services = {row["service_code"]: row for row in response.json()}
    active = Subcategory.objects.filter(active=True, category__active=True)
    assert set(services) == set(active.values_list("code", flat=True))
    assert "0101" not in services
    pothole = services["0501"]
    assert pothole["service_name"] == "路面坑洞"
    assert pothole["group"] == "道路維修"
    assert pothole["metadata"] is False
    assert pothole["type"] == "realtime"
    assert "路面坑洞" in pothole["keywords"]


def test_requests_default_to_the_last_90_days_newest_first(client, agency_a, frozen):
    old = make_case(agency_a, received_at=taipei(2024, 3, 1, 9, 0))  # 111 days before
    older_recent = make_case(agency_a, received_at=taipei(2024, 4, 1, 9, 0))
    newest = make_case(agency_a, received_at=taipei(2024, 6, 19, 9, 0))

    response = client.get(BASE + "requests.json")

    assert response.status_code == 200
    assert ids(response) == [newest.case_number, older_recent.case_number]
    assert old.case_number not in ids(response)


def test_requests_return_a_page_at_most_with_the_total(client, agency_a, frozen):
    cases = [make_case(agency_a, received_at=taipei(2024, 6, d, 9, 0)) for d in range(1, 6)]

    response = client.get(BASE + "requests.json", {"page_size": 3})

    assert ids(response) == [c.case_number for c in reversed(cases)][:3]
    assert response["X-Total-Count"] == "5"
    assert api.PAGE_SIZE == 1000  # the spec's default answer, and the largest page


def test_requests_filter_by_date_range(client, agency_a, frozen):
    make_case(agency_a, received_at=taipei(2024, 5, 31, 23, 0))
    inside = make_case(agency_a, received_at=taipei(2024, 6, 1, 8, 0))
    make_case(agency_a, received_at=taipei(2024, 6, 11, 8, 0))

    response = client.get(
        BASE + "requests.json",
        {"start_date": "2024-06-01T00:00:00+08:00", "end_date": "2024-06-10T23:59:59+08:00"},
    )

    assert ids(response) == [inside.case_number]


def test_status_maps_open_statuses_to_open_and_closed_to_closed(client, agency_a, frozen):
    received = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    reopened = make_case(agency_a, received_at=taipei(2024, 6, 2, 9, 0), status=CaseStatus.REOPENED)
    closed = make_case(
        agency_a,
        received_at=taipei(2024, 6, 3, 9, 0),
        status=CaseStatus.CLOSED,
        closed_at=taipei(2024, 6, 4, 9, 0),
    )

    everything = {r["service_request_id"]: r for r in client.get(BASE + "requests.json").json()}
    open_only = client.get(BASE + "requests.json", {"status": "open"})
    closed_only = client.get(BASE + "requests.json", {"status": "closed"})

    assert everything[received.case_number]["status"] == "open"
    assert everything[reopened.case_number]["status"] == "open"
    assert everything[reopened.case_number]["status_notes"] == "重新開啟"
    assert everything[closed.case_number]["status"] == "closed"
    assert ids(open_only) == [reopened.case_number, received.case_number]
    assert ids(closed_only) == [closed.case_number]


def test_requests_filter_by_service_code(client, agency_a, frozen):
    pothole = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0), code="0501")
    make_case(agency_a, received_at=taipei(2024, 6, 2, 9, 0), code="0101")

    response = client.get(BASE + "requests.json", {"service_code": "0501"})

    assert ids(response) == [pothole.case_number]
    assert response.json()[0]["service_code"] == "0501"
    assert response.json()[0]["service_name"] == "路面坑洞"


def test_service_request_id_list_overrides_the_date_window(client, agency_a, frozen):
    old = make_case(agency_a, received_at=taipei(2023, 1, 5, 9, 0))
    recent = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    make_case(agency_a, received_at=taipei(2024, 6, 2, 9, 0))

    response = client.get(
        BASE + "requests.json",
        {"service_request_id": f"{old.case_number},{recent.case_number}"},
    )

    assert ids(response) == [recent.case_number, old.case_number]


def test_no_personal_data_in_any_answer(client, agency_a, frozen):
    case = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))

    answers = [
        client.get(BASE + "requests.json"),
        client.get(BASE + f"requests/{case.case_number}.json"),
        client.get(BASE + "requests.json", {"service_request_id": case.case_number}),
    ]

    for response in answers:
        assert response.status_code == 200
        assert ids(response) == [case.case_number]
        body = response.content.decode()
        for secret in (PETITIONER_NAME, PETITIONER_PHONE, PETITIONER_EMAIL):
            assert secret not in body


def test_expected_datetime_is_the_end_of_the_due_day_in_taipei(client, agency_a, frozen):
    case = make_case(agency_a, received_at=taipei(2024, 6, 5, 9, 30), due_date=date(2024, 6, 7))

    (row,) = client.get(BASE + f"requests/{case.case_number}.json").json()

    assert row["expected_datetime"] == "2024-06-07T23:59:59+08:00"
    assert row["requested_datetime"] == "2024-06-05T09:30:00+08:00"
    assert row["agency_responsible"] == agency_a.name


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "113.6.1"},
        {"end_date": "2024-13-45T00:00:00+08:00"},
        {"start_date": "2024-06-10T00:00:00+08:00", "end_date": "2024-06-01T00:00:00+08:00"},
        {"start_date": "2024-01-01T00:00:00+08:00", "end_date": "2024-06-01T00:00:00+08:00"},
        {"status": "pending"},
    ],
    ids=["not-iso", "impossible-date", "end-before-start", "over-90-days", "bad-status"],
)
def test_bad_parameters_get_a_400_error_list(client, params):
    response = client.get(BASE + "requests.json", params)

    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400
    assert error["description"]


def test_unknown_request_id_gets_a_404_error_list(client, db):
    response = client.get(BASE + "requests/UN209901010001.json")

    assert response.status_code == 404
    (error,) = response.json()
    assert error["code"] == 404
    assert "UN209901010001" in error["description"]


def test_api_is_public_read_only_and_cacheable(client, agency_a, frozen):
    make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))

    response = client.get(BASE + "requests.json")

    assert response.status_code == 200  # anonymous, no login
    assert response["Cache-Control"] in {"public, max-age=60", "max-age=60, public"}
    assert client.post(BASE + "requests.json").status_code == 405


def test_requests_query_count_does_not_grow_with_rows(client, agency_a, frozen):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE + "requests.json").status_code == 200
        return len(ctx.captured_queries)

    for day in range(1, 3):
        make_case(agency_a, received_at=taipei(2024, 6, day, 9, 0))
    few = queries()
    for day in range(3, 20):
        make_case(agency_a, received_at=taipei(2024, 6, day, 9, 0), code="0802")

    assert queries() == few == 2  # the total and the page
