from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tainan_rdec.importing.admin import RegisterAdminMixin
from tainan_rdec.models import Agency, CalendarException, User


@admin.register(Agency)
class AgencyAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "agencies"
    list_display = ["code", "name", "short_name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["sort_order", "code"]


@admin.register(User)
class PortalUserAdmin(RegisterAdminMixin, UserAdmin):
    import_register = "users"
    list_display = ["username", "display_name", "agency", "role", "email", "is_active"]
    list_filter = ["role", "is_active", "agency__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "agency__name"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("機關與角色"), {"fields": ["agency", "role", "title", "phone"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("機關與角色"), {"fields": ["agency", "role", "email", "first_name", "last_name"]}),
    ]

    @admin.display(description=_("姓名"))
    def display_name(self, obj):
        return obj.display_name


@admin.register(CalendarException)
class CalendarExceptionAdmin(RegisterAdminMixin, admin.ModelAdmin):
    import_register = "calendar"
    list_display = ["date", "kind", "reason", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["reason"]
    date_hierarchy = "date"
