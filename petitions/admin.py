from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from petitions.models import Case, CaseTransfer, Category, Event, PetitionSettings, Subcategory
from tainan_rdec.importing.admin import RegisterAdminMixin


@admin.register(PetitionSettings)
class PetitionSettingsAdmin(admin.ModelAdmin):
    # Moved by the nightly rollup task, shown so an admin sees which days are kept by day.
    readonly_fields = ("daily_rollups_from",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PetitionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class SubcategoryInline(admin.TabularInline):
    model = Subcategory
    extra = 0


@admin.register(Category)
class CategoryAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "categories"
    list_display = ["name", "time_limit_days", "active", "sort_order"]
    list_editable = ["time_limit_days", "active"]
    inlines = [SubcategoryInline]


@admin.register(Subcategory)
class SubcategoryAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "subcategories"
    list_display = ["code", "category", "name", "time_limit_days", "active"]
    list_filter = ["category", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["category"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "area"]
    filter_horizontal = ["districts", "categories"]


class TransferInline(admin.TabularInline):
    model = CaseTransfer
    extra = 0
    can_delete = False
    readonly_fields = ["from_agency", "to_agency", "reason", "by", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "cases"
    list_display = [
        "case_number",
        "channel",
        "received_at",
        "category",
        "handling_agency",
        "status",
    ]
    list_filter = ["status", "channel", "category", "published"]
    search_fields = ["case_number", "address"]
    list_select_related = ["category", "handling_agency"]
    raw_id_fields = ["subcategory", "category", "handling_agency", "district", "event"]
    date_hierarchy = "received_at"
    inlines = [TransferInline]
    # Due dates, processing days and on-time flags are computed by petitions.services.
    readonly_fields = ["due_date", "processing_days", "closed_on_time", "reopened_count"]
    show_full_result_count = False  # a million-row table: no COUNT(*) on every page
    actions = ["withhold_from_open_data", "publish_on_open_data"]

    @admin.action(description=_("不公開於開放資料"))
    def withhold_from_open_data(self, request, queryset):
        self._set_published(request, queryset, False)

    @admin.action(description=_("公開於開放資料"))
    def publish_on_open_data(self, request, queryset):
        self._set_published(request, queryset, True)

    def _set_published(self, request, queryset, published: bool):
        changed = queryset.update(published=published)
        text = (
            ngettext("{n} 件案件已公開於開放資料。", "{n} 件案件已公開於開放資料。", changed)
            if published
            else ngettext(
                "{n} 件案件已不公開於開放資料。", "{n} 件案件已不公開於開放資料。", changed
            )
        )
        self.message_user(request, text.format(n=changed), messages.SUCCESS)
