"""Form fields every app shares: dates and reporting months typed in the ROC calendar.

Civil servants type ``113.3.26`` or ``1130326``, not a browser date picker, so the widgets are
plain text inputs with a numeric keyboard hint, and an existing value is shown back in the same
ROC form so that a form round-trips unchanged.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tainan_rdec.roc import (
    ROCDateError,
    format_roc_date,
    parse_roc_date,
    parse_roc_month,
    to_roc_year,
)


def _local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def _format_roc_month_input(value: datetime.date) -> str:
    return f"{to_roc_year(value.year)}.{value.month}"


class ROCDateInput(forms.TextInput):
    """Text input showing a date as ``113.3.26``; whatever the user typed is shown back as is."""

    placeholder = gettext_lazy("例：113.3.26")

    def __init__(self, attrs=None):
        defaults = {"inputmode": "numeric", "placeholder": self.placeholder, "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def to_text(self, value: datetime.date) -> str:
        return format_roc_date(value)

    def format_value(self, value):
        if isinstance(value, datetime.date):
            try:
                return self.to_text(_local_date(value))
            except ValueError:  # before 民國元年: show the ISO date rather than fail
                return value.isoformat()
        return super().format_value(value)


class ROCMonthInput(ROCDateInput):
    """Text input showing a reporting month as ``113.3``."""

    placeholder = gettext_lazy("例：113.3")

    def to_text(self, value: datetime.date) -> str:
        return _format_roc_month_input(value)


class ROCDateField(forms.DateField):
    """A date typed in the ROC calendar (see ``tainan_rdec.roc.parse_roc_date``)."""

    widget = ROCDateInput
    default_error_messages = {
        "invalid": gettext_lazy("請輸入有效的日期，例如 113.3.26。"),
        "required": gettext_lazy("請輸入日期。"),
    }
    parser = staticmethod(parse_roc_date)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return _local_date(value)
        if not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return self.parser(value)
        except ROCDateError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return _local_date(value)
        return value


class ROCMonthField(ROCDateField):
    """A reporting month (``113年3月``, ``113.3``, ``11303``, ``2024-03``) as its first day."""

    widget = ROCMonthInput
    default_error_messages = {
        "invalid": gettext_lazy("請輸入有效的月份，例如 113.3。"),
        "required": gettext_lazy("請輸入月份。"),
    }
    parser = staticmethod(parse_roc_month)

    def to_python(self, value):
        result = super().to_python(value)
        # A full date given programmatically (e.g. as initial data) means its month.
        return result.replace(day=1) if result is not None else None

    def prepare_value(self, value):
        value = super().prepare_value(value)
        return value.replace(day=1) if isinstance(value, datetime.date) else value
