"""Placeholder: written in this slice."""
from django.http import Http404


def project_list(request):
    raise Http404


project_detail = project_status = project_list
