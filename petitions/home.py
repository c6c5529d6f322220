"""Home-page card of the petitions app (registered in ``PetitionsConfig.ready()``)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from petitions.models import Case


def my_cases_card(request) -> dict:
    """The agency's open cases: how many, how many overdue, how many due today."""
    today = timezone.localdate()
    counts = (
        Case.objects.visible_to(request.user)
        .open()
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_today=Count("pk", filter=Q(due_date=today)),
        )
    )
    return {
        "lines": [
            _("處理中案件：{n} 件").format(n=f"{counts['open']:,}"),
            _("已逾期：{n} 件").format(n=f"{counts['overdue']:,}"),
            _("今日到期：{n} 件").format(n=f"{counts['due_today']:,}"),
        ],
        "link_url": reverse("petitions:my_cases"),
        "link_label": _("前往待辦案件"),
    }
