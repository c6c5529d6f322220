"""The annual service-effectiveness evaluation (服務效能評比): its settings, each year's run with
one result per agency, and the mystery-shopper target list it feeds."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluations.choices import TargetBasis
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import ScopedQuerySet, is_active_user, is_commission


class EvaluationSettings(models.Model):
    """The commission's adjustable rules for the annual evaluation (one row, set by an admin).

    The weights and thresholds are *defaults* (no public source fixes them for Tainan)."""

    weight_phone = models.PositiveSmallIntegerField(
        _("權重：電話禮貌測試"), default=40, validators=[MaxValueValidator(100)]
    )
    weight_audit = models.PositiveSmallIntegerField(
        _("權重：神秘客實地稽核"), default=30, validators=[MaxValueValidator(100)]
    )
    weight_petition = models.PositiveSmallIntegerField(
        _("權重：陳情案件處理時效"), default=30, validators=[MaxValueValidator(100)]
    )
    threshold = models.DecimalField(
        _("待加強門檻（總分低於此分數）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(80),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    bottom_n = models.PositiveSmallIntegerField(
        _("列為待加強的末段機關數"),
        default=5,
        help_text=_("總分最低的幾個機關（同分並列）列為待加強機關；0 表示不依排名列入。"),
    )

    class Meta:
        verbose_name = _("服務效能評比參數")
        verbose_name_plural = _("服務效能評比參數")

    def __str__(self):
        return str(_("服務效能評比參數"))

    def clean(self):
        super().clean()
        total = (self.weight_phone or 0) + (self.weight_audit or 0) + (self.weight_petition or 0)
        if total != 100:
            raise ValidationError(
                _("三項權重合計須為100，目前為{total}。").format(total=total), code="weights"
            )

    @classmethod
    def get(cls) -> "EvaluationSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def weights(self) -> dict[str, int]:
        return {
            "phone": self.weight_phone,
            "audit": self.weight_audit,
            "petition": self.weight_petition,
        }


class AnnualEvaluationQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # The commission sees a year's evaluation while it is worked on; agencies once final.
        if is_commission(user):
            return self.all()
        if not is_active_user(user):
            return self.none()
        return self.filter(finalized_at__isnull=False)

    def editable_by(self, user):
        return self.all() if is_commission(user) else self.none()


class AnnualEvaluation(models.Model):
    """One year's service-effectiveness evaluation (年度服務效能評比): the settings it was computed
    with and, once a reviewer finalizes it (確定), the ranking agencies see."""

    year = models.PositiveSmallIntegerField(_("年度（西元）"), unique=True)
    weights = models.JSONField(_("權重"), default=dict)
    threshold = models.DecimalField(_("待加強門檻"), max_digits=5, decimal_places=2)
    bottom_n = models.PositiveSmallIntegerField(_("末段機關數"))
    today = models.DateField(_("統計基準日"))
    computed_at = models.DateTimeField(_("計算時間"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalized_at = models.DateTimeField(_("確定時間"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AnnualEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度服務效能評比")
        verbose_name_plural = _("年度服務效能評比")
        ordering = ["-year"]

    def __str__(self):
        return str(_("{year}年度服務效能評比")).format(year=self.roc_year)

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET

    @property
    def is_final(self) -> bool:
        return self.finalized_at is not None


class ResultQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        rows = super().visible_to(user)
        if is_commission(user):
            return rows
        return rows.filter(evaluation__finalized_at__isnull=False)

    def editable_by(self, user):
        return self.none()  # computed rows: the evaluation service writes them, nobody edits


class EvaluationResult(models.Model):
    """One agency's line in a year's evaluation: each component with what it was computed from,
    the weighted total, the rank, and whether the agency needs improvement (待加強機關)."""

    evaluation = models.ForeignKey(
        AnnualEvaluation,
        verbose_name=_("年度服務效能評比"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("機關"),
        on_delete=models.PROTECT,
        related_name="service_evaluations",
    )
    phone_count = models.PositiveIntegerField(_("電話禮貌測試次數"), default=0)
    phone_score = models.DecimalField(
        _("電話禮貌測試平均"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    audit_count = models.PositiveIntegerField(_("神秘客稽核次數"), default=0)
    audit_score = models.DecimalField(
        _("神秘客稽核平均"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    petition_fell_due = models.PositiveIntegerField(_("屆期案件數"), default=0)
    petition_on_time = models.PositiveIntegerField(_("屆期依限結案件數"), default=0)
    petition_score = models.DecimalField(
        _("屆期依限結案率"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    petition_note = models.CharField(_("陳情時效說明"), max_length=200, blank=True)
    total_score = models.DecimalField(_("總分"), max_digits=5, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("名次"))
    below_threshold = models.BooleanField(_("低於門檻"), default=False)
    in_bottom_n = models.BooleanField(_("列末段"), default=False)
    needs_improvement = models.BooleanField(_("待加強機關"), default=False)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("服務效能評比結果")
        verbose_name_plural = _("服務效能評比結果")
        ordering = ["evaluation", "rank", "agency__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "agency"], name="one_result_per_agency_and_year"
            )
        ]

    def __str__(self):
        return f"{self.evaluation} {self.agency} {self.total_score}"

    def components(self) -> list[dict]:
        """Each component with its score (None: no data that year) and weight."""
        weights = self.evaluation.weights or {}
        rows = [
            ("phone", _("電話禮貌測試"), self.phone_score),
            ("audit", _("神秘客實地稽核"), self.audit_score),
            ("petition", _("陳情案件處理時效"), self.petition_score),
        ]
        return [
            {"key": key, "label": label, "score": score, "weight": weights.get(key, 0)}
            for key, label, score in rows
        ]


class AuditTargetQuerySet(ScopedQuerySet):
    # Mystery-shopper visits are unannounced (隱匿性稽核): the list is the commission's alone.
    def visible_to(self, user):
        return self.all() if is_commission(user) else self.none()

    def editable_by(self, user):
        return self.all() if is_commission(user) else self.none()


class AuditTarget(models.Model):
    """An agency on a year's mystery-shopper target list (稽核對象), and why."""

    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    agency = models.ForeignKey(
        Agency, verbose_name=_("機關"), on_delete=models.PROTECT, related_name="audit_targets"
    )
    basis = models.CharField(_("列入原因"), max_length=12, choices=TargetBasis.choices)
    source = models.ForeignKey(
        EvaluationResult,
        verbose_name=_("依據評比結果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("說明"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("列入時間"), auto_now_add=True)

    objects = AuditTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("稽核對象")
        verbose_name_plural = _("稽核對象")
        ordering = ["year", "agency__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["year", "agency"], name="one_audit_target_per_year")
        ]

    def __str__(self):
        return f"{self.year - ROC_OFFSET} {self.agency}"

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET
