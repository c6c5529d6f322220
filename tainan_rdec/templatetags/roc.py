"""ROC-calendar dates and NT$ amounts in templates.

Registered as a template builtin in settings, so every template can write
``{{ report.filed_on|roc_date }}`` or ``{{ project.budget|money:"億元" }}`` without ``{% load %}``.

Filters never raise on a missing value (None or "" → ""); a value of the wrong kind is returned
unchanged so a template bug shows up on the page instead of as a 500.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

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


@register.filter
def number(value, decimals=None):
    """``{{ count|number }}`` → ``1,976``; ``{{ mean|number:2 }}`` → ``1,234.50``.

    Every count and figure on a page goes through here: Django's own ``localize`` and humanize's
    ``intcomma`` follow the zh-hant locale, which groups by nothing (``1976``), while the city
    writes ``1,976`` (DOMAIN.md, "Presentation"). Without ``decimals`` a number keeps its own
    (an int none, ``Decimal("12.50")`` two); with them it is rounded half up, as money is.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    # Read through str(): exact for ints and Decimals, the shortest form of a float, and it
    # unwraps a lazy count (the header's unread notifications), which Decimal() refuses.
    amount = Decimal(str(value))
    if not amount.is_finite():
        return value
    if decimals is not None:
        try:
            places = int(decimals)
        except (TypeError, ValueError):
            raise ValueError(f"|number takes a number of decimals, got {decimals!r}") from None
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if amount.is_zero():
            amount = amount.copy_abs()  # -0.001 rounds to "0.00", not "-0.00"
    return f"{amount:,f}"
