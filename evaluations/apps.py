from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("服務品質評核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import register_nav_item

        register_nav_item(
            "evaluations",
            label=_("服務品質"),
            url_name="evaluations:index",
            roles=Role.values,
            order=30,
        )
