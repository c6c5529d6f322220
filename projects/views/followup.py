"""Follow-up pages: review meetings with their agendas and minutes, site visits, and directives
(管制事項) with the agencies' answers. Thin: every rule is in ``projects.followup``.

Who sees what: meetings are the commission's and every signed-in user may read them, but a
bureau user sees only the agenda items and directives of projects and agencies visible to them.
Site visits and directives are fetched with ``get_visible_or_404`` (outsiders get 404). Only
reviewers and admins schedule meetings, change agendas, record visits and raise, close or reopen
directives (403 for bureau users); only the responsible agency (or an admin) answers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import followup
from projects.choices import DirectiveStatus
from projects.forms.followup import (
    AgendaAddForm,
    CloseDirectiveForm,
    DirectiveFilterForm,
    DirectiveForm,
    MeetingForm,
    MinutesForm,
    ReopenDirectiveForm,
    ResponseForm,
    SiteVisitForm,
)
from projects.models import Directive, Project, ReviewMeeting, SiteVisit
from tainan_rdec.choices import Role
from tainan_rdec.scoping import get_visible_or_404, is_commission, role_required

MEETING_PAGE_SIZE = 30
DIRECTIVE_PAGE_SIZE = 50

reviewers_only = role_required(Role.REVIEWER, Role.ADMIN)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest on top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _pk_param(request, name):
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


def _directives(queryset, today):
    return followup.with_overdue(
        queryset.select_related("responsible_agency", "project", "meeting", "site_visit"), today
    )


# -- meetings ----------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    user = request.user
    # A bureau user counts only the directives their agency owes.
    owed = Q() if is_commission(user) else Q(directives__responsible_agency=user.agency_id)
    meetings = ReviewMeeting.objects.annotate(
        item_count=Count("items", filter=Q(items__removed=False), distinct=True),
        directive_count=Count("directives", filter=owed, distinct=True),
    ).order_by("-date", "-pk")
    page = Paginator(meetings, MEETING_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/meeting_list.html",
        {"page": page, "may_create": is_commission(user)},
    )


@reviewers_only
def meeting_create(request):
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = followup.create_meeting(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立「{title}」。").format(title=meeting.title))
            return redirect("projects:meeting_detail", pk=meeting.pk)
    return render(request, "projects/meeting_form.html", {"form": form})


def _meeting_context(request, meeting, *, minutes_form=None, add_form=None) -> dict:
    user = request.user
    today = timezone.localdate()
    commission = is_commission(user)
    previous = followup.previous_meeting(meeting)
    carried = followup.open_directives_before(meeting).visible_to(user)
    context = {
        "meeting": meeting,
        "today": today,
        "groups": followup.agenda_for(meeting, user=user, today=today),
        "directives": followup.directive_rows(
            _directives(Directive.objects.visible_to(user).filter(meeting=meeting), today), today
        ),
        "previous": previous,
        "carried": followup.directive_rows(_directives(carried, today), today),
        "may_manage": commission,
    }
    if commission:
        context.update(
            removed=list(followup.removed_items(meeting)),
            add_form=add_form or AgendaAddForm(meeting=meeting),
            minutes_form=minutes_form
            or MinutesForm(initial={"chair": meeting.chair, "minutes": meeting.minutes}),
        )
    return context


@login_required
def meeting_detail(request, pk):
    # Meetings belong to the commission and are read by every signed-in user (the agenda and
    # the directives inside are narrowed to what the user may see).
    meeting = get_object_or_404(ReviewMeeting, pk=pk)
    minutes_form = None
    if request.method == "POST":
        if not is_commission(request.user):
            raise PermissionDenied
        minutes_form = MinutesForm(request.POST)
        if minutes_form.is_valid():
            followup.record_minutes(meeting, by=request.user, **minutes_form.cleaned_data)
            messages.success(request, _("會議紀錄已儲存。"))
            return redirect("projects:meeting_detail", pk=meeting.pk)
    context = _meeting_context(request, meeting, minutes_form=minutes_form)
    return render(
        request,
        "projects/meeting_detail.html",
        context,
        status=400 if minutes_form is not None else 200,
    )


AGENDA_PROPOSE = "propose"
AGENDA_ADD = "add"
AGENDA_REMOVE = "remove"


@require_POST
@reviewers_only
def meeting_agenda(request, pk):
    meeting = get_object_or_404(ReviewMeeting, pk=pk)
    action = request.POST.get("action")
    agenda_url = reverse("projects:meeting_detail", args=[meeting.pk]) + "#agenda"
    if action == AGENDA_PROPOSE:
        added = followup.propose_agenda(meeting, today=timezone.localdate(), by=request.user)
        if added:
            messages.success(request, _("已依落後狀態加入{count}件案件。").format(count=len(added)))
        else:
            messages.info(request, _("沒有需要新增的案件，議程維持不變。"))
        return redirect(agenda_url)
    if action == AGENDA_REMOVE:
        item_pk = request.POST.get("item", "")
        if not item_pk.isdigit():
            raise Http404
        item = get_object_or_404(meeting.items.select_related("project"), pk=int(item_pk))
        followup.remove_agenda_item(item, by=request.user)
        messages.success(request, _("已將「{name}」移出議程。").format(name=item.project.name))
        return redirect(agenda_url)
    if action != AGENDA_ADD:
        return HttpResponseBadRequest()
    form = AgendaAddForm(request.POST, meeting=meeting)
    if form.is_valid():
        project = form.cleaned_data["project"]
        try:
            followup.add_agenda_item(
                meeting, project, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("已將「{name}」列入議程。").format(name=project.name))
            return redirect(agenda_url)
    context = _meeting_context(request, meeting, add_form=form)
    return render(request, "projects/meeting_detail.html", context, status=400)


# -- site visits -------------------------------------------------------------------------------


@reviewers_only
def visit_create(request, project_pk):
    project = get_visible_or_404(
        Project.objects.select_related("host_agency"), request.user, pk=project_pk
    )
    form = SiteVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = followup.record_site_visit(project, **form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("實地訪視紀錄已儲存。"))
            return redirect("projects:visit_detail", pk=visit.pk)
    return render(request, "projects/visit_form.html", {"form": form, "project": project})


@login_required
def visit_detail(request, pk):
    user = request.user
    visit = get_visible_or_404(
        SiteVisit.objects.select_related("project__host_agency", "created_by"), user, pk=pk
    )
    today = timezone.localdate()
    directives = _directives(Directive.objects.visible_to(user).filter(site_visit=visit), today)
    return render(
        request,
        "projects/visit_detail.html",
        {
            "visit": visit,
            "project": visit.project,
            "directives": followup.directive_rows(directives, today),
            "may_manage": is_commission(user),
        },
    )


# -- directives --------------------------------------------------------------------------------


@login_required
def directive_list(request):
    user = request.user
    today = timezone.localdate()
    commission = is_commission(user)
    directives = Directive.objects.visible_to(user)
    filter_form = None
    if commission:
        filter_form = DirectiveFilterForm(request.GET or None)
        if filter_form.is_valid():
            data = filter_form.cleaned_data
            if data["agency"]:
                directives = directives.filter(responsible_agency=data["agency"])
            if data["status"]:
                directives = directives.filter(status=data["status"])
            if data["overdue"]:
                directives = directives.filter(status=DirectiveStatus.OPEN, due_date__lt=today)
    page = Paginator(_directives(directives, today), DIRECTIVE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/directive_list.html",
        {
            "page": page,
            "rows": followup.directive_rows(page.object_list, today),
            "filter_form": filter_form,
            "query": query.urlencode(),
            "commission": commission,
        },
    )


@reviewers_only
def directive_create(request):
    user = request.user
    project = meeting = visit = None
    visit_pk, project_pk, meeting_pk = (
        _pk_param(request, name) for name in ("visit", "project", "meeting")
    )
    if visit_pk is not None:
        visit = get_visible_or_404(
            SiteVisit.objects.select_related("project__host_agency"), user, pk=visit_pk
        )
        project = visit.project
    if project_pk is not None:
        project = get_visible_or_404(
            Project.objects.select_related("host_agency"), user, pk=project_pk
        )
    if meeting_pk is not None:
        meeting = get_object_or_404(ReviewMeeting, pk=meeting_pk)
    project_choices = None
    if meeting is not None and project is None:
        project_choices = Project.objects.filter(
            agenda_items__meeting=meeting, agenda_items__removed=False
        ).order_by("control_number")
    initial = {"responsible_agency": project.host_agency_id} if project else {}
    form = DirectiveForm(request.POST or None, initial=initial, project_choices=project_choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("project") or project
        try:
            directive = followup.raise_directive(
                text=data["text"],
                due_date=data["due_date"],
                responsible_agency=data["responsible_agency"],
                project=chosen,
                meeting=meeting,
                site_visit=visit,
                by=user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已列管，辦理機關：{agency}。").format(agency=directive.responsible_agency.name),
            )
            if meeting is not None:
                return redirect("projects:meeting_detail", pk=meeting.pk)
            if visit is not None:
                return redirect("projects:visit_detail", pk=visit.pk)
            return redirect("projects:directive_detail", pk=directive.pk)
    return render(
        request,
        "projects/directive_form.html",
        {"form": form, "project": project, "meeting": meeting, "visit": visit},
    )


RESPOND = "respond"
CLOSE = "close"
REOPEN = "reopen"


@login_required
def directive_detail(request, pk):
    user = request.user
    directive = get_visible_or_404(
        Directive.objects.select_related(
            "responsible_agency",
            "project__host_agency",
            "meeting",
            "site_visit",
            "raised_by",
            "closed_by",
        ),
        user,
        pk=pk,
    )
    forms = {
        RESPOND: ResponseForm(),
        CLOSE: CloseDirectiveForm(),
        REOPEN: ReopenDirectiveForm(),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in forms:
            return HttpResponseBadRequest()
        form = forms[action] = type(forms[action])(request.POST)
        if form.is_valid():
            try:
                if action == RESPOND:
                    followup.respond_to_directive(
                        directive, text=form.cleaned_data["text"], by=user
                    )
                    done = _("辦理情形已送出。")
                elif action == CLOSE:
                    followup.close_directive(directive, by=user, note=form.cleaned_data["note"])
                    done = _("已解除追蹤。")
                else:
                    followup.reopen_directive(
                        directive, by=user, due_date=form.cleaned_data["due_date"]
                    )
                    done = _("已改為繼續追蹤。")
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("projects:directive_detail", pk=directive.pk)
        status = 400
    today = timezone.localdate()
    is_open = directive.status == DirectiveStatus.OPEN
    return render(
        request,
        "projects/directive_detail.html",
        {
            "directive": directive,
            "responses": directive.responses.select_related("by__agency"),
            "days_overdue": followup.days_overdue(directive, today),
            "may_respond": is_open and followup.can_respond(directive, user),
            "may_manage": is_commission(user),
            "is_open": is_open,
            "response_form": forms[RESPOND],
            "close_form": forms[CLOSE],
            "reopen_form": forms[REOPEN],
            "RESPOND": RESPOND,
            "CLOSE": CLOSE,
            "REOPEN": REOPEN,
        },
        status=status,
    )
