"""The main menu: the kernel's own entries plus what each app registered, filtered by role."""

from django.urls import reverse

from tainan_rdec.registry import nav_items_for


def menu_for(user) -> list[dict]:
    return [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        for item in nav_items_for(user)
    ]
