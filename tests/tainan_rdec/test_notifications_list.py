"""The notifications page is a plain list: each subject reads as a link (it opens the page the
reminder is about), not as a large dark button; 「全部標示為已讀」 is a separate action beside the
count, not part of the list. (The layout is checked in Chromium: tests/e2e/test_screens.py.)"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType

from tainan_rdec.choices import ReminderState
from tainan_rdec.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminders(cast, agency_a):
    content_type = ContentType.objects.get_for_model(agency_a)
    return [
        Reminder.objects.create(
            kind="test.notice",
            recipient=cast["staff_a"],
            content_type=content_type,
            object_id=agency_a.pk,
            period=date(2024, 3, n),
            subject=f"【稽催】測試工程113年3月辦理情形已逾填報期限（{n}）",
            body="請儘速填報。",
            link="/projects/",
            state=ReminderState.SENT,
        )
        for n in (1, 2)
    ]


def test_each_subject_is_a_list_item_styled_as_a_link(client_as, reminders):
    html = client_as("staff_a").get("/notifications/").content.decode()
    items = re.findall(r'<li class="notification[^"]*">(.*?)</li>', html, re.S)
    assert len(items) == 2
    for item, reminder in zip(items, reversed(reminders), strict=True):
        button = re.search(r"<button([^>]*)>(.*?)</button>", item, re.S)
        assert reminder.subject in button.group(2)
        assert 'class="link-button' in button.group(1)
        assert "button-small" not in button.group(1) and 'class="button' not in button.group(1)
        assert f'action="/notifications/{reminder.pk}/read/"' in item


def test_mark_all_read_is_set_apart_from_the_list_beside_the_count(client_as, reminders):
    html = client_as("staff_a").get("/notifications/").content.decode()
    toolbar = re.search(r'<div class="list-toolbar">(.*?)</div>', html, re.S)
    assert toolbar, "the count and the action share a toolbar"
    assert "共 2 則" in toolbar.group(1)
    assert "全部標示為已讀" in toolbar.group(1)
    assert 'class="button button-secondary button-small"' in toolbar.group(1)
    listing = html.split('<ol class="notification-list">', 1)[1].split("</ol>", 1)[0]
    assert "全部標示為已讀" not in listing
