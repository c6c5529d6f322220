"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = os.path.dirname(__file__)


def _is_browser_test(item) -> bool:
    return str(item.path).startswith(HERE + os.sep)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `playwright install` cannot download browsers here; use the system Chromium. --no-sandbox
    # lets it run as root (CI containers).
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Ask for Traditional Chinese as a Taiwanese desktop would, so LocaleMiddleware picks zh-hant.
    return {**browser_context_args, "locale": "zh-TW", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def base_url():
    # Shadows pytest-playwright's fallback base_url, which is defined on a plugin object and so
    # raises PytestRemovedIn10Warning (an error under filterwarnings=error). Tests build URLs
    # from live_server.url instead.
    return None


@pytest.fixture(autouse=True)
def _agencies_for_live_server(transactional_db, city_agencies):
    """live_server needs real transactions; the flush after each one empties the agency table,
    and serialized_rollback does not restore it once Playwright's event loop runs (the test sees
    another connection object than the one pytest-django serialized). ``city_agencies`` reloads
    them explicitly."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.e2e)
            if not os.path.exists(CHROMIUM):
                if os.environ.get("CI", "").lower() == "true":
                    raise pytest.UsageError(f"CI=true needs Chromium at {CHROMIUM} (.ci/run)")
                item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}"))
