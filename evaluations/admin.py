from django.contrib import admin

from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditScore,
    AuditTarget,
    AwardCoaching,
    CoachingStageChange,
    EvaluationResult,
    EvaluationSettings,
    ImprovementItem,
    PhoneTest,
    PhoneTestScore,
    Rubric,
    RubricItem,
)
from tainan_rdec.admin import HistoryAdmin
from tainan_rdec.importing.admin import RegisterAdminMixin


@admin.register(EvaluationSettings)
class EvaluationSettingsAdmin(admin.ModelAdmin):
    """One row of weights and thresholds; it cannot be added twice or deleted."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not EvaluationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class RubricItemInline(admin.TabularInline):
    model = RubricItem
    extra = 0

    # A version already used by a test or an audit is frozen (its scores must not change).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.in_use)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.in_use)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.in_use)


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "year", "created_at"]
    list_filter = ["kind", "year"]
    inlines = [RubricItemInline]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "year"] if obj and obj.in_use else []

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.in_use)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhoneTestScoreInline(ReadOnlyInline):
    model = PhoneTestScore


class AuditScoreInline(ReadOnlyInline):
    model = AuditScore


@admin.register(PhoneTest)
class PhoneTestAdmin(RegisterAdminMixin, HistoryAdmin):
    """Tests are recorded and corrected on the portal's pages (which re-score them); here an
    admin finds, imports (scored by the same rules: evaluations.resources), exports and, if need
    be, deletes one."""

    import_register = "phone_tests"

    list_display = ["reference", "agency", "unit", "tested_on", "route", "score"]
    list_filter = ["route", "tested_on"]
    search_fields = ["reference", "unit", "agency__name", "agency__code"]
    list_select_related = ["agency"]
    inlines = [PhoneTestScoreInline]
    readonly_fields = ["reference", "rubric", "total", "max_total", "score", "recorded_by"]


@admin.register(Audit)
class AuditAdmin(RegisterAdminMixin, HistoryAdmin):
    import_register = "audits"
    list_display = ["reference", "agency", "counter", "visited_on", "score"]
    list_filter = ["visited_on"]
    search_fields = ["reference", "counter", "agency__name", "agency__code"]
    list_select_related = ["agency"]
    inlines = [AuditScoreInline]
    readonly_fields = ["reference", "rubric", "total", "max_total", "score", "recorded_by"]


@admin.register(ImprovementItem)
class ImprovementItemAdmin(HistoryAdmin):
    list_display = ["agency", "source", "description", "due_date", "status"]
    list_filter = ["source", "status"]
    list_select_related = ["agency", "audit"]
    raw_id_fields = ["audit"]
    # Status changes go through the services (plan, report back, reviews, closure by figures).
    readonly_fields = [
        "source",
        "period",
        "overdue_rate",
        "status",
        "plan_filed_by",
        "plan_filed_at",
        "reported_by",
        "reported_at",
        "reviewed_by",
        "reviewed_at",
    ]


class ResultInline(ReadOnlyInline):
    model = EvaluationResult
    fields = ["agency", "rank", "total_score", "needs_improvement"]
    readonly_fields = fields


@admin.register(AnnualEvaluation)
class AnnualEvaluationAdmin(admin.ModelAdmin):
    list_display = ["year", "computed_at", "finalized_at"]
    inlines = [ResultInline]
    readonly_fields = [
        "year",
        "weights",
        "threshold",
        "bottom_n",
        "today",
        "computed_at",
        "computed_by",
        "finalized_at",
        "finalized_by",
    ]

    def has_add_permission(self, request):
        return False  # computed on the ranking page


@admin.register(AuditTarget)
class AuditTargetAdmin(admin.ModelAdmin):
    list_display = ["year", "agency", "basis", "note"]
    list_filter = ["year", "basis"]
    list_select_related = ["agency"]
    raw_id_fields = ["source"]


class StageChangeInline(ReadOnlyInline):
    model = CoachingStageChange


@admin.register(AwardCoaching)
class AwardCoachingAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "coaching"
    list_display = ["year", "agency", "category", "title", "stage"]
    list_filter = ["year", "category", "stage"]
    list_select_related = ["agency"]
    inlines = [StageChangeInline]
    readonly_fields = ["stage", "reached_level"]
