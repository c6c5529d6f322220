"""Password-reset e-mails are limited per e-mail address and per client address, counted in the
cache; a cache that is down lets the e-mail go (the login itself is guarded by django-axes);
and the page answers the same way whether or not an e-mail was sent."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tainan_rdec.choices import Role
from tests.conftest import subprocess_env

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
MID_WINDOW = datetime(2025, 3, 26, 10, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _counters_of_this_test_only(settings):
    # The in-process cache, whose expiry follows time_machine (Redis keeps its own clock):
    # test_the_limit_holds_on_redis covers Redis.
    settings.CACHES = {"default": {"BACKEND": LOCMEM, "KEY_PREFIX": uuid.uuid4().hex}}
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 5
    settings.PASSWORD_RESET_WINDOW_MINUTES = 60


@pytest.fixture(autouse=True)
def _mid_window():
    # Windows are slots of the clock: a test run across a slot's edge would count twice.
    with time_machine.travel(MID_WINDOW, tick=False):
        yield


def _ask(client, email, address="10.1.2.3"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_ten_requests_for_one_address_send_only_the_limit(client, cast):
    responses = [_ask(client, "staff_a@example.tw", address=f"10.0.0.{n}") for n in range(10)]

    assert len(mail.outbox) == 3
    assert {m.to[0] for m in mail.outbox} == {"staff_a@example.tw"}
    assert {(r.status_code, r["Location"]) for r in responses} == {
        (302, reverse("password_reset_done"))
    }


def test_the_email_limit_ignores_case_and_spaces(client, cast):
    for spelling in [
        "staff_a@example.tw",
        "STAFF_A@example.tw",
        " Staff_A@Example.tw ",
        "staff_a@EXAMPLE.TW",
    ]:
        _ask(client, spelling)

    assert len(mail.outbox) == 3


def test_one_client_address_cannot_mail_many_accounts(client, cast, make_user, agency_a):
    for n in range(8):
        make_user(f"clerk{n}", Role.BUREAU_STAFF, agency_a, email=f"clerk{n}@example.tw")

    for n in range(8):
        _ask(client, f"clerk{n}@example.tw", address="203.0.113.9")

    assert len(mail.outbox) == 5
    _ask(client, "clerk7@example.tw", address="203.0.113.10")
    assert len(mail.outbox) == 6


def test_requests_for_unknown_addresses_count_against_the_client(client, cast):
    for n in range(5):
        _ask(client, f"nobody{n}@example.tw")

    _ask(client, "staff_a@example.tw")
    assert mail.outbox == []


def test_a_refused_request_looks_like_a_sent_one(client, cast):
    sent = [_ask(client, "staff_a@example.tw") for _ in range(3)]
    refused = _ask(client, "staff_a@example.tw")

    assert len(mail.outbox) == 3
    assert (refused.status_code, refused["Location"]) == (sent[0].status_code, sent[0]["Location"])
    page = client.get(refused["Location"]).content.decode()
    assert "請查收電子郵件" in page


def test_the_window_ends_and_mail_goes_again(client, cast):
    for _ in range(4):
        _ask(client, "staff_a@example.tw")
    assert len(mail.outbox) == 3
    with time_machine.travel(MID_WINDOW + timedelta(minutes=61), tick=False):
        _ask(client, "staff_a@example.tw")
    assert len(mail.outbox) == 4


def test_reset_mail_still_goes_when_the_cache_is_down(client, cast, settings):
    # Nothing listens on port 1: every cache call fails with a connection error.
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1/0"}}

    response = _ask(client, "staff_a@example.tw")

    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.redis
def test_the_limit_holds_on_redis(client, cast, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": REDIS,
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }

    for _ in range(5):
        _ask(client, "staff_a@example.tw")

    assert len(mail.outbox) == 3


def test_limits_and_window_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PASSWORD_RESET_LIMIT_PER_EMAIL, s.PASSWORD_RESET_LIMIT_PER_ADDRESS, "
        "s.PASSWORD_RESET_WINDOW_MINUTES)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="tainan_rdec.settings",
            PASSWORD_RESET_LIMIT_PER_EMAIL="2",
            PASSWORD_RESET_LIMIT_PER_ADDRESS="7",
            PASSWORD_RESET_WINDOW_MINUTES="30",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "7", "30"]
