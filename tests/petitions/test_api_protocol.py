"""The Open311 GeoReport v2 API as real clients use it (issue 16, "The open-data feeds as real
clients see them"): XML beside JSON from the same data, the service definition and discovery
endpoints, the spec's error list for every error, paging with a total, CORS, and headers."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from petitions.models import Case
from tests.petitions.builders import make_case, subcategory, taipei

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
NOW = taipei(2024, 6, 20, 10, 0)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_cases(agency_a, frozen):
    return [
        make_case(agency_a, received_at=taipei(2024, 6, 2, 9, 0), code="0501"),
        make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0), code="0101", latitude="22.99"),
    ]


def _xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml")
    return ET.fromstring(response.content)


def _element_dict(element: ET.Element) -> dict:
    return {child.tag: (child.text or "") for child in element}


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- XML beside JSON ---------------------------------------------------------------------------


def test_requests_xml_carries_the_same_requests_as_json(client, two_cases):
    as_json = client.get(BASE + "requests.json").json()
    root = _xml(client.get(BASE + "requests.xml"))

    assert root.tag == "service_requests"
    rows = [_element_dict(request) for request in root.findall("request")]
    assert len(rows) == len(as_json) == 2
    for row, expected in zip(rows, as_json, strict=True):
        assert row == {key: _as_text(value) for key, value in expected.items()}


def test_services_xml_lists_the_same_services_as_json(client, frozen):
    subcategory("0501")
    as_json = client.get(BASE + "services.json").json()
    root = _xml(client.get(BASE + "services.xml"))

    assert root.tag == "services"
    rows = [_element_dict(service) for service in root.findall("service")]
    assert rows == [{key: _as_text(value) for key, value in s.items()} for s in as_json]
    assert rows[0]["metadata"] == "false"


def test_one_request_as_xml(client, two_cases):
    case = two_cases[0]

    root = _xml(client.get(BASE + f"requests/{case.case_number}.xml"))

    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == case.case_number
    assert request.findtext("service_code") == "0501"


def test_xml_drops_characters_xml_cannot_carry(client, agency_a, frozen):
    # A control character pasted into a description would make the whole document unreadable.
    case = make_case(
        agency_a, received_at=taipei(2024, 6, 1, 9, 0), description="路燈\x0b不亮\x1f & <閃爍>"
    )

    root = _xml(client.get(BASE + f"requests/{case.case_number}.xml"))

    assert root.findtext("request/description") == "路燈不亮 & <閃爍>"


# -- missing endpoints -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_of_a_known_service(client, fmt):
    subcategory("0501")

    response = client.get(BASE + f"services/0501.{fmt}")

    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == {"service_code": "0501", "attributes": []}
    else:
        root = _xml(response)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "0501"
        assert list(root.find("attributes")) == []


def test_service_definition_of_an_unknown_or_retired_service_is_a_404_error_list(client):
    sub = subcategory("0501")
    sub.active = False
    sub.save()

    for code in ("0501", "9999"):
        response = client.get(BASE + f"services/{code}.json")
        assert response.status_code == 404
        (error,) = response.json()
        assert error["code"] == 404
        assert code in error["description"]


def test_discovery_names_the_endpoint_and_both_formats(client, settings):
    settings.PORTAL_BASE_URL = "https://rdec-portal.tainan.gov.tw"

    data = client.get(BASE + "discovery.json").json()
    root = _xml(client.get(BASE + "discovery.xml"))

    (endpoint,) = data["endpoints"]
    assert endpoint["url"] == "https://rdec-portal.tainan.gov.tw/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert data["changeset"]
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("nothing-here.json", "json"),
        ("nothing-here.xml", "xml"),
        ("requests/a/b.json", "json"),
        ("services", "json"),
        ("tokens/123.xml", "xml"),
    ],
)
def test_unknown_urls_get_the_spec_error_list_not_the_portal_page(client, db, path, fmt):
    response = client.get(BASE + path)

    assert response.status_code == 404
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        (error,) = response.json()
        assert error["code"] == 404
    else:
        root = _xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert root.findtext("error/description")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["requests.json", "services.xml", "requests/UN1.json"])
def test_write_methods_get_405_with_allow_not_the_csrf_page(db, method, path):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(BASE + path)

    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    if path.endswith(".xml"):
        assert _xml(response).findtext("error/code") == "405"
    else:
        (error,) = response.json()
        assert error["code"] == 405
    assert "CSRF" not in response.content.decode("utf-8")


def test_bad_parameters_in_xml_get_an_xml_error_list(client, db):
    response = client.get(BASE + "requests.xml", {"status": "pending"})

    assert response.status_code == 400
    assert _xml(response).findtext("error/code") == "400"


# -- paging ------------------------------------------------------------------------------------


def test_more_than_a_thousand_matching_requests_are_paged_with_their_total(
    client, agency_a, frozen
):
    sub = subcategory("0501")
    start = taipei(2024, 6, 1, 0, 0)
    Case.objects.bulk_create(
        Case(
            case_number=f"UN2024{n:08d}",
            channel="hotline",
            received_at=start + timedelta(minutes=n),
            subcategory=sub,
            category=sub.category,
            handling_agency=agency_a,
            description="路面坑洞",
            due_date=start.date(),
        )
        for n in range(1205)
    )

    first = client.get(BASE + "requests.json")
    last = client.get(BASE + "requests.json", {"page": 2})

    assert len(first.json()) == 1000
    assert first["X-Total-Count"] == "1205"
    assert 'rel="next"' in first["Link"]
    assert "page=2" in first["Link"]
    assert len(last.json()) == 205
    assert last["X-Total-Count"] == "1205"
    assert 'rel="next"' not in last["Link"]
    assert 'rel="prev"' in last["Link"]
    seen = [r["service_request_id"] for r in first.json() + last.json()]
    assert len(set(seen)) == 1205  # every request once, none skipped


def test_page_size_is_honoured_and_capped(client, agency_a, frozen):
    cases = [make_case(agency_a, received_at=taipei(2024, 6, d, 9, 0)) for d in range(1, 6)]
    newest_first = [c.case_number for c in reversed(cases)]

    page1 = client.get(BASE + "requests.json", {"page_size": 2})
    page3 = client.get(BASE + "requests.json", {"page_size": 2, "page": 3})
    beyond = client.get(BASE + "requests.json", {"page_size": 2, "page": 9})
    huge = client.get(BASE + "requests.json", {"page_size": 50000})

    assert [r["service_request_id"] for r in page1.json()] == newest_first[:2]
    assert [r["service_request_id"] for r in page3.json()] == newest_first[4:]
    assert page1["X-Total-Count"] == page3["X-Total-Count"] == "5"
    assert beyond.status_code == 200
    assert beyond.json() == []
    assert len(huge.json()) == 5
    next_link = page1["Link"].split(",")[0]
    assert next_link.endswith('rel="next"')
    assert "page=2" in next_link
    assert "page_size=2" in next_link


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"page_size": "-1"}])
def test_bad_paging_parameters_get_a_400_error_list(client, db, params):
    response = client.get(BASE + "requests.json", params)

    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_paged_requests_take_two_queries_whatever_the_rows(client, agency_a, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE + "requests.json").status_code == 200
        return len(ctx.captured_queries)

    make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    few = queries()
    for day in range(2, 15):
        make_case(agency_a, received_at=taipei(2024, 6, day, 9, 0), code="0802")

    assert queries() == few == 2  # the total, and the page


# -- browsers and headers ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["services.json", "requests.xml", "discovery.json"])
def test_any_origin_may_read_the_feed(client, db, path):
    response = client.get(BASE + path, HTTP_ORIGIN="https://example.org")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = response["Access-Control-Expose-Headers"]
    assert "X-Total-Count" in exposed and "Link" in exposed


def test_a_preflight_is_answered_with_the_allowed_methods(db):
    response = Client(enforce_csrf_checks=True).options(
        BASE + "requests.json",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "if-none-match" in response["Access-Control-Allow-Headers"].lower()


def test_json_says_its_charset(client, two_cases):
    response = client.get(BASE + "requests.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_english_browsers_get_the_chinese_feed_labelled_chinese(client, two_cases):
    response = client.get(BASE + "requests.json", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "zh-hant"
    assert "處理期限" in response.json()[0]["service_notice"]


def test_the_feed_is_gzipped_for_clients_that_ask(client, two_cases):
    plain = client.get(BASE + "requests.json")
    zipped = client.get(BASE + "requests.json", HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
