from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("服務品質評核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from evaluations import briefing, home
        from tainan_rdec.briefing.content import BriefingSection
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import (
            register_briefing_part,
            register_demo_seeder,
            register_home_card,
            register_nav_item,
        )

        register_nav_item(
            "evaluations",
            label=_("服務品質"),
            url_name="evaluations:index",
            roles=Role.values,
            order=30,
        )
        register_home_card(
            "evaluations-improvements",
            title=_("服務品質改善事項"),
            template="includes/home_card.html",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_MANAGER],
            build=home.bureau_card,
            order=30,
        )
        register_home_card(
            "evaluations-review",
            title=_("服務品質改善事項"),
            template="includes/home_card.html",
            roles=[Role.REVIEWER, Role.ADMIN],
            build=home.commission_card,
            order=30,
        )
        # Seeders run in key order; this key sorts after "petitions", so the demo evaluation
        # finds the demo cases' timeliness (the registry has no other ordering).
        register_demo_seeder("service-quality", _seed_service_quality, after=["petitions"])
        register_briefing_part(
            "evaluations", section=BriefingSection.SERVICE, build=briefing.build, order=20
        )


def _seed_service_quality(stdout, **options):
    from evaluations import demo

    demo.seed(stdout)
