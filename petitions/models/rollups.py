"""Pre-computed case figures (統計彙總) the dashboards read instead of the case table."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.choices import RollupDimension

# ``agency_key`` of the rows that count every agency (the city as a whole).
ALL_AGENCIES = 0


class Rollup(models.Model):
    """Pre-computed case figures for one period, one agency (or the whole city) and one value of
    one dimension, so dashboards never scan the case table.

    A case contributes ``received`` on its receipt date, ``fell_due`` on its due date and the
    closing measures on its closing date (see ``petitions.services``). Each contribution is
    counted in eight rows of each grain: the agency's total, the agency's category, channel and
    district rows, and the same four with ``agency_key`` 0 (the city); a day of a month that is
    over (before ``PetitionSettings.daily_rollups_from``) in the monthly and yearly rows only. A
    row per (period, dimension, agency, value) keeps the tables small: an agency's five-year
    table reads about fifteen yearly and monthly rows per agency, whatever the number of
    cases.

    ``repeat_calls`` counts, on its receipt date like ``received``, each case that is a later
    call of a problem group (not the group's ``first_case``), so that problems (問題數) add up
    like cases do: by agency, category, channel, district and day.

    ``histogram`` counts closed cases by processing days (keys "0.5", "1", "2", ...): working
    days are whole or half, so percentiles from it are exact and rollups add up."""

    agency_key = models.PositiveIntegerField(_("機關"))  # Agency pk, or ALL_AGENCIES
    dimension = models.CharField(max_length=10, choices=RollupDimension.choices)
    # The category pk, channel or district code as text; "" for totals and for cases without
    # a district (a key column may not be NULL: SQLite cannot enforce a unique constraint that
    # treats NULLs as equal).
    value = models.CharField(max_length=20, blank=True, default="")
    received = models.PositiveIntegerField(default=0)
    # Of ``received``, the later calls of a problem already reported (重複陳情: a case of a
    # problem group other than its first call). Problems (問題數) = received − repeat_calls,
    # each problem counted once, on the day, for the agency and the category of its first call.
    repeat_calls = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    fell_due = models.PositiveIntegerField(default=0)
    fell_due_closed_on_time = models.PositiveIntegerField(default=0)
    # Closed, on time or late, counted on the due day: fell_due − fell_due_closed on the days
    # already past is the number of cases overdue and still open.
    fell_due_closed = models.PositiveIntegerField(default=0)
    processing_days_sum = models.DecimalField(max_digits=12, decimal_places=1, default=Decimal(0))
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_count = models.PositiveIntegerField(default=0)
    # Rated 4 or 5 (滿意、非常滿意): the share satisfied is this ÷ satisfaction_count.
    satisfaction_satisfied = models.PositiveIntegerField(default=0)
    histogram = models.JSONField(default=dict)

    class Meta:
        abstract = True


class DailyRollup(Rollup):
    """Rollup rows per day, for the months not yet over (from
    ``PetitionSettings.daily_rollups_from`` on): what the statistics read of this month."""

    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("每日統計")
        verbose_name_plural = _("每日統計")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "agency_key", "value", "day"], name="one_daily_rollup_per_key"
            )
        ]
        indexes = [models.Index(fields=["dimension", "day"], name="daily_rollup_dimension_day")]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.agency_key} {self.value}"


class MonthlyRollup(Rollup):
    """Rollup rows per calendar month (``month`` is its first day): what long periods read."""

    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("每月統計")
        verbose_name_plural = _("每月統計")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "agency_key", "value", "month"],
                name="one_monthly_rollup_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "month"], name="monthly_rollup_dimension_month")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.dimension} {self.agency_key} {self.value}"


class YearlyRollup(Rollup):
    """Rollup rows per calendar year (``year`` is its 1 January), summed from the year's
    monthly rows by every writer: what the whole years of a long period read (five years by
    agency: about fifteen rows per agency instead of sixty)."""

    year = models.DateField(_("年度"))

    class Meta:
        verbose_name = _("每年統計")
        verbose_name_plural = _("每年統計")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "agency_key", "value", "year"],
                name="one_yearly_rollup_per_key",
            )
        ]
        indexes = [models.Index(fields=["dimension", "year"], name="yearly_rollup_dimension_year")]

    def __str__(self):
        return f"{self.year:%Y} {self.dimension} {self.agency_key} {self.value}"
