"""Home-page cards of the projects app (registered in ``ProjectsConfig.ready()``)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tainan_rdec.roc import format_roc_date

# The day of the following month by which a monthly report is due. Later issues make this an
# admin setting; the card only needs to tell filers the date now.
FILING_DUE_DAY = 10


def filing_due_date(today: datetime.date) -> datetime.date:
    """This month's filing is due on the 10th of the following month."""
    if today.month == 12:
        return datetime.date(today.year + 1, 1, FILING_DUE_DAY)
    return datetime.date(today.year, today.month + 1, FILING_DUE_DAY)


def my_filings_card(request) -> dict:
    due = filing_due_date(timezone.localdate())
    return {
        "lines": [
            _("本月填報期限：{date}").format(date=format_roc_date(due)),
            _("請於期限前完成所屬機關列管案件的每月進度填報。"),
        ],
        "link_url": reverse("projects:index"),
        "link_label": _("前往列管案件填報"),
    }


def overview_card(request) -> dict:
    return {
        "lines": [
            _("檢視各機關列管案件的執行進度、落後情形與每月填報狀況。"),
        ],
        "link_url": reverse("projects:index"),
        "link_label": _("前往列管案件總覽"),
    }
