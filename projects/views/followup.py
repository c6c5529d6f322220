"""Placeholder: meetings, site visits and directives are written in this slice."""

from django.http import Http404


def meeting_list(request, **kwargs):
    raise Http404


meeting_create = meeting_detail = meeting_agenda = meeting_list
visit_create = visit_detail = meeting_list
directive_list = directive_create = directive_detail = meeting_list
