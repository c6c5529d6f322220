"""Government Service Award coaching (政府服務獎輔導): the agencies the commission coaches each year
and how far each got."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.choices import PIPELINE, AwardCategory, CoachingStage
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import ScopedQuerySet, is_commission


class CoachingQuerySet(ScopedQuerySet):
    def editable_by(self, user):
        return self.all() if is_commission(user) else self.none()


class AwardCoaching(models.Model):
    """One agency's entry for the Government Service Award in one year (政府服務獎輔導), from the
    commission's coaching to the award or its end.

    ``reached_level`` is the furthest pipeline stage reached (index in ``PIPELINE``): an entry
    that ends 未獲獎 after the site visit still counts at every stage up to the site visit in the
    funnel."""

    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    agency = models.ForeignKey(
        Agency, verbose_name=_("機關"), on_delete=models.PROTECT, related_name="award_coachings"
    )
    category = models.CharField(_("參獎類別"), max_length=10, choices=AwardCategory.choices)
    title = models.CharField(_("參獎方案名稱"), max_length=200)
    stage = models.CharField(
        _("目前階段"),
        max_length=16,
        choices=CoachingStage.choices,
        default=CoachingStage.COACHING,
    )
    reached_level = models.PositiveSmallIntegerField(_("最遠到達階段"), default=0)
    notes = models.TextField(_("備註"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    objects = CoachingQuerySet.as_manager()

    class Meta:
        verbose_name = _("政府服務獎輔導")
        verbose_name_plural = _("政府服務獎輔導")
        ordering = ["-year", "agency__sort_order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "agency", "title"], name="one_coaching_entry_per_title"
            ),
            models.CheckConstraint(
                condition=models.Q(reached_level__lt=len(PIPELINE)),
                name="coaching_reached_level_in_pipeline",
            ),
        ]

    def __str__(self):
        return f"{self.roc_year} {self.agency} {self.title}"

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET

    @property
    def reached_stage(self) -> CoachingStage:
        return PIPELINE[self.reached_level]


class CoachingStageChange(models.Model):
    """A step of an entry through the award's stages, with its date, who recorded it and why."""

    coaching = models.ForeignKey(
        AwardCoaching,
        verbose_name=_("政府服務獎輔導"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_stage = models.CharField(
        _("原階段"), max_length=16, choices=CoachingStage.choices, blank=True
    )
    to_stage = models.CharField(_("新階段"), max_length=16, choices=CoachingStage.choices)
    on_date = models.DateField(_("日期"))
    note = models.TextField(_("說明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登錄者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("登錄時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("輔導階段紀錄")
        verbose_name_plural = _("輔導階段紀錄")
        ordering = ["coaching", "on_date", "pk"]

    def __str__(self):
        return f"{self.coaching} → {self.get_to_stage_display()}"
