"""派工建議 (the routing model's page): the current model's figures — accuracy on a held-out
month, training time and memory, the latency of one suggestion — and the cases of the last days
whose first dispatch went to another agency than a confident suggestion. Admins start a new
training from here (a background task). For the commission; bureaus and officials get 403.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from petitions import routing
from petitions.models import Case
from tainan_rdec.choices import COMMISSION_ROLES, Role
from tainan_rdec.dispatch import send
from tainan_rdec.scoping import is_admin, role_required

TRAIN_TASK = "petitions.tasks.train_routing_model"
# The page scores at most this many of the newest cases (one batch, well under a second).
DISAGREEMENT_CAP = 5_000


@role_required(*COMMISSION_ROLES)
def routing_page(request):
    today = timezone.localdate()
    since = today - timedelta(days=settings.ROUTING_DISAGREEMENT_DAYS)
    current = routing.figures()
    found = (
        routing.disagreements(
            Case.objects.visible_to(request.user),
            since=since,
            confident=settings.ROUTING_CONFIDENT,
            cap=DISAGREEMENT_CAP,
        )
        if current
        else []
    )
    return render(
        request,
        "petitions/routing.html",
        {
            "figures": current,
            "disagreements": found,
            "since": since,
            "confident_percent": round(settings.ROUTING_CONFIDENT * 100),
            "cap": DISAGREEMENT_CAP,
            "may_train": is_admin(request.user),
        },
    )


@require_POST
@role_required(Role.ADMIN)
def routing_train(request):
    if send(TRAIN_TASK):
        messages.success(request, _("已排入訓練派工建議模型；完成後本頁即顯示新版本的指標。"))
    else:
        messages.error(request, _("背景工作服務暫時無法使用，未能排入訓練，請稍後再試。"))
    return redirect("petitions:routing")
