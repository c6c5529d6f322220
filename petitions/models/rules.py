"""The commission's adjustable rules for case statistics and grouping (one row)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class PetitionSettings(models.Model):
    """The commission's adjustable rules for case statistics (one row; DOMAIN.md *defaults*)."""

    min_cases_for_ranking = models.PositiveIntegerField(_("列入排名的最低案件數"), default=30)
    overdue_flag_rate = models.DecimalField(
        _("逾期率警示門檻（%）"), max_digits=5, decimal_places=2, default=3
    )
    # The follow-through of an agency above the flag for a month (its improvement item is the
    # evaluations app's): the days it has to file its plan, and the whole months in a row its
    # rate must stay at or under the flag before the item is closed.
    improvement_plan_days = models.PositiveSmallIntegerField(
        _("改善計畫提出期限（日）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("逾期率高於門檻的機關，自列管日起於此日數內提出改善計畫。"),
    )
    improvement_recovery_months = models.PositiveSmallIntegerField(
        _("解除列管所需連續達標月數"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("機關回報改善成效後，逾期率連續此月數不高於門檻，改善事項即解除列管。"),
    )
    # One problem, many callers (重複陳情歸併): cases of one category this close, received
    # within this many working days of each other (or at the same address), whose descriptions
    # are alike, are one problem (petitions/grouping.py).
    grouping_distance_m = models.PositiveSmallIntegerField(
        _("歸併距離（公尺）"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    grouping_working_days = models.PositiveSmallIntegerField(
        _("歸併期間（工作天）"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )

    # Daily rollup rows are kept from this day (the first of a month) on; the months before it
    # are kept as monthly rows only (``petitions.rollups.fold_past_months``, nightly). None:
    # every day is kept. Not a setting an admin edits: the nightly rebuild moves it.
    daily_rollups_from = models.DateField(
        _("每日統計保留起日"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("陳情統計參數")
        verbose_name_plural = _("陳情統計參數")

    def __str__(self):
        return str(_("陳情統計參數"))

    @classmethod
    def get(cls) -> "PetitionSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
