"""Placeholder: the notifications pages (提醒通知) are written in this slice."""

from django.http import Http404


def notification_list(request, **kwargs):
    raise Http404


notification_read = notification_list
