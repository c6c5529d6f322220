"""The OC4IDS feed as real clients see it (issue 16): conditional GETs, gzip, CORS, JSON errors
for every method and URL, one language and one cache entry, redacted free text, and an
OC4IDS_PREFIX the official check accepts."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from projects import oc4ids, services
from projects.choices import ReportState
from tests.conftest import subprocess_env
from tests.projects.factories import filed_report, make_project

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "/open-data/oc4ids/projects.json"


def _one(number):
    return f"/open-data/oc4ids/projects/{number}.json"


@pytest.fixture
def published(agency_a):
    project = make_project(agency_a, control_number="P-FEED", summary="拓寬道路")
    filed_report(project, date(2024, 1, 1), "8.25")
    return project


# -- conditional GET and gzip ------------------------------------------------------------------


@pytest.mark.parametrize("path", [PACKAGE, _one("P-FEED")])
def test_a_client_holding_the_package_gets_304(client, published, path):
    first = client.get(path)
    etag, modified = first["ETag"], first["Last-Modified"]

    by_etag = client.get(path, HTTP_IF_NONE_MATCH=etag)
    by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=modified)

    assert first.status_code == 200
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_date.status_code == 304


def test_a_change_the_package_carries_gives_a_new_etag(client, published, cast):
    etag = client.get(PACKAGE)["ETag"]
    submitted = filed_report(published, date(2024, 2, 1), "16.50", state=ReportState.SUBMITTED)
    services.accept_report(submitted, by=cast["reviewer"])

    again = client.get(PACKAGE, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 200
    assert again["ETag"] != etag


def test_the_package_is_gzipped_and_still_answers_304(client, published):
    plain = client.get(PACKAGE)
    zipped = client.get(PACKAGE, HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.content)) == json.loads(plain.content)
    assert "Accept-Encoding" in zipped["Vary"]
    not_modified = client.get(
        PACKAGE, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]
    )
    assert not_modified.status_code == 304


# -- one language, one cache entry -------------------------------------------------------------


def test_english_browsers_get_the_chinese_package_from_the_same_cache_entry(client, published):
    chinese = client.get(PACKAGE, HTTP_ACCEPT_LANGUAGE="zh-TW")

    with CaptureQueriesContext(connection) as ctx:
        english = client.get(PACKAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert english["Content-Language"] == "zh-hant"
    assert english.content == chinese.content  # the same build, not a second one
    assert len(ctx.captured_queries) == 4  # the data version only: the package was kept
    assert json.loads(english.content)["publisher"]["name"] == "臺南市政府研究發展考核委員會"


# -- browsers and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [PACKAGE, _one("P-FEED")])
def test_any_origin_may_read_the_package(client, published, path):
    response = client.get(path, HTTP_ORIGIN="https://example.org")

    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", [PACKAGE, _one("P-FEED")])
def test_a_preflight_is_answered_not_refused(published, path):
    response = Client(enforce_csrf_checks=True).options(
        path, HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_write_methods_get_a_json_405_with_allow(published, method):
    response = getattr(Client(enforce_csrf_checks=True), method)(PACKAGE)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert response.json()["detail"]


def test_an_unknown_open_data_url_gets_a_json_404(client, db):
    response = client.get("/open-data/oc4ids/nothing.json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]


# -- free text ---------------------------------------------------------------------------------


def test_free_text_in_the_package_is_redacted(client, agency_a):
    make_project(
        agency_a,
        control_number="P-TALK",
        name="大學路22號前人行道改善",
        summary="聯絡人陳先生0912-345-678，chen@example.tw",
    )

    (project,) = json.loads(client.get(PACKAGE).content)["projects"]

    assert project["title"] == "大學路前人行道改善"
    assert project["description"] == "聯絡人陳先生09**-***-***，ch**@*******.**"


# -- the prefix --------------------------------------------------------------------------------


def _check(prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=subprocess_env(OC4IDS_PREFIX=prefix),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("prefix", ["oc4ids-tn-", "oc4ids-abc1234-", "oc4ids-ABC123-", "tainan-"])
def test_a_prefix_the_official_check_refuses_stops_the_start(prefix):
    result = _check(prefix)

    assert result.returncode != 0
    assert "OC4IDS_PREFIX" in result.stderr
    assert "six" in result.stderr


def test_a_registered_shape_prefix_starts():
    assert _check("oc4ids-abc123-").returncode == 0


def test_the_schema_refuses_an_id_the_official_check_refuses(client, published):
    package = json.loads(client.get(PACKAGE).content)
    package["projects"][0]["id"] = "oc4ids-tn-P-FEED"
    validator = Draft202012Validator(oc4ids.load_schema())

    assert [e.validator for e in validator.iter_errors(package)] == ["pattern"]


def test_any_number_in_the_url_is_a_json_404_not_a_cache_key_warning(client, published):
    # The test settings turn warnings into errors: a space or a 300-character number in a
    # cache key would raise CacheKeyWarning here.
    for number in ["P FEED", "P-" + "9" * 300, "P%0AFEED"]:
        response = client.get(_one(number))

        assert response.status_code == 404
        assert response.json()["detail"]
