"""``{% load tables %}``: the address of a statistics table's Excel download."""

from __future__ import annotations

from django import template

from tainan_rdec import tables

register = template.Library()


@register.simple_tag(takes_context=True)
def table_download_url(context, table) -> str:
    """The page's own address with the filters in force, asking for ``table`` as xlsx."""
    return tables.download_url(context["request"], table)
