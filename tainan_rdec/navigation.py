"""The main menu: the kernel's own entries plus what each app registered, filtered by role, with
the one entry that holds the current page marked."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tainan_rdec.registry import nav_items_for


def menu_for(user, path: str = "") -> list[dict]:
    """The user's tabs, 首頁 first, as ``{"key", "label", "url", "current"}``.

    Exactly one tab is current when the page lies under any: the one whose address is the
    longest prefix of ``path``. Several apps put a section and a page of it in the menu
    (列管案件 /projects/ and 填報審核 /projects/review/); a plain prefix test marked both.
    首頁 holds only the home page itself, or every page would fall under it."""
    home = reverse("home")
    items = [{"key": "home", "label": _("首頁"), "url": home}] + [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        for item in nav_items_for(user)
    ]
    holding = [
        item
        for item in items
        if path == item["url"] or (item["url"] != home and path.startswith(item["url"]))
    ]
    current = max(holding, key=lambda item: len(item["url"]), default=None)
    for item in items:
        item["current"] = item is current
    return items
