"""Placeholder: the reviewer dashboard and early-warning list are written in this slice."""

from django.http import Http404


def overview(request):
    raise Http404


early_warning = overview
