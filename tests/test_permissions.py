"""Every URL the portal serves, requested by every member of the cast.

``MATRIX`` says what each role gets. ``test_every_url_is_in_the_matrix`` fails when a new URL is
added without a row here, so no page escapes the permission test.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import CAST

LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin_login"  # 302 to the admin's login page

ALL_SIGNED_IN = {name: 200 for name in CAST if name != "anonymous"}


def signed_in(status=200, anonymous=LOGIN):
    return {**{name: status for name in ALL_SIGNED_IN}, "anonymous": anonymous}


# url name -> (path to request, {cast member: expected status})
MATRIX = {
    "home": ("/", signed_in()),
    "healthz": ("/healthz", {name: 200 for name in CAST}),
    "login": ("/accounts/login/", {**signed_in(302), "anonymous": 200}),
    "logout": ("/accounts/logout/", {name: 405 for name in CAST}),  # POST only
    "password_change": ("/accounts/password/change/", signed_in()),
    "password_change_done": ("/accounts/password/change/done/", signed_in()),
    "password_reset": ("/accounts/password/reset/", {name: 200 for name in CAST}),
    "password_reset_done": ("/accounts/password/reset/done/", {name: 200 for name in CAST}),
    "password_reset_confirm": (
        "/accounts/reset/MQ/invalid-token/",
        {name: 200 for name in CAST},  # shows "link no longer valid"
    ),
    "password_reset_complete": ("/accounts/reset/done/", {name: 200 for name in CAST}),
    "projects:index": ("/projects/", signed_in()),
    "petitions:index": ("/petitions/", signed_in()),
    "evaluations:index": ("/evaluations/", signed_in()),
    "awards:index": ("/awards/", signed_in()),
    # The admin site: system administrators only; everyone else is sent to its login.
    "admin:index": (
        "/admin/",
        {**{name: ADMIN_LOGIN for name in CAST}, "admin": 200},
    ),
}


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                yield "admin:index"  # the admin site is covered by its own row
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _url_names(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_is_in_the_matrix():
    missing = set(_url_names()) - set(MATRIX)
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


CASES = [(url_name, who) for url_name in MATRIX for who in CAST]


@pytest.mark.parametrize(("url_name", "who"), CASES)
def test_permission_matrix(client_as, url_name, who):
    path, expected = MATRIX[url_name]
    response = client_as(who).get(path)
    want = expected[who]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif want == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == want
