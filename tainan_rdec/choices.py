from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    BUREAU = "bureau", _("一級機關/局處")
    SECOND_TIER = "second_tier", _("二級機關")
    DISTRICT_OFFICE = "district", _("區公所")
    HOTLINE_1999 = "hotline", _("1999話務中心")
    OTHER = "other", _("其他")


class Role(models.TextChoices):
    BUREAU_STAFF = "bureau_staff", _("局處填報人員")
    BUREAU_MANAGER = "bureau_manager", _("局處主管")
    REVIEWER = "reviewer", _("研考會審查人員")
    ADMIN = "admin", _("系統管理者")
    # The mayor's office and senior officials (首長／長官): read every agency's dashboards,
    # statistics and the executive briefing; change, decide and see personal data never.
    OFFICIAL = "official", _("長官／首長")


# Roles that work for the commission and so read every agency's data.
COMMISSION_ROLES = frozenset({Role.REVIEWER, Role.ADMIN})
# Roles that read every agency's figures: the commission, and the senior officials (read only).
# A page of figures for the whole city lets these in: ``role_required(*CITY_WIDE_READERS)``.
CITY_WIDE_READERS = COMMISSION_ROLES | {Role.OFFICIAL}
BUREAU_ROLES = frozenset({Role.BUREAU_STAFF, Role.BUREAU_MANAGER})


class CalendarExceptionKind(models.TextChoices):
    DAY_OFF = "day_off", _("停止上班（放假）")
    WORKING_DAY = "working_day", _("照常上班（補班或更正）")


class ReminderState(models.TextChoices):
    PENDING = "pending", _("待寄送")
    SENDING = "sending", _("寄送中")
    SENT = "sent", _("已寄送")
    FAILED = "failed", _("寄送失敗")
    # The recipient has no e-mail address: the reminder is on their notifications page only.
    PORTAL_ONLY = "portal_only", _("僅站內通知")
