"""Service-quality records: telephone courtesy tests and mystery-shopper audits with their photos.
The improvement items an audit raises are in ``evaluations.models.improvements``."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from evaluations.choices import CallRoute
from evaluations.models.rubrics import Rubric, RubricItem
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import ScopedQuerySet, is_commission


class CommissionRecordQuerySet(ScopedQuerySet):
    """Records the commission writes about an agency: the agency reads its own, only the
    commission (reviewers and admins) records and corrects them."""

    def editable_by(self, user):
        return self.all() if is_commission(user) else self.none()

    def in_year(self, year: int):
        return self.filter(**{f"{self.date_field}__year": year})


class PhoneTestQuerySet(CommissionRecordQuerySet):
    date_field = "tested_on"


class AuditQuerySet(CommissionRecordQuerySet):
    date_field = "visited_on"


class ScoredRecord(models.Model):
    """What a telephone test and an audit share: the rubric version, the reference, the score."""

    # Subclasses add ``rubric`` and ``agency`` with their own related names.
    reference = models.CharField(_("編號"), max_length=20, unique=True)
    # Snapshots taken when scored: the rubric's items are frozen once used, and these keep a
    # record's figures readable without re-adding its scores.
    total = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    max_total = models.DecimalField(_("滿分"), max_digits=5, decimal_places=1)
    score = models.DecimalField(_("成績（百分制）"), max_digits=5, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登錄者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.reference

    def natural_key(self):
        return (self.reference,)

    @property
    def year(self) -> int:
        return self.record_date.year

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET


class PhoneTest(ScoredRecord):
    """One telephone courtesy test call (電話禮貌測試) to an agency's unit, the switchboard or the
    1999 hotline, scored item by item."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("評分表"), on_delete=models.PROTECT, related_name="phone_tests"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("受測機關"), on_delete=models.PROTECT, related_name="phone_tests"
    )
    unit = models.CharField(_("受測單位"), max_length=100)
    route = models.CharField(_("撥打方式"), max_length=12, choices=CallRoute.choices)
    phone_number = models.CharField(_("電話號碼"), max_length=30)
    extension = models.CharField(_("分機"), max_length=10, blank=True)
    tested_on = models.DateField(_("測試日期"))
    tested_at = models.TimeField(_("測試時間"))
    tester = models.CharField(_("測試人員"), max_length=50)
    rings = models.PositiveSmallIntegerField(_("響鈴聲數"), null=True, blank=True)
    seconds_to_answer = models.PositiveSmallIntegerField(_("接聽秒數"), null=True, blank=True)
    notes = models.TextField(_("備註"), blank=True)
    recording_ref = models.CharField(_("錄音檔編號"), max_length=100, blank=True)

    objects = PhoneTestQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("電話禮貌測試")
        verbose_name_plural = _("電話禮貌測試")
        ordering = ["-tested_on", "-tested_at", "-pk"]
        indexes = [models.Index(fields=["agency", "tested_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rings__isnull=False) | Q(seconds_to_answer__isnull=False),
                name="phone_test_has_answer_time",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="phone_test_score_0_100"
            ),
        ]

    @property
    def record_date(self) -> date:
        return self.tested_on


class PhoneTestScore(models.Model):
    """The points a test call got on one rubric item."""

    test = models.ForeignKey(
        PhoneTest, verbose_name=_("電話禮貌測試"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        RubricItem, verbose_name=_("評分項目"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("電話禮貌測試項目得分")
        verbose_name_plural = _("電話禮貌測試項目得分")
        ordering = ["test", "item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["test", "item"], name="one_phone_score_per_item")
        ]

    def __str__(self):
        return f"{self.test} {self.item.code} {self.points}"


class Audit(ScoredRecord):
    """One mystery-shopper visit (神秘客實地稽核) to an agency's counter, scored out of 100, with
    the findings."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("評分表"), on_delete=models.PROTECT, related_name="audits"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("受稽核機關"), on_delete=models.PROTECT, related_name="audits"
    )
    counter = models.CharField(_("受稽核櫃台"), max_length=100)
    visited_on = models.DateField(_("稽核日期"))
    auditor = models.CharField(_("稽核人員"), max_length=50)
    findings = models.TextField(_("稽核發現"), blank=True)
    target = models.ForeignKey(
        "evaluations.AuditTarget",
        verbose_name=_("稽核對象清單"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audits",
    )

    objects = AuditQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("神秘客實地稽核")
        verbose_name_plural = _("神秘客實地稽核")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["agency", "visited_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="audit_score_0_100"
            ),
        ]

    @property
    def record_date(self) -> date:
        return self.visited_on


class AuditScore(models.Model):
    """The points an audit gave on one rubric item."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("神秘客實地稽核"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        RubricItem, verbose_name=_("評分項目"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("稽核項目得分")
        verbose_name_plural = _("稽核項目得分")
        ordering = ["audit", "item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "item"], name="one_audit_score_per_item")
        ]

    def __str__(self):
        return f"{self.audit} {self.item.code} {self.points}"


class AuditChildQuerySet(CommissionRecordQuerySet):
    agency_path = "audit__agency"


class AuditPhoto(models.Model):
    """A photo the auditor took at the counter (re-encoded without EXIF, never a public file)."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("神秘客實地稽核"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("照片"), upload_to="evaluations/audits/%Y/%m/")
    caption = models.CharField(_("照片說明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    objects = AuditChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("稽核照片")
        verbose_name_plural = _("稽核照片")
        ordering = ["audit", "uploaded_at", "pk"]

    def __str__(self):
        return self.caption or self.image.name
