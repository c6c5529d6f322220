"""Improvement items (改善事項): the portal's one mechanism for following an agency until it has
fixed something — raised by a reviewer after a mystery-shopper audit, or by the monthly
follow-through of petition timeliness (an overdue rate above the flag). The same pages, the same
urging through the reminder log and the same permission rules serve both."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from evaluations.choices import (
    AWAITING_AGENCY,
    AWAITING_PLAN_REVIEW,
    ImprovementSource,
    ImprovementStatus,
)
from evaluations.models.records import Audit, CommissionRecordQuerySet
from tainan_rdec.models import Agency


class ImprovementQuerySet(CommissionRecordQuerySet):
    """The agency reads its own items; only the commission raises and reviews them (the
    agency's own steps — a plan, a report-back — go through the services' ``may_report``)."""

    agency_path = "agency"

    def open(self):
        return self.exclude(status=ImprovementStatus.VERIFIED)

    def awaiting_report(self):
        """Waiting for the agency: a plan to file or a report-back to write."""
        return self.filter(status__in=AWAITING_AGENCY)

    def awaiting_review(self):
        """Waiting for the reviewer: a plan to accept or return, an audit item's report-back
        to verify. (A timeliness item's reported results wait for the figures instead.)"""
        return self.filter(
            Q(status__in=AWAITING_PLAN_REVIEW)
            | Q(status=ImprovementStatus.REPORTED, source=ImprovementSource.AUDIT)
        )

    def overdue(self, today: date):
        return self.filter(status__in=AWAITING_AGENCY, due_date__lt=today)

    def timeliness(self):
        return self.filter(source=ImprovementSource.TIMELINESS)


class ImprovementItem(models.Model):
    """Something an agency must fix (改善事項) and report back on by the due date.

    From an audit: what the auditor found; the agency reports back, the reviewer verifies it
    or sends it back. From petition timeliness: the month the agency's overdue rate was above
    the flag (應提改善計畫); the agency files a plan (causes, measures, target date), the
    reviewer accepts or returns it, the agency reports the results, and the item is closed when
    the agency's rate has stayed under the flag for the recovery period."""

    source = models.CharField(
        _("列管來源"),
        max_length=12,
        choices=ImprovementSource.choices,
        default=ImprovementSource.AUDIT,
    )
    # The audited agency, or the agency whose cases were late: the row's owner for scoping.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("機關"),
        on_delete=models.PROTECT,
        related_name="improvement_items",
    )
    audit = models.ForeignKey(
        Audit,
        verbose_name=_("神秘客實地稽核"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="improvements",
    )
    # Timeliness items: the month (its first day) whose overdue rate raised the item, and the
    # rate then (a snapshot: the rollups move as late cases are reopened or corrected).
    period = models.DateField(_("逾期月份"), null=True, blank=True)
    overdue_rate = models.DecimalField(
        _("當月逾期率（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    description = models.TextField(_("改善事項"))
    due_date = models.DateField(_("回復期限"))
    status = models.CharField(
        _("辦理狀態"),
        max_length=12,
        choices=ImprovementStatus.choices,
        default=ImprovementStatus.OPEN,
    )
    # The improvement plan (改善計畫) of a timeliness item.
    causes = models.TextField(_("原因分析"), blank=True)
    measures = models.TextField(_("改善措施"), blank=True)
    target_date = models.DateField(_("預定完成日期"), null=True, blank=True)
    plan_filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("改善計畫提出者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan_filed_at = models.DateTimeField(_("改善計畫提出時間"), null=True, blank=True)
    report = models.TextField(_("改善情形"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回復者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("回復時間"), null=True, blank=True)
    review_note = models.TextField(_("審查意見"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審查者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("審查時間"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("列管時間"), auto_now_add=True)

    objects = ImprovementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["raised_at"])

    class Meta:
        verbose_name = _("改善事項")
        verbose_name_plural = _("改善事項")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["agency", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source=ImprovementSource.AUDIT, audit__isnull=False)
                | Q(source=ImprovementSource.TIMELINESS, period__isnull=False),
                name="improvement_item_has_its_source",
            ),
            # The monthly follow-through may run again, or for a past month: one item per
            # agency and month, and one open at a time, whatever runs at once.
            models.UniqueConstraint(
                fields=["agency", "period"],
                condition=Q(source=ImprovementSource.TIMELINESS),
                name="one_timeliness_item_per_agency_month",
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(source=ImprovementSource.TIMELINESS)
                & ~Q(status=ImprovementStatus.VERIFIED),
                name="one_open_timeliness_item_per_agency",
            ),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def is_timeliness(self) -> bool:
        return self.source == ImprovementSource.TIMELINESS

    def is_overdue(self, today: date) -> bool:
        return self.status in AWAITING_AGENCY and self.due_date < today
