"""The photo upload form of a monthly report or a site visit. Whether the file is a JPEG or
PNG within the limits is checked by ``projects.photos``; this form only reads what was sent."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tainan_rdec.photos import MAX_CAPTION_LENGTH, MAX_PHOTO_BYTES, MEGABYTE


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("照片"),
        help_text=format_lazy(
            _("JPEG或PNG格式，每張不超過{limit}MB。"), limit=MAX_PHOTO_BYTES // MEGABYTE
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        error_messages={
            "required": _("請選擇要上傳的照片。"),
            "empty": _("上傳的檔案是空的，請重新選擇照片。"),
            "invalid": _("請選擇要上傳的照片。"),
        },
    )
    caption = forms.CharField(
        label=_("照片說明"),
        max_length=MAX_CAPTION_LENGTH,
        required=False,
        help_text=_("例如：橋墩基樁施工情形；不填時顯示為「現場照片」。"),
    )
