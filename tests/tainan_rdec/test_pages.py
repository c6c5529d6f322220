"""The layout, sign-in and account pages, home cards and error pages."""

import datetime
import re
import zoneinfo

import time_machine
from django.core import mail
from django.urls import reverse

from tests.conftest import DEMO_PASSWORD


def test_login_page_has_chinese_labels_and_skip_link(client, db):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hant">' in html
    assert '<a class="skip-link" href="#main">跳到主要內容區塊</a>' in html
    assert re.search(r'<label for="id_username">帳號', html)
    assert re.search(r'<label for="id_password">密碼', html)
    assert f'href="{reverse("password_reset")}"' in html
    assert "忘記密碼？" in html


def test_login_with_wrong_password_shows_chinese_error(client, cast):
    response = client.post(reverse("login"), {"username": "reviewer", "password": "wrong"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "錯誤：帳號或密碼不正確" in html
    assert "_auth_user_id" not in client.session


def test_reviewer_logs_in_and_lands_on_home_with_role_and_agency(client, cast):
    response = client.post(
        reverse("login"), {"username": "reviewer", "password": DEMO_PASSWORD}, follow=True
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "研考會審查人員" in html
    assert "臺南市政府研究發展考核委員會" in html
    assert "<title>首頁 – 臺南市政府研考會管考入口網</title>" in html


def test_bureau_staff_home_shows_my_filings_card_not_overview(client_as):
    response = client_as("staff_a").get(reverse("home"))

    html = response.content.decode()
    assert "我的填報" in html
    assert "填報期限" in html
    assert "列管總覽" not in html


def test_decembers_filing_deadline_is_the_10th_of_january_in_roc_date(client_as):
    taipei = zoneinfo.ZoneInfo("Asia/Taipei")
    with time_machine.travel(datetime.datetime(2025, 1, 6, 9, 0, tzinfo=taipei), tick=False):
        response = client_as("manager_a").get(reverse("home"))

    html = response.content.decode()
    assert "我的填報：113年12月" in html
    assert "填報期限 114.1.10" in html


def test_reviewer_home_shows_overview_card(client_as):
    response = client_as("reviewer").get(reverse("home"))

    html = response.content.decode()
    assert "列管總覽" in html
    assert "我的填報" not in html


def test_nav_marks_current_section(client_as):
    response = client_as("reviewer").get(reverse("projects:index"))

    html = response.content.decode()
    assert f'<a href="{reverse("projects:index")}" aria-current="page">列管案件</a>' in html
    assert f'<a href="{reverse("petitions:index")}">' in html


def test_nav_shows_admin_link_only_to_admin(client_as):
    assert "系統管理" in client_as("admin").get(reverse("home")).content.decode()
    for name in ["staff_a", "manager_a", "reviewer"]:
        assert "系統管理" not in client_as(name).get(reverse("home")).content.decode()


def test_logout_by_post_signs_out(client_as):
    client = client_as("staff_a")

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_mails_chinese_link_for_known_email(client, cast):
    response = client.post(reverse("password_reset"), {"email": "staff_a@example.tw"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff_a@example.tw"]
    assert "重設密碼" in message.subject
    assert "\n" not in message.subject
    assert "您好" in message.body
    assert re.search(r"http://testserver/accounts/reset/[\w-]+/[\w-]+/", message.body)


def test_password_reset_link_opens_new_password_form(client, cast):
    client.post(reverse("password_reset"), {"email": "staff_a@example.tw"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)

    html = response.content.decode()
    assert "設定新密碼" in html
    assert '<label for="id_new_password1">新密碼' in html
    assert 'aria-describedby="id_new_password1_helptext"' in html


def test_password_change_form_shows_field_errors_in_chinese(client_as):
    response = client_as("staff_a").post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )

    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'id="id_old_password_error"' in html
    assert "錯誤：" in html


def test_password_reset_for_unknown_email_looks_the_same(client, cast):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.tw"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "請查收電子郵件" in response.content.decode()
    assert mail.outbox == []


def test_password_reset_link_invalid_shows_chinese_notice(client, db):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    )

    assert "重設連結無效" in response.content.decode()


def test_unknown_url_gives_chinese_404(client, db, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "找不到您要的網頁" in html
    assert 'href="/"' in html
