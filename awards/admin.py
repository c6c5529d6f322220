from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from awards.models import Award


@admin.register(Award)
class AwardAdmin(SimpleHistoryAdmin):
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
