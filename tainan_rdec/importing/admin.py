"""Admin pages for a register: upload → dry-run preview → confirm, the template, the exports.

Mix ``RegisterAdminMixin`` into a ``ModelAdmin`` and name the register::

    @admin.register(Project)
    class ProjectAdmin(RegisterAdminMixin, admin.ModelAdmin):
        import_register = "projects"

The change list then links to 匯入 / 下載匯入範本 / 匯出 Excel / 匯出 CSV (the export carries the
list's filters). A file of more than ``IMPORT_BACKGROUND_ROWS`` rows (default 2,000, counted
without parsing the file: ``jobs.estimate_rows``) is checked and imported by a Celery task, so
no request parses a big sheet; its page shows the rows done / total and the problems so far,
refreshes itself while the task runs, can cancel it, and keeps the outcome and the error report
(CSV) downloadable. Every page is behind the admin site's login and, like the import itself
(``runner.run_import``), for system administrators only.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tainan_rdec.dispatch import send
from tainan_rdec.importing import jobs
from tainan_rdec.importing.registry import get_register
from tainan_rdec.importing.runner import record_in_admin_log, run_import
from tainan_rdec.importing.workbooks import CSV_CONTENT_TYPE, FORMATS, export_file, template_file
from tainan_rdec.scoping import is_admin

# Files with more rows than this are checked and imported by a background task.
DEFAULT_BACKGROUND_ROWS = 2_000
BACKGROUND_DOWN = gettext_lazy(
    "背景匯入服務暫時無法使用，檔案未匯入。請稍後再試，或洽系統管理人員。"
)


def background_rows() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("匯入檔案（.xlsx 或 .csv）"),
        help_text=gettext_lazy("請使用下載的匯入範本；上傳後先試算，確認無誤再正式匯入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("檔案大小 {size:,.1f} MB 超過上限 {limit:,.1f} MB，請分成幾個檔案匯入。").format(
                    size=upload.size / 1024 / 1024, limit=limit / 1024 / 1024
                )
            )
        return upload


class RegisterAdminMixin:
    """Import and export pages for the register named by ``import_register``."""

    import_register = ""
    change_list_template = "admin/importing/change_list.html"
    import_template_name = "admin/importing/import.html"
    import_job_template_name = "admin/importing/job.html"

    def get_import_register(self):
        return get_register(self.import_register)

    def _url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=self._url_name("import")),
            path(
                "import/template/",
                wrap(self.import_template_view),
                name=self._url_name("import_template"),
            ),
            path(
                "import/job/<str:token>/",
                wrap(self.import_job_view),
                name=self._url_name("import_job"),
            ),
            path(
                "import/job/<str:token>/cancel/",
                wrap(self.import_cancel_view),
                name=self._url_name("import_cancel"),
            ),
            path(
                "import/job/<str:token>/problems.csv",
                wrap(self.import_report_view),
                name=self._url_name("import_report"),
            ),
            path("export/<str:fmt>/", wrap(self.export_view), name=self._url_name("export")),
            *super().get_urls(),
        ]

    def register_queryset(self, queryset):
        """The register's rows for the change list's ``queryset`` (the same rows by default;
        a register of child rows maps its parents' list to them)."""
        return queryset

    def _require_admin(self, request):
        if not is_admin(request.user):
            raise PermissionDenied

    def changelist_view(self, request, extra_context=None):
        entry = self.get_import_register()
        extra_context = {
            **(extra_context or {}),
            "import_register": entry,
            "import_url": reverse(f"admin:{self._url_name('import')}"),
            "template_url": reverse(f"admin:{self._url_name('import_template')}"),
            "export_xlsx_url": reverse(f"admin:{self._url_name('export')}", args=["xlsx"]),
            "export_csv_url": reverse(f"admin:{self._url_name('export')}", args=["csv"]),
        }
        return super().changelist_view(request, extra_context)

    # -- pages -----------------------------------------------------------------------------

    def _context(self, request, entry, **extra):
        resource = entry.resource(user=request.user)
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("匯入{label}").format(label=entry.label),
            "register": entry,
            "columns": resource.import_columns(),
            "key_columns": [c.column_name for c in resource.key_columns()],
            "template_url": reverse(f"admin:{self._url_name('import_template')}"),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            "import_url": reverse(f"admin:{self._url_name('import')}"),
            "max_megabytes": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024),
            **extra,
        }

    def _job_url(self, job: jobs.Job) -> str:
        return reverse(f"admin:{self._url_name('import_job')}", args=[job.token()])

    def import_view(self, request):
        """GET: the upload form. POST a file: keep it and check it (a dry run; in the background
        for a big file). POST ``token`` with ``confirm``: import the checked file for real."""
        self._require_admin(request)
        entry = self.get_import_register()
        form = ImportUploadForm()
        outcome, token = None, None
        if request.method == "POST" and "confirm" in request.POST:
            job = jobs.Job.from_token(
                request.POST.get("token", ""), user=request.user, register=entry.name
            )
            status = job.read() if job is not None else None
            if status is None or job.source is None or not (status.ok and status.dry_run):
                messages.error(request, _("試算結果已過期或不存在，請重新上傳檔案。"))
                return HttpResponseRedirect(request.path)
            if status.total > background_rows():
                job.update(state=jobs.QUEUED, done=0)
                if not send(jobs.RUN_TASK, job.id, jobs.IMPORT):  # the task claims the phase once
                    messages.error(request, BACKGROUND_DOWN)
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(self._job_url(job))
            if not job.claim(jobs.IMPORT):  # a second click on 確認匯入
                messages.error(request, _("這個檔案已在匯入中或已匯入。"))
                return HttpResponseRedirect(request.path)
            outcome = run_import(
                entry, job.source, user=request.user, dry_run=False, file_name=status.file_name
            )
            job.discard()
            if outcome.committed:
                record_in_admin_log(request.user, outcome)
                messages.success(request, outcome.summary())
                return HttpResponseRedirect(reverse(f"admin:{self._url_name('changelist')}"))
        elif request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                job = jobs.Job.create(
                    form.cleaned_data["file"], user=request.user, register=entry.name
                )
                limit = background_rows()
                # Counted without parsing (no sheet is parsed inside the request unless it is
                # small), and not from the size a sheet declares, which may understate it.
                if jobs.estimate_rows(job.source, stop_after=limit) > limit:
                    if not send(jobs.RUN_TASK, job.id, jobs.CHECK):
                        job.discard()
                        messages.error(request, BACKGROUND_DOWN)
                        return HttpResponseRedirect(request.path)
                    return HttpResponseRedirect(self._job_url(job))
                status = job.read()
                outcome = run_import(
                    entry, job.source, user=request.user, dry_run=True, file_name=status.file_name
                )
                if outcome.ok:
                    job.update(state=jobs.DONE, ok=True, total=outcome.total, done=outcome.total)
                    token = job.token()
                else:
                    job.discard()
        context = self._context(request, entry, form=form, outcome=outcome, token=token)
        return TemplateResponse(request, self.import_template_name, context)

    def _job_or_404(self, request, token):
        self._require_admin(request)
        entry = self.get_import_register()
        job = jobs.Job.from_token(token, user=request.user, register=entry.name)
        if job is None:
            raise Http404
        return entry, job

    def import_job_view(self, request, token):
        """A background job's page: progress while it runs (the page refreshes itself), then
        the outcome, the error report, and the confirm button after a clean check."""
        entry, job = self._job_or_404(request, token)
        status = job.read()
        context = self._context(
            request,
            entry,
            job=status,
            token=token,
            report_url=reverse(f"admin:{self._url_name('import_report')}", args=[token])
            if job.report_path.exists()
            else None,
            cancel_url=reverse(f"admin:{self._url_name('import_cancel')}", args=[token]),
            can_confirm=status.finished and status.ok and status.dry_run and job.source,
        )
        return TemplateResponse(request, self.import_job_template_name, context)

    def import_cancel_view(self, request, token):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        _entry, job = self._job_or_404(request, token)
        if not job.read().finished:
            job.request_cancel()
            messages.info(request, _("已要求取消，匯入會在處理中的這一列之後停止並還原。"))
        return HttpResponseRedirect(self._job_url(job))

    def import_report_view(self, request, token):
        """The job's error report: every problem as 列, 欄位, 問題 (CSV)."""
        _entry, job = self._job_or_404(request, token)
        if not job.report_path.exists():
            raise Http404
        return FileResponse(
            job.report_path.open("rb"),
            as_attachment=True,
            filename=_("匯入問題_{name}.csv").format(name=Path(job.read().file_name).stem),
            content_type=CSV_CONTENT_TYPE,
        )

    def import_template_view(self, request):
        self._require_admin(request)
        resource = self.get_import_register().resource(user=request.user)
        made = template_file(resource)
        return FileResponse(
            made.handle, as_attachment=True, filename=made.filename, content_type=made.content_type
        )

    def export_view(self, request, fmt):
        """The change list's rows, with its filters, as xlsx or csv."""
        self._require_admin(request)
        if fmt not in FORMATS:
            raise Http404
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("篩選條件不正確。"))
        queryset = self.register_queryset(queryset)
        resource = self.get_import_register().resource(user=request.user)
        made = export_file(resource, queryset, fmt=fmt)
        return FileResponse(
            made.handle, as_attachment=True, filename=made.filename, content_type=made.content_type
        )
