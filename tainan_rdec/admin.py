import django_celery_beat.admin  # noqa: F401  (registers its models: see the end of this module)
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import ClockedSchedule, SolarSchedule
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from tainan_rdec.importing.admin import RegisterAdminMixin
from tainan_rdec.models import Agency, CalendarException, User


class HistoryContextHelper(HistoricalRecordContextHelper):
    """A change in the users' words: a choice by its label (局處主管, not bureau_manager)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and isinstance(value, str):
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin's 歷史紀錄 page from django-simple-history: who changed what, when and why.

    It only shows. Reverting to an old version would save every stored field of that version
    (a report's state, an award's confirmation) past the services that record who did it and
    why, so the revert button is hidden and its form refuses to save. The list is our copy of
    django-simple-history's, without the inline style the Content-Security-Policy blocks."""

    object_history_list_template = "admin/simple_history/object_history_list.html"

    def revert_disabled(self, request, obj=None):
        return True

    def history_view_title(self, request, obj):
        return _("歷史紀錄：{obj}").format(obj=obj)

    def history_form_view_title(self, request, obj):
        return _("歷史版本：{obj}").format(obj=obj)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


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
class PortalUserAdmin(RegisterAdminMixin, HistoryAdmin, UserAdmin):
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


# django-celery-beat registers four schedule types; the portal's beat schedules
# (projects/migrations/0007_beat_schedules.py) use crontab and interval only. Solar (sunrise at
# a latitude) and clocked (one moment) schedules were two more menu entries nobody here uses.
# (django_celery_beat.admin is imported at the top: the kernel's admin module runs before the
# beat app's in INSTALLED_APPS order, and there is nothing to unregister until it has run.)
admin.site.unregister([ClockedSchedule, SolarSchedule])
