from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "tainan_rdec"
    verbose_name = _("入口網核心")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tainan_rdec import signals  # noqa: F401  (calendar cache invalidation)
