"""Telephone tests and audits: lists, entry and correction forms for reviewers, details with
the item scores, audit photos and raising improvement items. Thin: the rules are in
``evaluations.services``.

Reviewers and admins see and record everything; a bureau user sees their own agency's records
(``visible_to``; another agency's are 404) and changes nothing (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from evaluations import services
from evaluations import tables as evaluation_tables
from evaluations.choices import CallRoute, RubricKind
from evaluations.filters import AuditFilter, PhoneTestFilter
from evaluations.forms import (
    AuditForm,
    ImprovementForm,
    PhoneTestForm,
    PhotoForm,
    add_service_errors,
)
from evaluations.models import Audit, AuditPhoto, PhoneTest
from evaluations.rubrics import groups_of, rubric_for
from evaluations.views.common import (
    list_context,
    record_year,
    reviewers_only,
    roc,
    this_year,
)
from tainan_rdec import photos, tables
from tainan_rdec.scoping import get_editable_or_404, get_visible_or_404, is_commission

PHOTO_CACHE_CONTROL = "private, max-age=3600"


def _score_rows(record) -> list[dict]:
    """The record's rubric by group, each item with its points (None: not scored)."""
    points = {s.item_id: s.points for s in record.scores.all()}
    groups = groups_of(record.rubric)
    for group in groups:
        group["rows"] = [{"item": i, "points": points.get(i.pk)} for i in group["items"]]
        scored = [r["points"] for r in group["rows"] if r["points"] is not None]
        group["scored"] = bool(scored)
        group["total"] = sum(scored) if scored else None
    return groups


def _history(record) -> list:
    return list(record.history.select_related("history_user").order_by("-history_date")[:20])


def _record_list(request, model, filter_class, template: str):
    """A register's list page: the records the user may see, filtered and paged, and whether
    they may record a new one. The register's template (extending ``evaluations/list_page.html``)
    says which columns it shows."""
    user = request.user
    records = model.objects.visible_to(user).select_related("agency")
    filterset = filter_class(tables.form_data(request, filter_class), queryset=records, user=user)
    context = list_context(request, filterset)
    summary = evaluation_tables.record_summary_table(
        filterset.qs,
        key="summary",
        title=_("{register}統計（依機關）").format(register=model._meta.verbose_name),
        filters=tables.describe_form(filterset.form),
    )
    response = tables.download(request, summary)
    if response is not None:
        return response
    return render(
        request, template, {**context, "summary": summary, "may_record": is_commission(user)}
    )


# -- telephone tests ---------------------------------------------------------------------------


@login_required
def phone_list(request):
    return _record_list(request, PhoneTest, PhoneTestFilter, "evaluations/phone_list.html")


def _phone_form_page(request, form, *, test=None, status=200):
    return render(
        request,
        "evaluations/phone_form.html",
        {"form": form, "test": test, "rubric": form.rubric, "roc_year": form.rubric.roc_year},
        status=status,
    )


@reviewers_only
def phone_create(request):
    year = record_year(request)
    rubric = rubric_for(RubricKind.PHONE, year)
    initial = {"route": CallRoute.DIRECT}
    if year == this_year():
        initial["tested_on"] = timezone.localdate()
    form = PhoneTestForm(request.POST or None, rubric=rubric, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                test = services.record_phone_test(
                    by=request.user, rubric=rubric, points=form.points(), **form.record_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("已登錄電話禮貌測試 {reference}。").format(reference=test.reference)
                )
                return redirect("evaluations:phone_detail", pk=test.pk)
        return _phone_form_page(request, form, status=400)
    return _phone_form_page(request, form)


@login_required
def phone_detail(request, pk):
    test = get_visible_or_404(
        PhoneTest.objects.select_related("agency", "rubric", "recorded_by"), request.user, pk=pk
    )
    commission = is_commission(request.user)
    return render(
        request,
        "evaluations/phone_detail.html",
        {
            "test": test,
            "groups": _score_rows(test),
            "may_edit": commission,
            "history": _history(test) if commission else [],
        },
    )


@login_required
def phone_edit(request, pk):
    test = get_editable_or_404(PhoneTest.objects.select_related("rubric"), request.user, pk=pk)
    form = PhoneTestForm(
        request.POST or None, rubric=test.rubric, initial=PhoneTestForm.initial_from(test)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_phone_test(
                    test, by=request.user, points=form.points(), **form.record_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已更新測試紀錄。"))
                return redirect("evaluations:phone_detail", pk=test.pk)
        return _phone_form_page(request, form, test=test, status=400)
    return _phone_form_page(request, form, test=test)


# -- audits ------------------------------------------------------------------------------------


@login_required
def audit_list(request):
    return _record_list(request, Audit, AuditFilter, "evaluations/audit_list.html")


def _audit_form_page(request, form, *, audit=None, status=200):
    return render(
        request,
        "evaluations/audit_form.html",
        {"form": form, "audit": audit, "rubric": form.rubric, "roc_year": form.rubric.roc_year},
        status=status,
    )


@reviewers_only
def audit_create(request):
    year = record_year(request)
    rubric = rubric_for(RubricKind.AUDIT, year)
    initial = {"visited_on": timezone.localdate()} if year == this_year() else {}
    form = AuditForm(request.POST or None, rubric=rubric, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                audit = services.record_audit(
                    by=request.user, rubric=rubric, points=form.points(), **form.record_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("已登錄實地稽核 {reference}。").format(reference=audit.reference)
                )
                return redirect("evaluations:audit_detail", pk=audit.pk)
        return _audit_form_page(request, form, status=400)
    return _audit_form_page(request, form)


@login_required
def audit_detail(request, pk):
    user = request.user
    audit = get_visible_or_404(
        Audit.objects.select_related("agency", "rubric", "recorded_by", "target"), user, pk=pk
    )
    commission = is_commission(user)
    today = timezone.localdate()
    improvements = list(audit.improvements.order_by("due_date", "pk"))
    for item in improvements:
        item.overdue = item.is_overdue(today)
    return render(
        request,
        "evaluations/audit_detail.html",
        {
            "audit": audit,
            "groups": _score_rows(audit),
            "photos": list(audit.photos.all()),
            "improvements": improvements,
            "may_edit": commission,
            "photo_form": PhotoForm() if commission else None,
            "history": _history(audit) if commission else [],
        },
    )


@login_required
def audit_edit(request, pk):
    audit = get_editable_or_404(Audit.objects.select_related("rubric"), request.user, pk=pk)
    form = AuditForm(
        request.POST or None, rubric=audit.rubric, initial=AuditForm.initial_from(audit)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_audit(
                    audit, by=request.user, points=form.points(), **form.record_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已更新稽核紀錄。"))
                return redirect("evaluations:audit_detail", pk=audit.pk)
        return _audit_form_page(request, form, audit=audit, status=400)
    return _audit_form_page(request, form, audit=audit)


@require_POST
@login_required
def audit_photo_add(request, pk):
    audit = get_editable_or_404(Audit, request.user, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_audit_photo(
                audit, form.cleaned_data["image"], form.cleaned_data["caption"], by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("照片已上傳。"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(reverse("evaluations:audit_detail", args=[audit.pk]) + "#photos")


@require_safe
@login_required
def audit_photo_file(request, pk):
    photo = get_visible_or_404(AuditPhoto, request.user, pk=pk)
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise Http404 from None
    content_type = photos.content_type(handle)
    if content_type is None:
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = PHOTO_CACHE_CONTROL
    return response


@login_required
def improvement_create(request, pk):
    audit = get_editable_or_404(Audit.objects.select_related("agency"), request.user, pk=pk)
    form = ImprovementForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.raise_improvement(audit, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已列管改善事項。"))
                return redirect("evaluations:improvement_detail", pk=item.pk)
        status = 400
    return render(
        request,
        "evaluations/improvement_form.html",
        {"form": form, "audit": audit, "roc_year": roc(audit.visited_on.year)},
        status=status,
    )
