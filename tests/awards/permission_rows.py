"""This area's rows of the portal-wide permission matrix (tests/test_permissions.py).

MATRIX: url name -> (path, {cast member: expected status}); paths may name objects that
``world(cast)`` returns. POSTS: action -> (path, data or a callable giving data, expected).
The helpers ``signed_in`` and ``by_reach`` and the LOGIN / ADMIN_LOGIN markers come from
``tests.permission_helpers``.

The awards of agency A: ``award`` waits for confirmation and has an evidence file. Agency B's
users get 404 for it (individual awards of other agencies are never shown to bureau users);
agency A's users may change it but not confirm it (403); reviewers confirm and return but do
not change an agency's registration (403); the admin does everything; a senior official (長官)
reads every award and registers, changes and decides nothing (403). The summary and its export
are the city's published figures: every signed-in user reads them.
"""

from tests.permission_helpers import LOGIN, by_reach, signed_in  # noqa: F401

# Every action page refuses a GET before anything else, for anonymous visitors too.
POST_ONLY = by_reach(405, 405, 405, anonymous=405, official=405)

MATRIX: dict = {
    "awards:index": ("/awards/", signed_in()),
    # A senior official registers nothing.
    "awards:create": ("/awards/new/", {**signed_in(), "official": 403}),
    "awards:summary": ("/awards/summary/", signed_in()),
    "awards:summary_xlsx": ("/awards/summary/export/", signed_in()),
    # Each table of the summary as Excel: the page's address with ?format=xlsx&table=KEY.
    **{
        f"awards:summary?format=xlsx&table={key}": (
            f"/awards/summary/?format=xlsx&table={key}",
            signed_in(),
        )
        for key in ("classes", "years", "agencies")
    },
    "awards:confirm_many": ("/awards/confirm/", POST_ONLY),
    "awards:detail": ("/awards/{award}/", by_reach(200, 404, 200, official=200)),
    "awards:edit": ("/awards/{award}/edit/", by_reach(200, 404, 403, admin=200, official=403)),
    "awards:confirm": ("/awards/{award}/confirm/", POST_ONLY),
    "awards:return": ("/awards/{award}/return/", POST_ONLY),
    "awards:delete": ("/awards/{award}/delete/", POST_ONLY),
    "awards:evidence": ("/awards/{award}/evidence/", by_reach(200, 404, 200, official=200)),
}


def _register_data():
    from tainan_rdec.models import Agency

    # Reviewers and admins choose the agency; bureau users' forms have no such field.
    return {
        "agency": Agency.objects.get(code="B06").pk,
        "roc_year": "112",
        "award_date": "112.11.20",
        "name": "國家卓越建設獎",
        "awarding_body": "財團法人台灣建築中心",
        "award_class": "national",
        "evidence_url": "https://www.tabc.org.tw/",
    }


def _edit_data():
    return {**_register_data(), "name": "國家卓越建設獎（更正）"}


def _waiting_awards():
    from awards.models import Award

    return {"award": [str(pk) for pk in Award.objects.values_list("pk", flat=True)]}


POSTS: dict = {
    "register an award": ("/awards/new/", _register_data, {**signed_in(302), "official": 403}),
    "correct an award": (
        "/awards/{award}/edit/",
        _edit_data,
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "confirm an award": ("/awards/{award}/confirm/", {}, by_reach(403, 404, 302, official=403)),
    "return an award": (
        "/awards/{award}/return/",
        {"reason": "佐證文件不足，請補上傳證書。"},
        by_reach(403, 404, 302, official=403),
    ),
    "delete an award": (
        "/awards/{award}/delete/",
        {},
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "confirm awards in bulk": (
        "/awards/confirm/",
        _waiting_awards,
        by_reach(403, 403, 302, official=403),
    ),
}


def world(cast) -> dict:
    """The objects this area's paths name (formatting placeholders), made for agency A."""
    from django.core.files.base import ContentFile

    from awards.choices import AwardClass
    from awards.models import Award

    award = Award.objects.create(
        agency=cast["staff_a"].agency,
        roc_year=112,
        name="公共工程金質獎",
        awarding_body="行政院公共工程委員會",
        award_class=AwardClass.NATIONAL,
        is_top=True,
        registered_by=cast["staff_a"],
        evidence_file=ContentFile(b"%PDF-1.4\n%%EOF\n", "evidence.pdf"),
        evidence_name="金質獎證書.pdf",
    )
    return {"award": award.pk}
