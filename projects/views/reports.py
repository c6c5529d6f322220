"""Placeholder: written in this slice."""
from django.http import Http404


def report_edit(request, **kwargs):
    raise Http404


report_detail = report_submit = report_review = review_queue = report_edit
