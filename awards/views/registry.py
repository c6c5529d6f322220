"""The register's pages: the list (with the reviewers' bulk confirmation), one award, the
register and edit form, the confirm / return / delete actions and the evidence file. Thin: the
rules are in ``awards.models`` and ``awards.services``.

Who sees what: a bureau user sees, registers and corrects its own agency's awards; other
agencies' awards are 404 to them. Reviewers and admins see every award; reviewers confirm or
return them (a bureau user who can see the award gets 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from awards import services
from awards.choices import AwardState
from awards.filters import AwardFilter
from awards.forms import AwardForm, ReturnForm
from awards.models import Award
from tainan_rdec.choices import Role
from tainan_rdec.scoping import (
    get_editable_or_404,
    get_visible_or_404,
    is_commission,
    role_required,
)

PAGE_SIZE = 50
# Evidence files do not change under a URL (a new upload replaces the award's file name), and
# "private" keeps them out of shared caches.
CACHE_CONTROL = "private, max-age=600"

reviewers_only = role_required(Role.REVIEWER, Role.ADMIN)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest on top)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _back(request, default: str) -> str:
    """The page a form was sent from (a local path only), else ``default``."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def award_list(request):
    user = request.user
    awards = Award.objects.visible_to(user).select_related("agency")
    filterset = AwardFilter(request.GET or None, queryset=awards, user=user)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    commission = is_commission(user)
    return render(
        request,
        "awards/award_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": _query_without_page(request),
            "commission": commission,
            "may_register": commission or user.agency_id is not None,
            "REGISTERED": AwardState.REGISTERED,
            "RETURNED": AwardState.RETURNED,
        },
    )


def _detail(request, award, *, return_form=None, status=200):
    user = request.user
    reviewable = is_commission(user)
    editable = Award.objects.editable_by(user).filter(pk=award.pk).exists()
    return render(
        request,
        "awards/award_detail.html",
        {
            "award": award,
            "timeline": award.timeline(),
            "may_edit": editable,
            "may_delete": editable and award.state != AwardState.CONFIRMED,
            "may_confirm": reviewable and award.state == AwardState.REGISTERED,
            "may_return": reviewable and award.state != AwardState.RETURNED,
            "return_form": return_form or ReturnForm(),
            "REGISTERED": AwardState.REGISTERED,
            "RETURNED": AwardState.RETURNED,
            "CONFIRMED": AwardState.CONFIRMED,
        },
        status=status,
    )


def _award_for_page(user, pk) -> Award:
    return get_visible_or_404(
        Award.objects.select_related("agency", "project", "registered_by", "reviewed_by"),
        user,
        pk=pk,
    )


@require_safe
@login_required
def award_detail(request, pk):
    return _detail(request, _award_for_page(request.user, pk))


@login_required
def award_create(request):
    user = request.user
    if not (is_commission(user) or user.agency_id is not None):
        raise PermissionDenied
    form = AwardForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            kwargs = form.service_kwargs()
            agency = kwargs.pop("agency", None) or user.agency
            try:
                award = services.register_award(by=user, agency=agency, **kwargs)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已登錄「{name}」，待研考會確認後列入統計。").format(name=award.name),
                )
                return redirect("awards:detail", pk=award.pk)
    return render(
        request,
        "awards/award_form.html",
        {"form": form, "award": None, "RETURNED": AwardState.RETURNED},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def award_edit(request, pk):
    user = request.user
    award = get_editable_or_404(Award.objects.select_related("agency", "project"), user, pk=pk)
    form = AwardForm(request.POST or None, request.FILES or None, instance=award, user=user)
    if request.method == "POST":
        was_returned = award.state == AwardState.RETURNED
        if form.is_valid():
            try:
                services.update_award(award, by=user, **form.service_kwargs())
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                if was_returned:
                    messages.success(request, _("已補正並重新登錄，待研考會確認。"))
                else:
                    messages.success(request, _("獎項資料已更新。"))
                return redirect("awards:detail", pk=award.pk)
    return render(
        request,
        "awards/award_form.html",
        {"form": form, "award": award, "RETURNED": AwardState.RETURNED},
        status=400 if request.method == "POST" else 200,
    )


def _reviewable_or_403(user, pk) -> Award:
    award = _award_for_page(user, pk)
    if not Award.objects.reviewable_by(user).filter(pk=award.pk).exists():
        raise PermissionDenied
    return award


@require_POST
@login_required
def award_confirm(request, pk):
    award = _reviewable_or_403(request.user, pk)
    try:
        services.confirm_award(award, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已確認「{name}」，列入統計。").format(name=award.name))
    return redirect(_back(request, reverse("awards:detail", args=[award.pk])))


@require_POST
@login_required
def award_return(request, pk):
    award = _reviewable_or_403(request.user, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_award(award, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("已退回「{name}」，請機關補正。").format(name=award.name))
            return redirect("awards:detail", pk=award.pk)
    return _detail(request, award, return_form=form, status=400)


@require_POST
@login_required
def award_delete(request, pk):
    award = get_editable_or_404(Award, request.user, pk=pk)
    try:
        services.delete_award(award, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("awards:detail", pk=award.pk)
    messages.success(request, _("已刪除「{name}」。").format(name=award.name))
    return redirect("awards:index")


@require_POST
@reviewers_only
def award_confirm_many(request):
    pks = [int(value) for value in request.POST.getlist("award") if value.isdigit()]
    default = reverse("awards:index")
    if not pks:
        messages.error(request, _("請勾選要確認的獎項。"))
        return redirect(_back(request, default))
    visible = Award.objects.visible_to(request.user).filter(pk__in=pks).values("pk")
    confirmed = services.confirm_awards([row["pk"] for row in visible], by=request.user)
    skipped = len(pks) - len(confirmed)
    message = _("已確認{n}項獎項，列入統計。").format(n=len(confirmed))
    if skipped:
        message += _("另有{n}項不是待確認狀態，未予處理。").format(n=skipped)
    messages.success(request, message)
    return redirect(_back(request, default))


@require_safe
@login_required
def evidence(request, pk):
    award = get_visible_or_404(Award, request.user, pk=pk)
    if not award.evidence_file:
        raise Http404
    try:
        handle = award.evidence_file.open("rb")
    except OSError:
        raise Http404 from None
    content_type = services.evidence_content_type(handle)
    if content_type is None:
        # Everything stored went through services.clean_evidence; anything else is not served.
        handle.close()
        raise Http404
    extension = award.evidence_file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle, content_type=content_type, filename=f"award-{award.pk}-evidence.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    # A PDF opened in the browser runs no script and submits nothing.
    response["Content-Security-Policy"] = "sandbox"
    return response
