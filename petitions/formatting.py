"""Case counts the way the commission writes them in briefings: 142.3萬件, 9,876件."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

TEN_THOUSAND = 10_000


def format_case_count(count: int) -> str:
    """``1,423,456`` → ``142.3萬件``, ``1,420,000`` → ``142萬件`` (one decimal only when it is
    not zero, half up); below 10,000 the plain count with thousands separators: ``9,876件``."""
    if count >= TEN_THOUSAND:
        wan = (Decimal(count) / TEN_THOUSAND).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        text = f"{wan:,.1f}".removesuffix(".0")
        return _("{n}萬件").format(n=text)
    return _("{n}件").format(n=f"{count:,}")
