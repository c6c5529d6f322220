from django.conf import settings

from tainan_rdec.navigation import menu_for


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "nav_items": menu_for(user) if user is not None and user.is_authenticated else [],
    }
