"""Forms of the applications (變更申請): the bureau's reason, the reviewer's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ApplicationForm(forms.Form):
    """What the bureau writes with its application."""

    SAVE = "save"
    SUBMIT = "submit"

    reason = forms.CharField(
        label=_("申請說明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("向研考會說明申請的理由，例如計畫核定文號、總經費與預定期程的依據。"),
    )


class DecisionForm(forms.Form):
    """A reviewer's decision on a sent application: 同意, or 退回 with the reason."""

    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("審查結果"),
        choices=[(APPROVE, _("同意")), (RETURN, _("退回"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("請選擇同意或退回。")},
    )
    reason = forms.CharField(
        label=_("審查意見"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("退回時必填，說明需要修正的地方。"),
    )

    @property
    def approves(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
