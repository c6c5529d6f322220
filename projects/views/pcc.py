"""The PCC tender-system feed pages: the imports with the upload form, one import's outcome,
the hours saved, and the file template.

The commission reads them (bureau users get 403); only an admin uploads (``projects.pcc``).
"""

from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from projects import pcc
from projects.forms.pcc import PccUploadForm
from projects.models import ControlSettings, PccImport, PccOutcome
from tainan_rdec.choices import CITY_WIDE_READERS, Role
from tainan_rdec.importing.problems import ImportFileError
from tainan_rdec.scoping import is_admin, role_required

PAGE_SIZE = 20

commission_only = role_required(Role.REVIEWER, Role.ADMIN)


@commission_only
@require_http_methods(["GET", "POST"])
def pcc_list(request):
    form = PccUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST":
        if not is_admin(request.user):
            raise PermissionDenied(_("只有系統管理者可以匯入工程會標案資料。"))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = pcc.import_file(upload, by=request.user, name=upload.name)
            except ImportFileError as error:
                problems = error.problems
            else:
                if result.already_imported:
                    messages.warning(request, _("此檔案先前已匯入，未再變更任何資料。"))
                else:
                    messages.success(request, _("工程會標案資料已匯入。"))
                return redirect("projects:pcc_detail", result.pcc_import.pk)
    page = Paginator(PccImport.objects.select_related("imported_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/pcc/pcc_list.html",
        {
            "form": form,
            "problems": problems,
            "page": page,
            "may_upload": is_admin(request.user),
            "columns": pcc.COLUMNS,
            "required": pcc.REQUIRED,
        },
    )


@commission_only
def pcc_detail(request, pk):
    batch = get_object_or_404(PccImport, pk=pk)
    figures = list(
        batch.figures.select_related("project", "report").order_by(
            "project__control_number", "field"
        )
    )
    for figure in figures:
        figure.label = pcc.FIELD_LABELS.get(figure.field, figure.field)
    return render(
        request,
        "projects/pcc/pcc_detail.html",
        {
            "batch": batch,
            "prefilled": [f for f in figures if f.outcome == PccOutcome.PREFILLED],
            "differs": [f for f in figures if f.outcome == PccOutcome.DIFFERS],
            "same_count": sum(f.outcome == PccOutcome.SAME for f in figures),
        },
    )


@role_required(*CITY_WIDE_READERS)  # a figure of the briefing: the officials read it too
def pcc_hours(request):
    return render(
        request,
        "projects/pcc/pcc_hours.html",
        {"rows": pcc.hours_saved(), "minutes": ControlSettings.get().pcc_minutes_per_figure},
    )


@commission_only
def pcc_template(request):
    buffer = BytesIO()
    pcc.template_workbook().save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''pcc-template.xlsx"
    return response
