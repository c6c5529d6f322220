"""The notifications pages (提醒通知): a user's own reminders, newest first, with unread ones
marked; opening one marks it read. Reminders are the rows ``tainan_rdec.reminders`` sends, so
the page lists what was e-mailed (and what could not be: a user without an address)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tainan_rdec.models import Reminder

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    """GET: my reminders. POST: mark them all read."""
    mine = Reminder.objects.for_user(request.user)
    if request.method == "POST":
        mine.unread().update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(
        mine.only("pk", "subject", "body", "link", "state", "created_at", "read_at").order_by(
            "-created_at", "-pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "tainan_rdec/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one of my reminders read and go to the page it asks me to act on."""
    reminder = get_object_or_404(Reminder.objects.for_user(request.user), pk=pk)
    if reminder.read_at is None:
        Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(_local_target(request, reminder.link))


def _local_target(request, link: str) -> str:
    """The link's path on this portal: e-mails carry PORTAL_BASE_URL, but the user may be on
    another host name of the same portal. Anything else goes back to the list."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    if link.startswith(base + "/"):
        link = link[len(base) :]
    if link.startswith("/") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return link
    return "notifications"
