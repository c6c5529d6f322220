"""The main pages run under the Content-Security-Policy without a single violation: no inline
script or style, nothing loaded from elsewhere, in a real browser."""

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import main_pages, sign_in, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# Runs before any script of the page (Playwright injects it outside the policy) and keeps every
# violation the browser reports on the window, to be read after the page has loaded.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile
      + ":" + event.lineNumber
  );
});
"""


def _violations(page: Page, live_server, paths) -> list[str]:
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    found = []
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        found += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
    return found + console


@pytest.mark.parametrize("who", ["anonymous", "manager_a", "reviewer"])
def test_main_pages_have_no_policy_violations(
    page: Page, live_server, client, cast, portal_data, who
):
    if cast[who] is not None:
        sign_in(page, live_server, client, cast[who])

    assert _violations(page, live_server, main_pages(portal_data)[who]) == []


def test_an_inline_script_would_be_reported(page: Page, live_server, client, cast):
    """The recorder works: a script the page adds inline is refused and reported."""
    sign_in(page, live_server, client, cast["reviewer"])
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/")

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
        }"""
    )
    wait_until(page, "window.__cspViolations.length > 0")

    assert page.evaluate("window.__ran") is None
    assert page.evaluate("window.__cspViolations")[0].startswith("script-src")
