"""Home-page cards of the evaluations app (registered in ``EvaluationsConfig.ready()``)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import ImprovementItem


def bureau_card(request) -> dict | None:
    """The agency's improvement items to report back on; hidden when there are none."""
    today = timezone.localdate()
    items = ImprovementItem.objects.visible_to(request.user)
    waiting = items.awaiting_report().count()
    if not waiting:
        return None
    return {
        "lines": [
            _("待辦理改善事項：{n} 件").format(n=f"{waiting:,}"),
            _("已逾回復期限：{n} 件").format(n=f"{items.overdue(today).count():,}"),
        ],
        "link_url": reverse("evaluations:improvement_list"),
        "link_label": _("前往改善事項"),
    }


def commission_card(request) -> dict:
    """Report-backs waiting for the reviewer, and items overdue."""
    today = timezone.localdate()
    items = ImprovementItem.objects.visible_to(request.user)
    # One query for both figures; the overdue rule stays the queryset's.
    counts = items.aggregate(
        reported=Count("pk", filter=Q(pk__in=items.awaiting_review().values("pk"))),
        overdue=Count("pk", filter=Q(pk__in=items.overdue(today).values("pk"))),
    )
    return {
        "lines": [
            _("待審查（改善計畫、改善情形）：{n} 件").format(n=f"{counts['reported']:,}"),
            _("逾期未回復：{n} 件").format(n=f"{counts['overdue']:,}"),
        ],
        "link_url": reverse("evaluations:improvement_list"),
        "link_label": _("前往改善事項"),
    }
