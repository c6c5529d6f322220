"""Scoring forms (評分表), one version per kind and year, and their items."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from evaluations.choices import GROUPS_BY_KIND, RubricGroup, RubricKind
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import ScopedQuerySet, is_active_user, is_admin


class RubricQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # The scoring items are no secret: every signed-in user may read how they are scored.
        return self.all() if is_active_user(user) else self.none()

    def editable_by(self, user):
        return self.all() if is_admin(user) else self.none()


class Rubric(models.Model):
    """One year's scoring form (評分表) for telephone courtesy tests or counter audits.

    A test or audit points at the version it was scored with; once one does, the items are
    frozen (``in_use``), so next year's changes go into next year's version and never touch
    last year's scores."""

    kind = models.CharField(_("評核類別"), max_length=10, choices=RubricKind.choices)
    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    title = models.CharField(_("評分表名稱"), max_length=100)
    note = models.TextField(_("說明"), blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    objects = RubricQuerySet.as_manager()

    class Meta:
        verbose_name = _("評分表")
        verbose_name_plural = _("評分表")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_rubric_per_kind_and_year")
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.kind, self.year)

    @property
    def roc_year(self) -> int:
        return self.year - ROC_OFFSET

    @property
    def max_total(self) -> Decimal:
        return self.items.aggregate(total=Sum("max_points"))["total"] or Decimal(0)

    @property
    def in_use(self) -> bool:
        """True once any test or audit was scored with this version."""
        if self.pk is None:
            return False
        return self.phone_tests.exists() or self.audits.exists()


class RubricItem(models.Model):
    """One scoring item (評分項目) of a rubric version, with its maximum points and group."""

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("評分表"), on_delete=models.CASCADE, related_name="items"
    )
    group = models.CharField(_("項目分組"), max_length=20, choices=RubricGroup.choices)
    code = models.CharField(_("項目代碼"), max_length=10)
    label = models.CharField(_("評分項目"), max_length=200)
    max_points = models.DecimalField(
        _("配分"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("評分項目")
        verbose_name_plural = _("評分項目")
        ordering = ["rubric", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="one_rubric_item_code"),
            models.CheckConstraint(
                condition=models.Q(max_points__gt=0), name="rubric_item_max_points_positive"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.label}"

    def natural_key(self):
        return (*self.rubric.natural_key(), self.code)

    def clean(self):
        super().clean()
        if self.rubric_id is None:
            return
        if self.group and self.group not in GROUPS_BY_KIND[self.rubric.kind]:
            raise ValidationError(
                {
                    "group": _("「{group}」不是{kind}評分表的項目分組。").format(
                        group=RubricGroup(self.group).label,
                        kind=RubricKind(self.rubric.kind).label,
                    )
                }
            )
        if self.rubric.in_use:
            raise ValidationError(
                _(
                    "{year}年度評分表已有評核紀錄使用，項目與配分不能再修改；"
                    "請修改下一年度的評分表。"
                ).format(year=self.rubric.roc_year)
            )
