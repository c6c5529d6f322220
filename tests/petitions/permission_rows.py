"""This area's rows of the portal-wide permission matrix (tests/test_permissions.py): the
petitions pages added with the problem groups and dispatch quality (issue 19). The older
petitions rows are still in tests/test_permissions.py.

Problem groups: an agency reads the groups its cases are in (another agency's: 404), the
commission every group; only the commission's reviewers split and merge (a bureau: 403); senior
officials read statistics, never groups (they list cases). Dispatch quality is the reviewers'.
"""

from tests.permission_helpers import LOGIN, by_reach, signed_in  # noqa: F401

POST_ONLY = by_reach(405, 405, 405, anonymous=405, official=405)

MATRIX: dict = {
    "petitions:group_list": ("/petitions/groups/", {**signed_in(), "official": 403}),
    "petitions:group_detail": (
        "/petitions/groups/{problem_group}/",
        by_reach(200, 404, 200, official=404),
    ),
    "petitions:group_split": ("/petitions/groups/{problem_group}/split/", POST_ONLY),
    "petitions:group_merge": ("/petitions/groups/{problem_group}/merge/", POST_ONLY),
    "petitions:dispatch": ("/petitions/dispatch/", by_reach(403, 403, 200, official=403)),
    "petitions:dispatch_cases": (
        "/petitions/dispatch/cases/",
        by_reach(403, 403, 200, official=403),
    ),
}

# The world's second group is at this address (the first at the builders' default address).
OTHER_PLACE = "臺南市東區大學路1號"


def _first_case_of_the_group():
    from petitions.models import Case

    case = Case.objects.filter(problem_group__isnull=False).exclude(address=OTHER_PLACE)
    return {"case": case.order_by("pk").first().case_number}


def _the_other_group():
    from petitions.models import ProblemGroup

    return {"other": str(ProblemGroup.objects.get(address=OTHER_PLACE).pk)}


POSTS: dict = {
    "take a case out of a problem group": (
        "/petitions/groups/{problem_group}/split/",
        _first_case_of_the_group,
        by_reach(403, 404, 302, official=404),
    ),
    "merge two problem groups": (
        "/petitions/groups/{problem_group}/merge/",
        _the_other_group,
        by_reach(403, 404, 302, official=404),
    ),
}


def world(cast) -> dict:
    """Two problem groups of agency A's cases (two calls each, grouped by the full run)."""
    from petitions.grouping import group_all
    from petitions.models import ProblemGroup
    from petitions.rollups import rebuild_rollups
    from tests.petitions.builders import make_case

    agency = cast["staff_a"].agency
    for _ in range(2):
        make_case(agency)
        make_case(agency, address=OTHER_PLACE, description="大學路1號前路燈不亮，夜間很暗")
    group_all()
    rebuild_rollups()  # the builders write cases only: the rollups as an import leaves them
    return {
        "problem_group": ProblemGroup.objects.exclude(address=OTHER_PLACE).get().pk,
        "other_group": ProblemGroup.objects.get(address=OTHER_PLACE).pk,
    }
