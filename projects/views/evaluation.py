"""Placeholder: the annual evaluation pages are written in this slice."""

from django.http import Http404


def evaluation_index(request, **kwargs):
    raise Http404


evaluation_year = score_detail = evaluation_index
