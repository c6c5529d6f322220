from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("為民服務案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from petitions import briefing, home
        from tainan_rdec.briefing.content import BriefingSection
        from tainan_rdec.choices import BUREAU_ROLES, COMMISSION_ROLES, Role
        from tainan_rdec.registry import (
            register_briefing_part,
            register_demo_seeder,
            register_home_card,
            register_nav_item,
        )

        register_nav_item(
            "petitions",
            label=_("陳情及1999案件"),
            url_name="petitions:index",
            # Not the senior officials': they read the statistics, never the cases.
            roles=[*BUREAU_ROLES, *COMMISSION_ROLES],
            order=20,
        )
        register_home_card(
            "petitions-my-cases",
            title=_("陳情及1999待辦案件"),
            template="includes/home_card.html",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_MANAGER],
            build=home.my_cases_card,
            order=20,
        )
        register_demo_seeder("petitions", _seed_cases)
        # The cases open the 為民服務 chapter; the service-quality parts follow (order 20).
        register_briefing_part(
            "petitions", section=BriefingSection.SERVICE, build=briefing.build, order=10
        )


# Cases a plain ``seed_demo`` writes, so the demo portal has data to show.
DEFAULT_DEMO_CASES = 2_000


def _seed_cases(stdout, **options):
    """``seed_demo --petitions N`` generates N cases; without it, a small default. Either way
    nothing is written when cases exist (``generate_cases`` skips)."""
    from petitions import demo

    demo.generate_cases(options.get("petitions") or DEFAULT_DEMO_CASES, stdout=stdout)
