from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("重大建設列管")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from projects import briefing, home
        from tainan_rdec.briefing.content import BriefingSection
        from tainan_rdec.choices import CITY_WIDE_READERS, Role
        from tainan_rdec.registry import (
            register_briefing_part,
            register_demo_seeder,
            register_home_card,
            register_nav_item,
        )

        register_nav_item(
            "projects", label=_("列管案件"), url_name="projects:index", roles=Role.values, order=10
        )
        register_home_card(
            "projects-my-filings",
            title=_("我的填報"),
            template="projects/home_filings.html",
            roles=[Role.BUREAU_STAFF, Role.BUREAU_MANAGER],
            build=home.my_filings_card,
            order=10,
        )
        register_home_card(
            "projects-overview",
            title=_("列管總覽"),
            template="projects/home_overview.html",
            roles=[Role.REVIEWER, Role.ADMIN],
            build=home.overview_card,
            order=10,
        )
        register_nav_item(
            "projects-review",
            label=_("填報審核"),
            url_name="projects:review_queue",
            roles=[Role.REVIEWER, Role.ADMIN],
            order=11,
        )
        register_nav_item(
            "projects-dashboard",
            label=_("列管總覽"),
            url_name="projects:dashboard",
            roles=CITY_WIDE_READERS,
            order=12,
        )
        register_nav_item(
            "projects-directives",
            label=_("管制事項"),
            url_name="projects:directive_list",
            roles=Role.values,
            order=13,
        )
        register_demo_seeder("projects", _seed_projects)
        register_briefing_part(
            "projects-control", section=BriefingSection.CONTROL, build=briefing.build_control
        )
        register_briefing_part(
            "projects-forward", section=BriefingSection.FORWARD, build=briefing.build_forward
        )


def _seed_projects(stdout, **options):
    from projects import demo

    demo.seed(stdout)
