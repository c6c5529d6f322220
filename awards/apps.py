from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("獎項登錄")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from awards import briefing
        from tainan_rdec.briefing.content import BriefingSection
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import (
            register_briefing_part,
            register_demo_seeder,
            register_nav_item,
        )

        register_nav_item(
            "awards", label=_("獎項"), url_name="awards:index", roles=Role.values, order=40
        )
        register_demo_seeder("awards", _seed_awards)
        register_briefing_part("awards", section=BriefingSection.AWARDS, build=briefing.build)


def _seed_awards(stdout, **options):
    from awards import demo

    demo.seed(stdout)
