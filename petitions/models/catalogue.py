"""The case catalogue: service categories and subcategories (OPEN1999 ``service_name``,
``subproject``)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A service category (e.g. 道路維修), the OPEN1999 ``service_name``."""

    name = models.CharField(_("案件類別"), max_length=50, unique=True)
    time_limit_days = models.PositiveSmallIntegerField(
        _("處理期限（工作天）"), default=6, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    active = models.BooleanField(_("使用中"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("案件類別")
        verbose_name_plural = _("案件類別")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Subcategory(models.Model):
    """A subcategory (e.g. 路面坑洞), the OPEN1999 ``subproject``; its code is the Open311
    ``service_code``. Without its own time limit it uses its category's."""

    category = models.ForeignKey(
        Category, verbose_name=_("案件類別"), on_delete=models.PROTECT, related_name="subcategories"
    )
    code = models.CharField(_("代碼"), max_length=20, unique=True)
    name = models.CharField(_("細項"), max_length=50)
    time_limit_days = models.PositiveSmallIntegerField(
        _("處理期限（工作天）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("空白時依案件類別的期限"),
    )
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("案件細項")
        verbose_name_plural = _("案件細項")
        ordering = ["category__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="one_subcategory_name")
        ]

    def __str__(self):
        return f"{self.category.name}／{self.name}"

    @property
    def effective_time_limit(self) -> int:
        return self.time_limit_days or self.category.time_limit_days
