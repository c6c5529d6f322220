from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardClass(models.TextChoices):
    """The city's nine award classes, in the order of its published table (one per award)."""

    INTERNATIONAL = "international", _("國際大獎")
    NATIONAL = "national", _("國內大獎")
    FIRST_PLACE = "first", _("第1名")
    SECOND_PLACE = "second", _("第2名")
    THIRD_PLACE = "third", _("第3名")
    MERIT = "merit", _("績優")
    EXCELLENT = "excellent", _("優等")
    GRADE_A = "grade_a", _("甲等")
    OTHER = "other", _("其他")


class AwardState(models.TextChoices):
    REGISTERED = "registered", _("待確認")
    CONFIRMED = "confirmed", _("已確認")
    RETURNED = "returned", _("退回補正")
