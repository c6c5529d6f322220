"""Placeholder: the meeting packet pages are written in this slice."""

from django.http import Http404


def packet_list(request, **kwargs):
    raise Http404


packet_detail = packet_download = packet_list
