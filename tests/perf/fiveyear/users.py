"""The people of the five-year data set: a reviewer and an admin of the commission, and a filer
(局處填報人員) and a manager (局處主管) for every active agency (``fy_b06_staff``,
``fy_b06_manager``). Created once and kept (no part's tables hold them); the benchmarks sign
them in with ``force_login``, so their passwords are unusable."""

from __future__ import annotations

from dataclasses import dataclass

REVIEWER = "fy_reviewer"
ADMIN = "fy_admin"


@dataclass
class Cast:
    reviewer: object
    admin: object
    staff: dict  # agency code -> User
    managers: dict


def username(code: str, role: str) -> str:
    return f"fy_{code.lower()}_{'manager' if role == 'bureau_manager' else 'staff'}"


def ensure() -> Cast:
    from django.contrib.auth.hashers import make_password

    from tainan_rdec.choices import Role
    from tainan_rdec.models import Agency, User

    agencies = list(Agency.objects.active().order_by("sort_order", "code"))
    commission = Agency.objects.get(code="B26")
    wanted = {
        REVIEWER: (Role.REVIEWER, commission, "張", "研究員"),
        ADMIN: (Role.ADMIN, commission, "林", "系統管理者"),
    }
    for agency in agencies:
        wanted[username(agency.code, Role.BUREAU_STAFF)] = (
            Role.BUREAU_STAFF,
            agency,
            "陳",
            "承辦人",
        )
        wanted[username(agency.code, Role.BUREAU_MANAGER)] = (
            Role.BUREAU_MANAGER,
            agency,
            "王",
            "科長",
        )
    have = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=name,
                role=role,
                agency=agency,
                last_name=surname,
                first_name=title,
                title=title,
                email=f"{name}@bench.tainan.gov.tw",
                password=unusable,
                is_active=True,
            )
            for name, (role, agency, surname, title) in wanted.items()
            if name not in have
        ]
    )
    users = User.objects.in_bulk(list(wanted), field_name="username")
    staff = {a.code: users[username(a.code, Role.BUREAU_STAFF)] for a in agencies}
    managers = {a.code: users[username(a.code, Role.BUREAU_MANAGER)] for a in agencies}
    return Cast(users[REVIEWER], users[ADMIN], staff, managers)


def bureau_users(cast: Cast):
    """(agency, staff, manager) of the agency with the most listed projects: the biggest lists
    a bureau opens, and the most projects to file for."""
    from django.db.models import Count

    from projects.models import Project
    from tainan_rdec.models import Agency

    busiest = (
        Project.objects.listed()
        .values("host_agency")
        .annotate(n=Count("pk"))
        .order_by("-n", "host_agency")
        .first()
    )
    agency = (
        Agency.objects.get(pk=busiest["host_agency"]) if busiest else Agency.objects.get(code="B06")
    )
    return agency, cast.staff[agency.code], cast.managers[agency.code]
