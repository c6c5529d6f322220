from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("為民服務案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from petitions import home
        from tainan_rdec.choices import Role
        from tainan_rdec.registry import (
            register_demo_seeder,
            register_home_card,
            register_nav_item,
        )

        register_nav_item(
            "petitions",
            label=_("陳情及1999案件"),
            url_name="petitions:index",
            roles=Role.values,
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


# Cases a plain ``seed_demo`` writes, so the demo portal has data to show.
DEFAULT_DEMO_CASES = 2_000


def _seed_cases(stdout, **options):
    """``seed_demo --petitions N`` generates N cases; without it, a small default. Either way
    nothing is written when cases exist (``generate_cases`` skips)."""
    from petitions import demo

    demo.generate_cases(options.get("petitions") or DEFAULT_DEMO_CASES, stdout=stdout)
