from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("為民服務案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import register_nav_item

        register_nav_item(
            "petitions",
            label=_("陳情及1999案件"),
            url_name="petitions:index",
            roles=Role.values,
            order=20,
        )
