from django.contrib import admin

from awards.models import Award
from tainan_rdec.admin import HistoryAdmin
from tainan_rdec.importing.admin import RegisterAdminMixin


@admin.register(Award)
class AwardAdmin(RegisterAdminMixin, HistoryAdmin):
    """Awards: list, import (awards.resources says which states a file may set), export."""

    import_register = "awards"
    list_display = [
        "roc_year",
        "agency",
        "name",
        "awarding_body",
        "award_class",
        "is_top",
        "state",
    ]
    list_filter = ["state", "award_class", "is_top", "roc_year"]
    search_fields = ["name", "awarding_body", "agency__name", "agency__code"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency", "project"]
    # Confirming and returning go through the portal's pages (awards.services), with who/when.
    readonly_fields = [
        "state",
        "registered_by",
        "registered_at",
        "reviewed_by",
        "reviewed_at",
        "return_reason",
        "evidence_file",
        "evidence_name",
        "updated_at",
    ]
