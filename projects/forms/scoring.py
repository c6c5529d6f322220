import unicodedata
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PointsField(forms.DecimalField):
    """Points with at most two decimals, as typed: ``3``, ``-2.5``, ``+5``, full-width ``－２``."""

    def to_python(self, value):
        if isinstance(value, str):
            # NFKC turns full-width digits and signs from a Chinese input method into ASCII.
            value = unicodedata.normalize("NFKC", value).strip().removesuffix("分").strip()
        return super().to_python(value)


class AdjustmentForm(forms.Form):
    """A reviewer's adjustment of an annual score (審查加減分) and its written reason.

    The form reads what was typed; the limit and the reason rule are checked by
    ``projects.scoring.adjust_score``, so the page and any other caller get the same answer."""

    adjustment = PointsField(
        label=_("審查加減分"),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": _("請輸入加減分，沒有請填 0。"),
            "invalid": _("請以數字輸入加減分，例如 3 或 -2.5。"),
            "max_decimal_places": _("加減分最多到小數點後2位。"),
            "max_digits": _("加減分數值過大。"),
            "max_whole_digits": _("加減分數值過大。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("加減分理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, limit: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adjustment"].help_text = _(
            "正數為加分、負數為減分，上限 ±{limit} 分；填 0 取消加減分。"
        ).format(limit=f"{limit.normalize():f}")
        self.fields["reason"].help_text = _("有加減分時必填，說明加減分的具體理由。")
