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
