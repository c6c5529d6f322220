from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tainan_rdec.registry import cards_for


@login_required
def home(request):
    """Each role's landing page: the cards the apps registered for that role."""
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
