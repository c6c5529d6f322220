import re
import unicodedata
from decimal import Decimal

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.models import MonthlyReport


class ReasonForm(forms.Form):
    """The reason a reviewer gives for listing, suspending, resuming or closing a project."""

    reason = forms.CharField(
        label=_("原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


def _normalize_number(value: str) -> str:
    # NFKC turns full-width digits, commas and signs (１，２３４) into ASCII ones.
    return unicodedata.normalize("NFKC", value).strip()


class MoneyInput(forms.TextInput):
    """A text input for an amount in 元, showing a stored amount with thousands separators."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return super().format_value(value)


class MoneyField(forms.Field):
    """An amount in whole 元 as bureaus type it: ``1,234,567``, full-width ``１，２３４``,
    ``1234567元``."""

    widget = MoneyInput
    max_amount = 10**15  # far above any city budget; catches an amount typed in the wrong unit
    default_error_messages = {
        "required": _("請輸入金額（元），沒有請填 0。"),
        "invalid": _("請以阿拉伯數字輸入金額（元），可用千分位逗號，例如 1,234,567。"),
        "decimal": _("金額以元為單位，請輸入整數，不含小數。"),
        "negative": _("金額不得為負數。"),
        "too_large": _("金額過大，請確認單位為元。"),
    }
    _digits = re.compile(r"^-?\d+$")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        text = re.sub(r"[,\s]", "", _normalize_number(str(value))).removesuffix("元")
        if re.fullmatch(r"-?\d+\.\d*", text):
            raise forms.ValidationError(self.error_messages["decimal"], code="decimal")
        if not self._digits.match(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if value >= self.max_amount:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")


class PercentField(forms.DecimalField):
    """A cumulative progress percentage, 0–100 with at most two decimals (``45.5``, ``45.5%``)."""

    default_error_messages = {
        "required": _("請輸入實際累計進度（%）。"),
        "invalid": _("請以數字輸入進度百分比，例如 45.5。"),
        # Validator messages are %-formatted with their params: a literal percent sign is %%.
        "min_value": _("進度須介於 0 至 100%%。"),
        "max_value": _("進度須介於 0 至 100%%。"),
        "max_decimal_places": _("進度最多填到小數點後 2 位。"),
        "max_digits": _("進度須介於 0 至 100%%，最多 2 位小數。"),
        "max_whole_digits": _("進度須介於 0 至 100%%。"),
    }

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=5,
            decimal_places=2,
            min_value=Decimal(0),
            max_value=Decimal(100),
            **kwargs,
        )
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = _normalize_number(value).removesuffix("%").strip()
        return super().to_python(value)


MONEY_FIELDS = ("allocated_to_date", "paid", "payable_unpaid", "savings")
NARRATIVE_FIELDS = ("progress_text", "lag_reasons", "remedies", "help_needed")


class MonthlyReportForm(forms.ModelForm):
    """The figures and narrative a bureau files each month. The filing rules themselves (money
    sum, lag reasons, decreases) are checked by ``projects.services``; this form only reads
    what was typed."""

    actual_percent = PercentField(label=_("實際累計進度（%）"))
    allocated_to_date = MoneyField(label=_("累計分配數（元）"))
    paid = MoneyField(label=_("實支數（元）"))
    payable_unpaid = MoneyField(label=_("應付未付數（元）"))
    savings = MoneyField(label=_("節餘數（元）"))

    # Drafts may be saved half-written, so the browser must not block an empty required box;
    # what a submission needs is marked on the labels and checked by the submit service.
    use_required_attribute = False

    class Meta:
        model = MonthlyReport
        fields = [
            "actual_percent",
            *MONEY_FIELDS,
            *NARRATIVE_FIELDS,
            "decrease_explanation",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in (*NARRATIVE_FIELDS, "decrease_explanation")
        }
        help_texts = {
            "help_needed": _("需要本府或中央協助的事項；沒有可不填。"),
            "decrease_explanation": _("實際進度低於上次審核通過的數值時必填。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NARRATIVE_FIELDS:
            self.fields[name].required = False
        self.fields["savings"].help_text = _("實支數、應付未付數與節餘數合計不得超過累計分配數。")

    def mark_required_to_submit(self, names):
        """Show "（必填）" on the labels of ``names``: needed to submit, not to save a draft."""
        for name in names:
            field = self.fields[name]
            field.label = format_html(
                '{}<span class="required">{}</span>', field.label, _("（必填）")
            )
            field.widget.attrs["aria-required"] = "true"


class ReviewForm(forms.Form):
    """A reviewer's decision on a submitted report, with the 管考建議."""

    ACCEPT = "accept"
    RETURN = "return"

    action = forms.ChoiceField(
        choices=[(ACCEPT, _("審核通過")), (RETURN, _("退回"))],
        error_messages={"required": _("請選擇審核通過或退回。")},
    )
    comment = forms.CharField(
        label=_("管考建議"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=_("退回時必填，說明需要修正的地方。"),
    )
