from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    """The reason a reviewer gives for listing, suspending, resuming or closing a project."""

    reason = forms.CharField(
        label=_("原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
