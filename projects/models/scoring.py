"""The annual evaluation score of a project."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import (
    Grade,
)
from projects.models.core import Project, ProjectChildQuerySet


class AnnualScore(models.Model):
    """A project's annual evaluation score (年度考評分數) with each component, the weights used,
    the reviewer's adjustment and the grade."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="scores"
    )
    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    progress_score = models.DecimalField(_("進度達成"), max_digits=5, decimal_places=2)
    budget_score = models.DecimalField(_("經費執行"), max_digits=5, decimal_places=2)
    filing_score = models.DecimalField(_("填報時效及品質"), max_digits=5, decimal_places=2)
    milestone_score = models.DecimalField(_("檢核點達成"), max_digits=5, decimal_places=2)
    weights = models.JSONField(_("權重"), default=dict)
    explanation = models.JSONField(_("計算說明"), default=dict)
    weighted_score = models.DecimalField(_("加權分數"), max_digits=5, decimal_places=2)
    adjustment = models.DecimalField(_("審查加減分"), max_digits=4, decimal_places=2, default=0)
    adjustment_reason = models.TextField(_("加減分理由"), blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_score = models.DecimalField(_("考評分數"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("等第"), max_length=10, choices=Grade.choices)
    computed_at = models.DateTimeField(_("計算時間"), auto_now=True)

    # A reviewer's adjustment (審查加減分) is a save and gets a row with who and when.
    history = HistoricalRecords(excluded_fields=["computed_at"])
    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度考評分數")
        verbose_name_plural = _("年度考評分數")
        ordering = ["-year", "-final_score"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="one_score_per_year"),
            models.CheckConstraint(
                condition=Q(adjustment=0) | ~Q(adjustment_reason=""),
                name="score_adjustment_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.year}: {self.final_score}"
