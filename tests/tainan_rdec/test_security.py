"""Security settings shown to hold: the Content-Security-Policy, login throttling, the idle
session timeout and the request-size limit."""

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from tainan_rdec.middleware import client_address
from tests.conftest import DEMO_PASSWORD, subprocess_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# -- Content-Security-Policy --------------------------------------------------------------------

MAIN_PAGES = [
    ("anonymous", LOGIN),
    ("anonymous", "/accounts/password/reset/"),
    ("staff_a", "/"),
    ("staff_a", "/notifications/"),
    ("staff_a", "/projects/"),
    ("staff_a", "/petitions/mine/"),
    ("reviewer", "/"),
    ("reviewer", "/projects/dashboard/"),
    ("reviewer", "/projects/review/"),
    ("reviewer", "/projects/warnings/"),
    ("reviewer", "/projects/directives/"),
    ("reviewer", "/projects/meetings/"),
    ("reviewer", "/projects/packets/"),
    ("reviewer", "/projects/evaluation/"),
    ("reviewer", "/petitions/"),
    ("reviewer", "/petitions/dashboard/"),
    ("reviewer", "/evaluations/"),
    ("reviewer", "/awards/"),
    ("admin", "/admin/"),
]


@pytest.mark.parametrize(("who", "path"), MAIN_PAGES)
def test_main_page_sends_a_policy_without_inline_script_or_style(client_as, who, path):
    response = client_as(who).get(path, follow=True)

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]


# Markup a browser runs as inline script or style, which the policy refuses. E-mails and the
# WeasyPrint packet templates never reach a browser and keep their inline styles.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|javascript:|\son(?:click|dblclick|change|submit|"
    r"reset|load|unload|input|focus|blur|error|key\w+|mouse\w+|pointer\w+|touch\w+|scroll)\s*=",
    re.IGNORECASE,
)
NOT_FOR_BROWSERS = ("emails", "projects/pdf")


def test_no_template_served_to_a_browser_has_inline_script_style_or_handlers():
    templates = ROOT / "templates"
    found = []
    for path in sorted(templates.rglob("*.html")):
        relative = path.relative_to(templates).as_posix()
        if relative.startswith(NOT_FOR_BROWSERS):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


# -- login throttling ---------------------------------------------------------------------------


def _attempt(client, password, username="reviewer", path=LOGIN, address="10.1.2.3"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, times, **kwargs):
    for _ in range(times):
        response = _attempt(client, "not-the-password", **kwargs)
        assert response.status_code in (200, 429)
    return response


def test_fifth_wrong_password_locks_the_login_with_a_chinese_page(client, cast):
    responses = [_attempt(client, "not-the-password") for _ in range(5)]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    locked = _attempt(client, DEMO_PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登入暫時鎖定" in page
    assert "已連續登入失敗 5 次" in page
    assert "請於 15 分鐘後再試" in page
    assert "_auth_user_id" not in client.session


def test_lockout_holds_only_that_user_at_that_address(client, cast):
    _fail(client, 5)

    other_user = _attempt(client, DEMO_PASSWORD, username="staff_a")
    assert other_user.status_code == 302
    client.logout()
    other_address = _attempt(client, DEMO_PASSWORD, address="10.9.9.9")
    assert other_address.status_code == 302


def test_lockout_ends_after_the_cool_off(client, cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, 5)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = _attempt(client, DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast["reviewer"].pk)


def test_a_try_during_the_lockout_starts_the_wait_again(client, cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, 5)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert _attempt(client, DEMO_PASSWORD).status_code == 429
    # 28 minutes after the fifth failure, but 14 after the latest try.
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        assert _attempt(client, DEMO_PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=28 + 16), tick=False):
        assert _attempt(client, DEMO_PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(client, cast):
    _fail(client, 4)
    assert _attempt(client, DEMO_PASSWORD).status_code == 302
    client.logout()

    _fail(client, 4)
    assert _attempt(client, DEMO_PASSWORD).status_code == 302


def test_admin_site_login_is_throttled_too(client, cast):
    response = _fail(client, 5, username="admin", path=ADMIN_LOGIN)

    assert response.status_code == 429
    assert _attempt(client, DEMO_PASSWORD, username="admin", path=ADMIN_LOGIN).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_failure_limit_and_wait_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="tainan_rdec.settings",
            LOGIN_FAILURE_LIMIT="3",
            LOGIN_LOCKOUT_MINUTES="30",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "1800.0"]


def test_client_address_trusts_forwarded_for_only_behind_a_declared_proxy(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7"
    )

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appended the address it saw; what the client wrote before it is not trusted.
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.5"


# -- session expiry -----------------------------------------------------------------------------


def test_session_cookie_ends_with_the_browser(client, cast):
    response = _attempt(client, DEMO_PASSWORD)

    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"] is True


def test_idle_session_ends_after_an_hour(client, cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, DEMO_PASSWORD)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_using_the_portal_keeps_the_session_alive(client, cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, DEMO_PASSWORD)
    # A page every 50 minutes: each request within the hour moves the end on.
    for step in range(1, 5):
        with time_machine.travel(start + timedelta(minutes=50 * step), tick=False):
            assert client.get("/").status_code == 200


def test_session_is_not_written_on_every_request(client, cast):
    from django.contrib.sessions.models import Session

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _attempt(client, DEMO_PASSWORD)
    saved = Session.objects.get().expire_date
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        client.get("/")
    assert Session.objects.get().expire_date == saved
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        client.get("/")
    assert Session.objects.get().expire_date == saved + timedelta(minutes=6)


# -- upload size --------------------------------------------------------------------------------


def _photo_upload(client, size):
    photo = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff" + b"0" * size, "image/jpeg")
    # No such report: a request the view gets answers 404.
    return client.post("/projects/reports/999999/photos/", {"image": photo})


def test_request_over_the_size_limit_is_refused_before_any_view(client_as, settings):
    settings.MAX_REQUEST_BYTES = 64 * 1024
    client = client_as("staff_a")

    assert _photo_upload(client, 60 * 1024).status_code == 404
    response = _photo_upload(client, 100 * 1024)
    assert response.status_code == 413
    assert _policy(response)["script-src"] == ["'self'"]
    page = response.content.decode()
    assert "上傳的檔案過大" in page
    assert "單次上傳的資料不得超過 64.0\xa0KB" in page


def test_size_limit_defaults_to_the_import_limit_and_a_megabyte(settings):
    assert settings.MAX_REQUEST_BYTES == settings.IMPORT_MAX_FILE_BYTES + 1024 * 1024
