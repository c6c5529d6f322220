from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HOTLINE_1999 = "hotline", _("1999專線")
    MAYOR_MAILBOX = "mayor_mailbox", _("市長信箱")
    WEB = "web", _("網路")
    EMAIL = "email", _("電子郵件")
    COUNTER = "counter", _("臨櫃")
    LETTER = "letter", _("書面")
    APP = "app", _("APP")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("受理")
    ASSIGNED = "assigned", _("分派")
    IN_PROGRESS = "in_progress", _("處理中")
    CLOSED = "closed", _("已結案")
    REOPENED = "reopened", _("重新開啟")


OPEN_STATUSES = frozenset(
    {CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED}
)


class RollupDimension(models.TextChoices):
    """What a rollup row is broken down by. ``TOTAL`` rows hold an agency's figures (or, with
    ``agency_key`` 0, the city's); the others hold one category, channel or district of them."""

    TOTAL = "total", _("合計")
    CATEGORY = "category", _("案件類別")
    CHANNEL = "channel", _("受理管道")
    DISTRICT = "district", _("行政區")


class ReminderKind(models.TextChoices):
    """The kinds of reminder this app sends (``Reminder.kind``)."""

    OVERDUE_DIGEST = "petitions.overdue_digest", _("陳情案件逾期每日摘要")
