"""What both public feeds (Open311 and OC4IDS) share: the rate limit per client address, and
caches that fail soft (issue 16, items 2 and 3). Every page that uses the cache is requested
with the cache on a closed port."""

from __future__ import annotations

import ast
import json
import os
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import time_machine

from tests.petitions.builders import make_case, subcategory, taipei
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NOW = taipei(2024, 6, 20, 10, 0)
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def feeds(agency_a, frozen):
    """One case and one published project, and every feed URL with what its answer must hold."""
    case = make_case(agency_a, received_at=taipei(2024, 6, 1, 9, 0))
    make_project(agency_a, control_number="P-DOWN", name="永康區中正路拓寬工程")
    subcategory("0501")
    number = case.case_number
    urls = {}
    for fmt in ("json", "xml"):
        urls[f"/open311/v2/services.{fmt}"] = "路面坑洞"
        urls[f"/open311/v2/services/0501.{fmt}"] = "0501"
        urls[f"/open311/v2/discovery.{fmt}"] = "GeoReport_v2"
        urls[f"/open311/v2/requests.{fmt}"] = number
        urls[f"/open311/v2/requests/{number}.{fmt}"] = number
    urls["/open-data/oc4ids/projects.json"] = "永康區中正路拓寬工程"
    urls["/open-data/oc4ids/projects/P-DOWN.json"] = "永康區中正路拓寬工程"
    return urls


def _address() -> str:
    """A client address of this test alone: counters in a shared cache never meet another's."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


# -- the rate limit ----------------------------------------------------------------------------


def test_past_the_limit_the_api_answers_429_with_retry_after(client, feeds, settings):
    settings.OPEN_DATA_RATE_LIMIT = 3
    settings.OPEN_DATA_RATE_WINDOW = 60
    me = _address()

    answers = [
        client.get("/open311/v2/services.json", REMOTE_ADDR=me),
        client.get("/open-data/oc4ids/projects.json", REMOTE_ADDR=me),
        client.get("/open311/v2/requests.xml", REMOTE_ADDR=me),
    ]
    json_refused = client.get("/open311/v2/requests.json", REMOTE_ADDR=me)
    xml_refused = client.get("/open311/v2/requests.xml", REMOTE_ADDR=me)
    oc4ids_refused = client.get("/open-data/oc4ids/projects.json", REMOTE_ADDR=me)
    someone_else = client.get("/open311/v2/requests.json", REMOTE_ADDR=_address())

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert json_refused.status_code == 429
    assert 1 <= int(json_refused["Retry-After"]) <= 60
    assert json_refused.json()[0]["code"] == 429
    assert "秒後再試" in json_refused.json()[0]["description"]
    assert xml_refused.status_code == 429
    assert ET.fromstring(xml_refused.content).findtext("error/code") == "429"
    assert oc4ids_refused.status_code == 429
    assert oc4ids_refused.json()["detail"]
    assert oc4ids_refused["Access-Control-Allow-Origin"] == "*"  # a browser may read why
    assert someone_else.status_code == 200


def test_the_limit_lifts_when_the_window_ends(client, feeds, settings, frozen):
    settings.OPEN_DATA_RATE_LIMIT = 1
    settings.OPEN_DATA_RATE_WINDOW = 60
    me = _address()
    assert client.get("/open311/v2/services.json", REMOTE_ADDR=me).status_code == 200
    refused = client.get("/open311/v2/services.json", REMOTE_ADDR=me)
    assert refused.status_code == 429

    frozen.shift(int(refused["Retry-After"]))

    assert client.get("/open311/v2/services.json", REMOTE_ADDR=me).status_code == 200


def test_behind_the_proxy_each_client_address_has_its_own_budget(client, feeds, settings):
    settings.OPEN_DATA_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, first, second = _address(), _address(), _address()

    def get(client_address):
        return client.get(
            "/open311/v2/services.json", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_address
        ).status_code

    assert [get(first), get(second), get(first), get(second)] == [200, 200, 429, 429]


# -- a cache that fails ------------------------------------------------------------------------


def test_with_the_cache_down_every_cached_page_answers_from_the_data(
    client, feeds, settings, caplog
):
    settings.CACHES = DEAD_CACHE
    settings.OPEN_DATA_RATE_LIMIT = 1  # counted in the cache: fails open
    me = _address()

    for url, expected in feeds.items():
        for _attempt in range(2):  # past the limit, were the counter working
            response = client.get(url, REMOTE_ADDR=me)
            assert response.status_code == 200, (url, response.content[:300])
            assert expected in response.content.decode("utf-8"), url
        if url.endswith(".xml"):
            ET.fromstring(response.content)
        else:
            json.loads(response.content)

    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "cache" in r.message]
    assert warnings


def test_with_the_cache_down_the_package_still_answers_304(client, feeds, settings):
    settings.CACHES = DEAD_CACHE
    first = client.get("/open-data/oc4ids/projects/P-DOWN.json")

    again = client.get("/open-data/oc4ids/projects/P-DOWN.json", HTTP_IF_NONE_MATCH=first["ETag"])

    # Built anew without a cache; at the same instant the same bytes, so the same ETag.
    assert first.status_code == 200
    assert again.status_code == 304


@pytest.mark.redis
def test_the_counters_live_in_redis(client, feeds, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.OPEN_DATA_RATE_LIMIT = 2
    me = _address()

    statuses = [
        client.get("/open311/v2/services.json", REMOTE_ADDR=me).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


# -- every use of the cache goes through the helper --------------------------------------------

CACHE_HELPER = ROOT / "tainan_rdec" / "caching.py"
PACKAGES = ["tainan_rdec", "projects", "petitions", "evaluations", "awards"]


def _cache_users() -> list[str]:
    users = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == CACHE_HELPER or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                if any(
                    n.startswith("django.core.cache") or n.endswith("cache_page") for n in names
                ):
                    users.append(str(path.relative_to(ROOT)))
    return users


def test_only_the_fail_soft_helper_touches_the_cache():
    # A page that reads the cache directly would answer 500 when Redis is down; every cached
    # page goes through tainan_rdec.caching, which the test above runs with the cache down.
    assert _cache_users() == []


def test_a_forwarded_address_of_any_shape_is_counted_without_warnings(client, feeds, settings):
    # The test settings turn warnings into errors: the address goes into a cache key.
    settings.OPEN_DATA_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 2
    odd = "a b c " + "9" * 300

    def get():
        return client.get(
            "/open311/v2/services.json", HTTP_X_FORWARDED_FOR=f"{odd}, 10.0.0.1"
        ).status_code

    assert [get(), get()] == [200, 429]
