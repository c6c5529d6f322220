"""A reviewer signs in with the keyboard, reaches a section and signs out, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD

# live_server needs real transactions; conftest's city_agencies reloads the agencies each time.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reviewer_login_journey(page: Page, live_server, cast):
    page.goto(f"{live_server.url}/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    expect(skip_link).to_have_text("跳到主要內容區塊")
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_be_in_viewport()
    page.screenshot(path="/tmp/login.png", full_page=True)

    page.get_by_label("帳號").fill("reviewer")
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_label("密碼").press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".user-meta")).to_contain_text("研考會審查人員")
    expect(page.get_by_role("heading", name="列管總覽")).to_be_visible()
    page.screenshot(path="/tmp/home.png", full_page=True)

    menu = page.get_by_role("navigation", name="主選單")
    menu.get_by_role("link", name="列管案件").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/projects/")
    expect(menu.get_by_role("link", name="列管案件")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("列管案件")

    page.get_by_role("button", name="登出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_wrong_password_is_announced_in_chinese(page: Page, live_server, cast):
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_label("帳號").fill("reviewer")
    page.get_by_label("密碼").fill("not-the-password")
    page.get_by_role("button", name="登入").click()

    expect(page.get_by_role("alert")).to_contain_text("錯誤：帳號或密碼不正確")


def test_home_fits_a_360px_phone(page: Page, live_server, client, cast):
    client.force_login(cast["staff_a"])
    session_cookie = client.cookies["sessionid"]
    page.context.add_cookies(
        [{"name": "sessionid", "value": session_cookie.value, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(f"{live_server.url}/")

    expect(page.get_by_role("heading", name="我的填報")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/home-mobile.png", full_page=True)
