"""The case pages: list, detail and the agency view — scoping, personal data, query counts and
the overdue-first order with working days left."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.choices import CaseStatus
from petitions.models import CaseTransfer
from tests.petitions.builders import (
    PETITIONER_EMAIL,
    PETITIONER_NAME,
    PETITIONER_PHONE,
    make_case,
    taipei,
)

pytestmark = pytest.mark.django_db


def detail_url(case) -> str:
    return f"/petitions/cases/{case.case_number}/"


@pytest.mark.parametrize("name", ["staff_b", "manager_b"])
def test_other_agency_gets_404_on_a_case(client_as, agency_a, name):
    case = make_case(agency_a)

    assert client_as(name).get(detail_url(case)).status_code == 404


@pytest.mark.parametrize("name", ["staff_a", "manager_a", "reviewer", "admin"])
def test_personal_data_shown_to_handling_agency_and_commission(client_as, agency_a, name):
    case = make_case(agency_a)

    response = client_as(name).get(detail_url(case))

    assert response.status_code == 200
    body = response.content.decode()
    for secret in (PETITIONER_NAME, PETITIONER_PHONE, PETITIONER_EMAIL):
        assert secret in body


def test_personal_data_never_on_the_list_pages(client_as, agency_a):
    make_case(agency_a)
    client = client_as("staff_a")

    for url in ("/petitions/", "/petitions/mine/"):
        body = client.get(url).content.decode()
        assert PETITIONER_NAME not in body
        assert PETITIONER_PHONE not in body


def test_detail_shows_transfer_history(client_as, cast, agency_a, agency_b):
    case = make_case(agency_a)
    CaseTransfer.objects.create(
        case=case, from_agency=agency_b, to_agency=agency_a, reason="權責屬工務局", by=cast["admin"]
    )

    body = client_as("staff_a").get(detail_url(case)).content.decode()

    assert "權責屬工務局" in body
    assert agency_b.name in body


def test_bureau_list_shows_only_its_agency_cases(client_as, agency_a, agency_b):
    own = make_case(agency_a)
    other = make_case(agency_b)

    body = client_as("staff_a").get("/petitions/").content.decode()

    assert own.case_number in body
    assert other.case_number not in body


def test_list_filters_by_status_received_dates_and_keyword(client_as, agency_a):
    match = make_case(agency_a, received_at=taipei(2024, 2, 5, 9, 0), address="安平區安北路1號")
    make_case(agency_a, received_at=taipei(2024, 2, 6, 9, 0), status=CaseStatus.CLOSED)
    make_case(agency_a, received_at=taipei(2024, 1, 2, 9, 0))

    response = client_as("reviewer").get(
        "/petitions/",
        {"status": "open", "received_from": "113.2.1", "received_to": "113.2.29", "q": "安北"},
    )

    assert [row.case.case_number for row in response.context["rows"]] == [match.case_number]


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/petitions/", "/petitions/mine/"])
@pytest.mark.parametrize("name", ["reviewer", "staff_a"])
def test_list_query_count_does_not_grow_with_rows(client_as, agency_a, url, name):
    client = client_as(name)
    client.get(url)  # builds the process-wide working calendar once
    for day in range(1, 6):
        make_case(agency_a, received_at=taipei(2024, 3, day, 9, 0), due_date=date(2024, 3, 8))
    five = _query_count(client, url)
    for n in range(35):
        make_case(agency_a, received_at=taipei(2024, 4, 1 + n % 28, 9, 0), code="0802")

    forty = _query_count(client, url)

    assert forty == five
    assert len(client.get(url).context["rows"]) == 40


def test_my_cases_overdue_first_with_working_days_left_across_a_holiday(client_as, agency_a):
    # 113.2.7 is the last working day before the Lunar New Year days off (2.8–2.14).
    def case(due, **extra):
        return make_case(agency_a, received_at=taipei(2024, 2, 1, 9, 0), due_date=due, **extra)

    after_holiday = case(date(2024, 2, 15))
    overdue = case(date(2024, 2, 5))
    due_today = case(date(2024, 2, 7), status=CaseStatus.IN_PROGRESS)
    past_makeup_saturday = case(date(2024, 2, 19))
    case(date(2024, 2, 1), status=CaseStatus.CLOSED, closed_at=taipei(2024, 2, 2, 9, 0))

    with time_machine.travel(taipei(2024, 2, 7, 10, 0), tick=False):
        response = client_as("staff_a").get("/petitions/mine/")

    rows = response.context["rows"]
    assert [r.case.case_number for r in rows] == [
        overdue.case_number,
        due_today.case_number,
        after_holiday.case_number,
        past_makeup_saturday.case_number,
    ]
    # 2.5 due: 2.6 and 2.7 late; 2.15 is the first working day after the holiday; 2.19 comes
    # after 2.15, 2.16 and the make-up Saturday 2.17.
    assert [r.days_left for r in rows] == [-2, 0, 1, 4]
    assert "逾期 2 個工作天" in response.content.decode()


def test_my_cases_bureau_sees_only_its_own_open_cases(client_as, agency_a, agency_b):
    own = make_case(agency_a)
    make_case(agency_a, status=CaseStatus.CLOSED, closed_at=taipei(2024, 2, 2, 9, 0))
    make_case(agency_b)

    response = client_as("manager_a").get("/petitions/mine/", {"agency": agency_b.pk})

    assert "agency" not in response.context["form"].fields
    assert [r.case.case_number for r in response.context["rows"]] == [own.case_number]


def test_reviewer_filters_my_cases_by_agency(client_as, agency_a, agency_b):
    make_case(agency_a)
    other = make_case(agency_b)

    response = client_as("reviewer").get("/petitions/mine/", {"agency": agency_b.pk})

    assert [r.case.case_number for r in response.context["rows"]] == [other.case_number]


def test_case_pages_need_a_login(client, db):
    for url in ("/petitions/", "/petitions/mine/", "/petitions/cases/UN202402010001/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


REACH = {
    # path: (staff_a/manager_a, staff_b/manager_b, reviewer/admin, anonymous)
    "/petitions/": (200, 200, 200, 302),
    "/petitions/mine/": (200, 200, 200, 302),
    "/petitions/cases/{case}/": (200, 404, 200, 302),
    "/open311/v2/services.json": (200, 200, 200, 200),
    "/open311/v2/requests.json": (200, 200, 200, 200),
    "/open311/v2/requests/{case}.json": (200, 200, 200, 200),
}
GROUP = {"staff_a": 0, "manager_a": 0, "staff_b": 1, "manager_b": 1, "reviewer": 2, "admin": 2}


@pytest.mark.parametrize("path", REACH)
@pytest.mark.parametrize("name", [*GROUP, "anonymous"])
def test_who_reaches_each_case_page(client_as, agency_a, path, name):
    case = make_case(agency_a)

    response = client_as(name).get(path.format(case=case.case_number))

    assert response.status_code == REACH[path][GROUP.get(name, 3)]
