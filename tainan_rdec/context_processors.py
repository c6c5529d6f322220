from django.conf import settings
from django.utils.functional import SimpleLazyObject

from tainan_rdec.models import Reminder
from tainan_rdec.navigation import menu_for


def portal(request):
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "nav_items": menu_for(user, request.path) if signed_in else [],
        # One COUNT, and only on a page that shows it (base.html's header does).
        "unread_notifications": (
            SimpleLazyObject(lambda: Reminder.objects.for_user(user).unread().count())
            if signed_in
            else 0
        ),
    }
