"""ROC-calendar dates and NT$ amounts in templates.

Registered as a template builtin in settings, so every template can write
``{{ report.filed_on|roc_date }}`` or ``{{ project.budget|money:"億元" }}`` without ``{% load %}``.

Filters never raise on a missing value (None or "" → ""); a value of the wrong kind is returned
unchanged so a template bug shows up on the page instead of as a 500.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django import template

from tainan_rdec import roc

register = template.Library()


def _date_filter(formatter: Callable[[datetime.date], str]) -> Callable[[object], object]:
    def apply(value):
        if value is None or value == "":
            return ""
        if not isinstance(value, datetime.date):
            return value
        try:
            return formatter(value)
        except ValueError:  # a date before 民國元年 has no ROC form
            return value

    apply.__name__ = formatter.__name__
    apply.__doc__ = formatter.__doc__
    return apply


register.filter("roc_date", _date_filter(roc.format_roc_date))
register.filter("roc_date_long", _date_filter(roc.format_roc_date_long))
register.filter("roc_month", _date_filter(roc.format_roc_month))
register.filter("roc_date_export", _date_filter(roc.format_roc_date_export))
register.filter("roc_formal", _date_filter(roc.format_roc_date_formal))


@register.filter
def money(value, unit="萬元"):
    """``{{ amount|money }}`` → ``1,234萬元``; ``{{ amount|money:"億元" }}`` → ``1,050.92億元``.

    An unknown unit raises: that is a typo in the template, not bad data.
    """
    if value is None or value == "":
        return ""
    if unit not in roc.MONEY_UNITS:
        raise ValueError(f"unknown money unit {unit!r} in |money filter")
    try:
        return roc.format_money(value, unit)
    except (TypeError, ValueError):
        return value


@register.filter
def money_spoken(value):
    """``{{ amount|money_spoken }}`` → ``6億3,944萬2,789元``."""
    if value is None or value == "":
        return ""
    try:
        return roc.format_money_spoken(value)
    except (TypeError, ValueError):
        return value
