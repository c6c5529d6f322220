from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import services
from projects.models import (
    AnnualScore,
    Application,
    ApplicationAttachment,
    ApplicationStep,
    BudgetAllocation,
    ControlSettings,
    Directive,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    PlannedPoint,
    Project,
    ReportTransition,
    StatusChange,
    TenderNumber,
)
from tainan_rdec.admin import HistoryAdmin
from tainan_rdec.importing.admin import RegisterAdminMixin

# The models with django-simple-history (Project, Milestone, BudgetAllocation, Directive,
# AnnualScore, ControlSettings, MonthlyReport) show their 歷史紀錄 through ``HistoryAdmin``.


@admin.register(ControlSettings)
class ControlSettingsAdmin(HistoryAdmin):
    """One row of thresholds and weights; it cannot be added twice or deleted."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ControlSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class TenderInline(admin.TabularInline):
    model = TenderNumber
    extra = 0


class AllocationInline(admin.TabularInline):
    model = BudgetAllocation
    extra = 0


@admin.register(Project)
class ProjectAdmin(RegisterAdminMixin, HistoryAdmin):
    import_register = "projects"
    list_display = ["control_number", "name", "host_agency", "kind", "phase", "control_status"]
    list_filter = ["kind", "control_status", "phase", "forward_category"]
    search_fields = ["control_number", "name", "tenders__number"]
    list_select_related = ["host_agency"]
    autocomplete_fields = ["host_agency", "co_agencies"]
    filter_horizontal = ["districts"]
    inlines = [MilestoneInline, TenderInline, AllocationInline]
    # Status changes go through the services so that they are logged with a reason.
    readonly_fields = ["control_status", "phase", "created_by", "created_at", "updated_at"]
    actions = ["list_projects"]

    @admin.action(description=gettext_lazy("納入列管（檢查列管要件）"))
    def list_projects(self, request, queryset):
        """納入列管 through ``services.list_project``: the listing rules the bureaus' application
        and the import apply, each refusal named with its project."""
        listed = 0
        for project in queryset.select_related("host_agency"):
            try:
                services.list_project(project, by=request.user, reason=_("系統管理頁面納入列管"))
            except (ValidationError, PermissionDenied) as error:
                reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
                self.message_user(
                    request,
                    _("{number}「{name}」未納入列管：{reasons}").format(
                        number=project.control_number, name=project.name, reasons="".join(reasons)
                    ),
                    messages.ERROR,
                )
            else:
                listed += 1
        if listed:
            self.message_user(
                request, _("已納入列管 {count} 件。").format(count=listed), messages.SUCCESS
            )


class PlannedPointInline(admin.TabularInline):
    model = PlannedPoint
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # a baseline is never edited in place: re-plan with a new version


@admin.register(PlanBaseline)
class PlanBaselineAdmin(RegisterAdminMixin, admin.ModelAdmin):
    """Versions of the planned S-curves; the register's rows are the current versions' points."""

    import_register = "scurves"
    list_display = ["project", "version", "is_current", "created_at"]
    list_select_related = ["project"]
    inlines = [PlannedPointInline]
    readonly_fields = ["project", "version", "is_current", "reason", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def register_queryset(self, queryset):
        return PlannedPoint.objects.filter(baseline__in=queryset)


@admin.register(BudgetAllocation)
class BudgetAllocationAdmin(HistoryAdmin):
    """A project's yearly allocations (also edited inline on the project)."""

    list_display = ["project", "year", "amount"]
    list_filter = ["year"]
    search_fields = ["project__control_number", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


@admin.register(AnnualScore)
class AnnualScoreAdmin(HistoryAdmin):
    """Annual evaluation scores are computed and adjusted on the evaluation pages (with the
    reason); here an admin reads them and their history."""

    list_display = ["project", "year", "final_score", "grade"]
    list_filter = ["year", "grade"]
    search_fields = ["project__control_number", "project__name"]
    list_select_related = ["project"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(RegisterAdminMixin, HistoryAdmin):
    import_register = "milestones"
    list_display = ["project", "name", "planned_date", "actual_date", "status"]
    list_filter = ["status"]
    search_fields = ["project__control_number", "project__name", "name"]
    list_select_related = ["project"]
    raw_id_fields = ["project"]


class TransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "by", "at", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(RegisterAdminMixin, HistoryAdmin):
    import_register = "reports"
    list_display = ["project", "period", "state", "planned_percent", "actual_percent", "is_late"]
    list_filter = ["state", "is_late", "period"]
    search_fields = ["project__control_number", "project__name"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "baseline"]
    inlines = [TransitionInline]
    readonly_fields = ["state", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at"]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["project", "field", "old_value", "new_value", "by", "at"]
    list_filter = ["field"]
    list_select_related = ["project", "by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Directive)
class DirectiveAdmin(RegisterAdminMixin, HistoryAdmin):
    """Directives are raised, answered and closed on the follow-up pages; the admin lists,
    imports and exports them."""

    import_register = "directives"
    list_display = ["text", "project", "responsible_agency", "due_date", "status"]
    list_filter = ["status", "responsible_agency"]
    search_fields = ["text", "project__control_number"]
    list_select_related = ["project", "responsible_agency"]
    raw_id_fields = ["project", "meeting", "site_visit"]
    readonly_fields = ["raised_by", "raised_at", "closed_by", "closed_at"]


class ApplicationStepInline(admin.TabularInline):
    model = ApplicationStep
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "by", "at", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


class ApplicationAttachmentInline(admin.TabularInline):
    # The file itself is served by the portal's scoped view only (never from MEDIA_URL).
    model = ApplicationAttachment
    extra = 0
    can_delete = False
    fields = readonly_fields = ["name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Applications are made and decided on the portal's pages (with their notices); here an
    admin reads them, their steps and attachments."""

    list_display = ["project", "kind", "state", "submitted_at", "decided_at"]
    list_filter = ["kind", "state"]
    search_fields = ["project__control_number", "project__name"]
    list_select_related = ["project"]
    inlines = [ApplicationStepInline, ApplicationAttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Application._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
