"""Project registration and applications (issue 17): their rows of the portal-wide permission
matrix (tests/test_permissions.py).

The world: 工務局's complete draft (``draft_project``) with one checkpoint, and another draft
of 工務局 whose listing application its manager has sent (``application``). Bureaus draft and
apply for their own agency only (other agencies: 404; a co-agency or a reviewer who can see the
draft: 403); only the commission decides (a bureau: 403); senior officials read, never act.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.permission_helpers import LOGIN, by_reach, signed_in  # noqa: F401
from tests.projects import files

# Pages of a draft: its host agency (and admins) only.
DRAFTING = by_reach(200, 404, 403, admin=200, official=403)
POST_ONLY = by_reach(405, 405, 405, anonymous=405, official=405)

MATRIX: dict = {
    "projects:create": ("/projects/new/", by_reach(200, 200, 403, admin=200, official=403)),
    "projects:edit": ("/projects/{draft_project}/edit/", DRAFTING),
    "projects:checkpoints": ("/projects/{draft_project}/checkpoints/", DRAFTING),
    "projects:checkpoint_edit": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/",
        DRAFTING,
    ),
    "projects:checkpoint_delete": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/delete/",
        POST_ONLY,
    ),
    "projects:checkpoint_move": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/move/",
        POST_ONLY,
    ),
    "projects:plan_edit": ("/projects/{draft_project}/plan/", DRAFTING),
    "projects:application_start": ("/projects/{draft_project}/apply/listing/", DRAFTING),
    "projects:application_list": ("/projects/applications/", signed_in()),
    "projects:application_detail": (
        "/projects/applications/{application}/",
        by_reach(200, 404, 200, official=200),
    ),
    "projects:application_decide": ("/projects/applications/{application}/decide/", POST_ONLY),
    "projects:unlisted_major": ("/projects/unlisted/", by_reach(403, 403, 200, official=403)),
    # A listed project's checkpoint reported done (檢核點達成): its host agency applies.
    "projects:checkpoint_done": (
        "/projects/{listed_project}/checkpoints/{listed_checkpoint}/done/",
        DRAFTING,
    ),
    # A re-plan's new curve, while the bureau holds the application.
    "projects:application_plan": ("/projects/applications/{replan}/plan/", DRAFTING),
    # Attachments: whoever sees the application downloads them; outsiders get 404.
    "projects:attachment_file": (
        "/projects/applications/attachments/{attachment}/",
        by_reach(200, 404, 200, official=200),
    ),
    "projects:attachment_delete": (
        "/projects/applications/attachments/{attachment}/delete/",
        POST_ONLY,
    ),
}


def _project_data():
    from tainan_rdec.models import Agency

    return {
        "name": "北區公園路人行道改善工程",
        "kind": "major",
        "host_agency": Agency.objects.get(code="B06").pk,  # an admin names it; bureaus cannot
        "total_budget": "60,000,000",
        "funding_source": "city",
        "planned_start": "113.1.1",
        "planned_completion": "113.12.31",
        "phase": "planning",
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "0",
        "allocations-MIN_NUM_FORMS": "0",
        "allocations-MAX_NUM_FORMS": "30",
        "allocations-0-year": "113",
        "allocations-0-amount": "60,000,000",
    }


def _curve_data():
    data = {"action": "save"}
    for month in range(1, 13):
        data[f"percent_2024{month:02d}"] = str(round(100 * month / 12, 2))
        data[f"allocation_2024{month:02d}"] = f"{5_000_000 * month:,}"
    return data


DRAFT_POST = by_reach(302, 404, 403, admin=302, official=403)

POSTS: dict = {
    "register a project": (
        "/projects/new/",
        _project_data,
        by_reach(302, 302, 403, admin=302, official=403),
    ),
    "edit a draft's basic data": ("/projects/{draft_project}/edit/", _project_data, DRAFT_POST),
    "add a checkpoint": (
        "/projects/{draft_project}/checkpoints/",
        {"name": "工程決標", "planned_date": "113.3.1"},
        DRAFT_POST,
    ),
    "change a checkpoint": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/",
        {"name": "細部設計核定", "planned_date": "113.2.1"},
        DRAFT_POST,
    ),
    "move a checkpoint": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/move/",
        {"direction": "down"},
        DRAFT_POST,
    ),
    "delete a checkpoint": (
        "/projects/{draft_project}/checkpoints/{draft_checkpoint}/delete/",
        {},
        DRAFT_POST,
    ),
    "save a draft's S-curve": ("/projects/{draft_project}/plan/", _curve_data, DRAFT_POST),
    "prepare a listing application": (
        "/projects/{draft_project}/apply/listing/",
        {"action": "save", "reason": "依核定函辦理"},
        DRAFT_POST,
    ),
    "send a listing application": (
        "/projects/{draft_project}/apply/listing/",
        {"action": "submit", "reason": "依核定函辦理"},
        # The agency's manager (or an admin) sends; its staff prepare only.
        {**by_reach(403, 404, 403, admin=302, official=403), "manager_a": 302},
    ),
    "prepare a suspension application": (
        "/projects/{listed_project}/apply/suspension/",
        {"action": "save", "reason": "用地取得延宕"},
        DRAFT_POST,
    ),
    "send a suspension application": (
        "/projects/{listed_project}/apply/suspension/",
        {"action": "submit", "reason": "用地取得延宕"},
        {**by_reach(403, 404, 403, admin=302, official=403), "manager_a": 302},
    ),
    "report a checkpoint done with its evidence": (
        "/projects/{listed_project}/checkpoints/{listed_checkpoint}/done/",
        lambda: {
            "action": "save",
            "achieved_on": "113.3.1",
            "attachment": SimpleUploadedFile("site.png", files.png(), "image/png"),
        },
        DRAFT_POST,
    ),
    "save a re-plan's curve": ("/projects/applications/{replan}/plan/", _curve_data, DRAFT_POST),
    "delete an attachment": (
        "/projects/applications/attachments/{attachment}/delete/",
        {},
        DRAFT_POST,
    ),
    "decide an application": (
        "/projects/applications/{application}/decide/",
        {"decision": "return", "reason": "請補附核定函"},
        # Only the commission decides; a bureau never decides its own application.
        by_reach(403, 404, 302, official=403),
    ),
}


def world(cast) -> dict:
    """The objects this area's paths name, all of 工務局: a draft, a draft whose listing
    application was sent, and a listed project of 113 with a re-plan being drafted (and a photo
    attached to it)."""
    from datetime import date

    from projects import applications, attachments
    from projects.models import Milestone
    from tests.projects.factories import draft_project, make_project

    draft = draft_project(cast["staff_a"], name="安南區海佃路拓寬工程")
    sent = draft_project(cast["staff_a"], name="永康區排水幹線改善工程")
    application = applications.submit_application(
        sent, "listing", reason="依核定函辦理", by=cast["manager_a"]
    )
    listed = make_project(cast["staff_a"].agency, name="東區崇學路延伸工程", start=date(2024, 1, 1))
    replan = applications.save_application(
        listed, "replan", reason="用地取得延宕，展延工期", by=cast["staff_a"]
    )
    photo = attachments.clean_attachment(files.upload(files.png(), "工區.png", "image/png"))
    attachment = attachments.store(replan, photo, by=cast["staff_a"])
    return {
        "draft_project": draft.pk,
        "draft_checkpoint": Milestone.objects.get(project=draft).pk,
        "application": application.pk,
        "listed_project": listed.pk,
        "listed_checkpoint": Milestone.objects.get(project=listed).pk,
        "replan": replan.pk,
        "attachment": attachment.pk,
    }
