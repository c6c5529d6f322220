from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("重大建設列管")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import register_nav_item

        register_nav_item(
            "projects", label=_("列管案件"), url_name="projects:index", roles=Role.values, order=10
        )
