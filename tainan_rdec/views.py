import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tainan_rdec import throttle
from tainan_rdec.briefing.views import official_home
from tainan_rdec.middleware import client_address
from tainan_rdec.registry import cards_for
from tainan_rdec.scoping import is_official

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Each role's landing page: the cards the apps registered for that role; a senior
    official's is the briefing of this year."""
    if is_official(request.user):
        return official_home(request)
    return render(request, "tainan_rdec/home.html", {"cards": cards_for(request)})


@never_cache
def healthz(request):
    """Liveness for the load balancer and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login refused for too many failures (``AXES_LOCKOUT_CALLABLE``):
    the portal's page, in Chinese, with the wait in minutes, status 429 (Too Many Requests)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, sending at most PASSWORD_RESET_LIMIT_PER_EMAIL e-mails to one
    address and answering at most PASSWORD_RESET_LIMIT_PER_ADDRESS requests from one client per
    PASSWORD_RESET_WINDOW_MINUTES (tainan_rdec.throttle, which lets requests through when the
    cache is down). A refused request gets the same redirect as a sent one, so the page tells
    nobody whether an address has an account or was throttled."""

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
        # Both counted on every request: a client spraying addresses and many clients aiming
        # at one inbox are each stopped by one of the two.
        waits = [
            throttle.seconds_to_wait(
                "password-reset-email",
                form.cleaned_data["email"].strip().lower(),
                limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
                window=window,
            ),
            throttle.seconds_to_wait(
                "password-reset-client",
                client_address(self.request),
                limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
                window=window,
            ),
        ]
        if not any(waits):
            return super().form_valid(form)
        logger.warning("password reset e-mail withheld by the rate limit")
        return HttpResponseRedirect(self.get_success_url())
