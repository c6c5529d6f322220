"""Import/export of the kernel's tables (django-import-export)."""

from __future__ import annotations

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from tainan_rdec.choices import CalendarExceptionKind
from tainan_rdec.models import CalendarException
from tainan_rdec.roc import format_roc_date, parse_roc_date


class RocDateWidget(widgets.Widget):
    """A date column written the users' way: ``113.7.24``, ``113年7月24日`` or ISO ``2024-07-24``;
    an Excel date cell is taken as it is. Exported as ``113.7.24``."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value is None or not str(value).strip():
            raise ValueError(_("請填寫日期，例如 113.7.24。"))
        # ROCDateError is a ValueError carrying a message for the user.
        return parse_roc_date(str(value))

    def render(self, value, obj=None, **kwargs):
        return format_roc_date(value)


def _normalize_label(text: str) -> str:
    # NFKC folds full-width parentheses and spaces, so "停止上班(放假)" matches the label too.
    return "".join(unicodedata.normalize("NFKC", text).split())


# The labels are matched in their zh-Hant source form as well as translated, so a file filled in
# Chinese imports whatever language the admin's session is in.
_KIND_WORDS = {
    "停止上班（放假）": CalendarExceptionKind.DAY_OFF,
    "停止上班": CalendarExceptionKind.DAY_OFF,
    "放假": CalendarExceptionKind.DAY_OFF,
    "照常上班（補班或更正）": CalendarExceptionKind.WORKING_DAY,
    "照常上班": CalendarExceptionKind.WORKING_DAY,
    "上班": CalendarExceptionKind.WORKING_DAY,
    "補班": CalendarExceptionKind.WORKING_DAY,
}


class CalendarExceptionKindWidget(widgets.Widget):
    """The 類別 column: the full label, 放假 / 上班 for short, or the stored value."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        words = {_normalize_label(word): kind for word, kind in _KIND_WORDS.items()}
        for kind in CalendarExceptionKind:
            words[_normalize_label(str(kind.label))] = kind
            words[kind.value] = kind
        try:
            return words[_normalize_label(text)]
        except KeyError:
            raise ValueError(
                _("無法辨識的類別「{text}」，請填「放假」或「上班」。").format(text=text)
            ) from None

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return str(CalendarExceptionKind(value).label)


class CalendarExceptionResource(resources.ModelResource):
    """Local office-calendar exceptions, one row per date; a date already entered is updated."""

    # Column headers are the file format the admins fill in, so they stay Chinese in any session.
    date = fields.Field(attribute="date", column_name="日期", widget=RocDateWidget())
    kind = fields.Field(attribute="kind", column_name="類別", widget=CalendarExceptionKindWidget())
    reason = fields.Field(attribute="reason", column_name="事由", widget=widgets.CharWidget())

    class Meta:
        model = CalendarException
        fields = ("date", "kind", "reason")
        import_id_fields = ["date"]
        # Same validation as the admin form (reason required and at most 100 characters).
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # A calendar file is all or nothing: half an import would leave due dates computed on a
        # calendar nobody published, so any bad row rolls the good ones back too.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def get_instance(self, instance_loader, row):
        # The date is read here first to find an existing row; make a bad date a row-level
        # validation error (shown beside the row) rather than an import crash with a traceback.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError as error:
            raise ValidationError({"date": [str(error)]}) from error
