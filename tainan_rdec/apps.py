from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_celery_beat.apps import BeatConfig


class KernelConfig(AppConfig):
    # The one Django picks for "tainan_rdec": this module holds other apps' configs too.
    default = True
    name = "tainan_rdec"
    verbose_name = _("入口網核心")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from tainan_rdec import signals  # noqa: F401  (calendar cache invalidation)
        from tainan_rdec.choices import CITY_WIDE_READERS
        from tainan_rdec.registry import register_nav_item

        register_nav_item(
            "briefing",
            label=_("業務簡報"),
            url_name="briefing:page",
            roles=CITY_WIDE_READERS,
            order=5,
        )


# The admin's sidebar names two libraries' apps in English (axes has no verbose name; the
# catalogue of django-celery-beat has no zh_Hant). Their models' names are in the portal's
# catalogue, locale/zh_Hant.
class AxesConfig(AxesAppConfig):
    default = False
    verbose_name = _("登入防護")


class PeriodicTasksConfig(BeatConfig):
    default = False
    verbose_name = _("排程工作")
