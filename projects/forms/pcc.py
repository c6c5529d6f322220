from django import forms
from django.utils.translation import gettext_lazy as _


class PccUploadForm(forms.Form):
    file = forms.FileField(
        label=_("工程會標案管理系統月報檔案"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8）；欄位見下方說明或下載範本。"),
    )
