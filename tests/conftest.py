"""Shared fixtures: a fixed cast of users, and the rules for the real services.

The cast (one per role, two bureaus) is what every permission test runs over:
staff_a / manager_a at 工務局, staff_b / manager_b at 水利局, a reviewer and an admin at 研考會,
a senior official (長官, read only, no agency) and an anonymous visitor.

Services: under ``CI=true`` PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) are required and the
run fails at start without them. Locally, without them, the suite uses SQLite and skips only the
tests marked ``redis`` / ``postgres``.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

CI = os.environ.get("CI", "").lower() == "true"

# Playwright's sync API keeps an event loop running in the test process for the rest of the
# session once a browser test ran, and Django then refuses ORM calls in every later test on that
# worker. Tests are synchronous code; allow it for the test process (subprocesses that the tests
# start drop it again: see ``subprocess_env``).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def subprocess_env(**overrides) -> dict:
    """The environment for a process a test starts (manage.py, a Celery worker)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(overrides)
    return env


DEMO_PASSWORD = "demo-pass-2024"

CAST = [
    "anonymous",
    "staff_a",
    "manager_a",
    "staff_b",
    "manager_b",
    "reviewer",
    "admin",
    "official",
]


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def _service_problems() -> list[str]:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres"):
        problems.append("DATABASE_URL must point at PostgreSQL under CI=true")
    elif not _reachable(database_url, 5432):
        problems.append(f"PostgreSQL is not answering at {database_url}")
    if not redis_url:
        problems.append("REDIS_URL must be set under CI=true")
    elif not _reachable(redis_url, 6379):
        problems.append(f"Redis is not answering at {redis_url}")
    return problems


def pytest_configure(config):
    if CI:
        problems = _service_problems()
        if problems:
            raise pytest.UsageError("Required services missing: " + "; ".join(problems))


def pytest_collection_modifyitems(config, items):
    have_redis = bool(os.environ.get("REDIS_URL"))
    have_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    for item in items:
        if "redis" in item.keywords and not have_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if "postgres" in item.keywords and not have_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test's uploads (import jobs, photos, packets) go to a throwaway folder, never into
    the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def load_city_agencies():
    """Run the data migration's (idempotent) loader of the city's agencies."""
    import importlib

    from django.apps import apps

    importlib.import_module("tainan_rdec.migrations.0002_load_city_agencies").load(apps, None)
    importlib.import_module("tainan_rdec.migrations.0004_load_districts").load(apps, None)


@pytest.fixture
def city_agencies(db):
    """The agencies and districts the data migrations load. A transactional test's flush
    empties the tables for the tests after it on the same worker: reload them when gone."""
    from tainan_rdec.models import Agency

    if not Agency.objects.filter(code="B26").exists():
        load_city_agencies()


@pytest.fixture
def agency_a(city_agencies):
    from tainan_rdec.models import Agency

    return Agency.objects.get(code="B06")  # 工務局


@pytest.fixture
def agency_b(city_agencies):
    from tainan_rdec.models import Agency

    return Agency.objects.get(code="B07")  # 水利局


@pytest.fixture
def rdec_agency(city_agencies):
    from tainan_rdec.models import Agency

    return Agency.objects.get(code="B26")  # 研考會


@pytest.fixture
def make_user(db):
    from tainan_rdec.models import User

    def make(username, role, agency=None, **extra):
        user = User(username=username, role=role, agency=agency, **extra)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def cast(make_user, agency_a, agency_b, rdec_agency):
    """The fixed cast, by name; ``cast["anonymous"]`` is None."""
    from tainan_rdec.choices import Role

    return {
        "anonymous": None,
        "staff_a": make_user("staff_a", Role.BUREAU_STAFF, agency_a, email="staff_a@example.tw"),
        "manager_a": make_user("manager_a", Role.BUREAU_MANAGER, agency_a),
        "staff_b": make_user("staff_b", Role.BUREAU_STAFF, agency_b),
        "manager_b": make_user("manager_b", Role.BUREAU_MANAGER, agency_b),
        "reviewer": make_user(
            "reviewer", Role.REVIEWER, rdec_agency, email="reviewer@rdec.tainan.gov.tw"
        ),
        "admin": make_user("admin", Role.ADMIN, rdec_agency),
        "official": make_user("official", Role.OFFICIAL, None, email="official@tainan.gov.tw"),
    }


@pytest.fixture
def client_as(client, cast):
    """``client_as("reviewer")`` returns the test client logged in as that cast member."""

    def login(name):
        client.logout()
        user = cast[name]
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Each test starts with an empty cache: a key prefix of its own. With REDIS_URL the cache
    outlives the run and the xdist workers share it, and counters left by another test or run
    (the password-reset limit) would otherwise decide this one."""
    import uuid

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}{prefix}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Unit tests run tasks eagerly; tests/integration starts a real worker instead."""
    from tainan_rdec.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _fresh_working_calendar():
    """A test's rollback sends no signal: forget calendar exceptions a test entered."""
    from tainan_rdec import workdays

    workdays.invalidate_cache()
    yield
    workdays.invalidate_cache()
