"""What the Open311 API publishes of a case's free text: redacted, and nothing at all of a case
withheld from open data (issue 16, item 2)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import time_machine

from petitions.models import Case
from tests.petitions.builders import make_case, taipei

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
NOW = taipei(2024, 6, 20, 10, 0)

DESCRIPTION = (
    "本人王小明（電話0912-345-678，身分證A123456789，居留證A823456789、舊證AC12345678），"
    "住臺南市東區大學路1號3樓之2，市話(06)299-1111，信箱xiaoming.wang@example.tw，門口路燈不亮"
)
SECRETS = [
    "王小明",
    "0912-345-678",
    "A123456789",
    "A823456789",
    "AC12345678",
    "299-1111",
    "xiaoming.wang@example.tw",
    "1號",
    "3樓",
]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def talkative_case(agency_a, frozen):
    return make_case(
        agency_a,
        received_at=taipei(2024, 6, 1, 9, 0),
        description=DESCRIPTION,
        address="臺南市東區大學路一段1號3樓之2",
        petitioner_name="王小明",
    )


def test_case_text_is_published_redacted_to_anonymous_users(client, talkative_case):
    (row,) = client.get(BASE + f"requests/{talkative_case.case_number}.json").json()

    assert row["description"] == (
        "本人王**（電話09**-***-***，身分證A1********，居留證A8********、舊證AC********），"
        "住臺南市東區大學路，市話(06)***-****，信箱xi******.****@*******.**，門口路燈不亮"
    )
    assert row["address"] == "臺南市東區大學路一段"


@pytest.mark.parametrize(
    "path",
    [
        "requests.json",
        "requests.xml",
        "requests/{number}.json",
        "requests/{number}.xml",
        "requests.json?service_request_id={number}",
    ],
)
def test_no_identifier_in_any_published_form(client, talkative_case, path):
    response = client.get(BASE + path.format(number=talkative_case.case_number))

    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert talkative_case.case_number in body
    for secret in SECRETS:
        assert secret not in body


def test_published_coordinates_are_rounded_to_about_a_hundred_metres(client, agency_a, frozen):
    # A house number reduced to its road would be given back by coordinates to the metre.
    case = make_case(
        agency_a,
        received_at=taipei(2024, 6, 1, 9, 0),
        latitude="22.996712",
        longitude="120.218934",
    )

    (row,) = client.get(BASE + f"requests/{case.case_number}.json").json()

    assert (row["lat"], row["long"]) == (22.997, 120.219)


def test_a_case_withheld_from_open_data_is_absent_everywhere(client, agency_a, frozen):
    shown = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    withheld = make_case(agency_a, received_at=taipei(2024, 6, 2, 9, 0), published=False)

    listed = client.get(BASE + "requests.json").json()
    by_id = client.get(BASE + "requests.json", {"service_request_id": withheld.case_number})
    one = client.get(BASE + f"requests/{withheld.case_number}.json")
    one_xml = client.get(BASE + f"requests/{withheld.case_number}.xml")

    assert [r["service_request_id"] for r in listed] == [shown.case_number]
    assert by_id.json() == []
    assert one.status_code == 404
    assert one.json()[0]["code"] == 404
    assert one_xml.status_code == 404
    assert ET.fromstring(one_xml.content).find("error/code").text == "404"


def test_cases_are_published_unless_marked(agency_a):
    assert make_case(agency_a).published is True


def test_an_admin_withholds_a_case_from_the_admin_list(client_as, agency_a, frozen):
    case = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    admin = client_as("admin")

    response = admin.post(
        "/admin/petitions/case/",
        {"action": "withhold_from_open_data", "_selected_action": [case.pk]},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.published is False
    assert admin.get(BASE + f"requests/{case.case_number}.json").status_code == 404

    admin.post(
        "/admin/petitions/case/",
        {"action": "publish_on_open_data", "_selected_action": [case.pk]},
    )
    assert Case.objects.get(pk=case.pk).published is True


def test_the_admin_case_form_offers_the_open_data_switch(client_as, agency_a):
    case = make_case(agency_a)

    page = client_as("admin").get(f"/admin/petitions/case/{case.pk}/change/")

    assert page.status_code == 200
    assert 'name="published"' in page.content.decode("utf-8")
