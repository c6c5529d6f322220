"""Every URL the portal serves, requested by every member of the cast.

``MATRIX`` says what each role gets. ``test_every_url_is_in_the_matrix`` fails when a new URL is
added without a row here, so no page escapes the permission test.
"""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from tests.awards import permission_rows as awards_rows
from tests.conftest import CAST
from tests.evaluations import permission_rows as evaluations_rows
from tests.imports import permission_rows as imports_rows
from tests.permission_helpers import ADMIN_LOGIN, LOGIN, by_reach, signed_in, stored_state
from tests.petitions import permission_rows as petitions_rows
from tests.projects import permission_rows as projects_rows

# Each area keeps its rows in tests/<area>/permission_rows.py; they are merged below.
AREAS = (evaluations_rows, awards_rows, imports_rows, projects_rows, petitions_rows)

# url name -> (path to request, {cast member: expected status})
MATRIX = {
    "home": ("/", signed_in()),
    "healthz": ("/healthz", {name: 200 for name in CAST}),
    "notifications": ("/notifications/", signed_in()),
    "notification_read": ("/notifications/{reminder}/read/", signed_in(405)),
    # The executive briefing (業務簡報), on the page and as PDF and PowerPoint: the commission's
    # and the senior officials' (長官: every page of city-wide figures, no form, no petition
    # case; their home page is the briefing of this year).
    "briefing:page": ("/briefing/", by_reach(403, 403, 200, official=200)),
    "briefing:pdf": ("/briefing/download.pdf", by_reach(403, 403, 200, official=200)),
    "briefing:pptx": ("/briefing/download.pptx", by_reach(403, 403, 200, official=200)),
    "login": ("/accounts/login/", {**signed_in(302), "anonymous": 200}),
    "logout": ("/accounts/logout/", {name: 405 for name in CAST}),  # POST only
    "password_change": ("/accounts/password/change/", signed_in()),
    "password_change_done": ("/accounts/password/change/done/", signed_in()),
    "password_reset": ("/accounts/password/reset/", {name: 200 for name in CAST}),
    "password_reset_done": ("/accounts/password/reset/done/", {name: 200 for name in CAST}),
    "password_reset_confirm": (
        "/accounts/reset/MQ/invalid-token/",
        {name: 200 for name in CAST},  # shows "link no longer valid"
    ),
    "password_reset_complete": ("/accounts/reset/done/", {name: 200 for name in CAST}),
    "projects:index": ("/projects/", signed_in()),
    "petitions:index": ("/petitions/", {**signed_in(), "official": 403}),
    # Citizen cases: an agency sees its own; the Open311 API is public and carries no
    # personal data.
    "petitions:my_cases": ("/petitions/mine/", {**signed_in(), "official": 403}),
    "petitions:dashboard": ("/petitions/dashboard/", by_reach(403, 403, 200, official=200)),
    # Each statistics table of the dashboard as Excel: the page's address with
    # ?format=xlsx&table=KEY; figures without personal data, so the officials' too.
    **{
        f"petitions:dashboard?format=xlsx&table={key}": (
            f"/petitions/dashboard/?format=xlsx&table={key}",
            by_reach(403, 403, 200, official=200),
        )
        for key in (
            "volume",
            "categories",
            "satisfaction_categories",
            "satisfaction_agencies",
            "agencies",
            "breakdown",
        )
    },
    "petitions:event_list": ("/petitions/events/", by_reach(403, 403, 200, official=200)),
    # The routing model's page (派工建議): the commission's; training is an admin's (POSTS).
    "petitions:routing": ("/petitions/routing/", by_reach(403, 403, 200, official=403)),
    "petitions:routing_train": (
        "/petitions/routing/train/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "petitions:event_detail": ("/petitions/events/{event}/", by_reach(403, 403, 200, official=200)),
    "petitions:event_detail?format=xlsx&table=days": (
        "/petitions/events/{event}/?format=xlsx&table=days",
        by_reach(403, 403, 200, official=200),
    ),
    "petitions:case_detail": ("/petitions/cases/{case}/", by_reach(200, 404, 200, official=404)),
    # The case maps' points: what the case list shows each user (visible_to), so every agency
    # and the commission get 200 (agency B an empty map); officials read statistics only.
    "petitions:map_cases": ("/petitions/map/cases.json", {**signed_in(), "official": 403}),
    "open311:services": ("/open311/v2/services.json", {n: 200 for n in CAST}),
    "open311:requests": ("/open311/v2/requests.json", {n: 200 for n in CAST}),
    "open311:request_detail": ("/open311/v2/requests/{case}.json", {n: 200 for n in CAST}),
    "open311:service_definition": ("/open311/v2/services/0501.xml", {n: 200 for n in CAST}),
    "open311:discovery": ("/open311/v2/discovery.xml", {n: 200 for n in CAST}),
    # Any other URL under the feeds: the feed's own 404 (an error list), for everyone.
    "open311:not_found": ("/open311/v2/no-such-resource.json", {n: 404 for n in CAST}),
    "open_data:not_found": ("/open-data/no-such-feed.json", {n: 404 for n in CAST}),
    # Open data: the world's project is listed, so it is published (projects/oc4ids.py).
    "open_data:oc4ids_projects": ("/open-data/oc4ids/projects.json", {n: 200 for n in CAST}),
    "open_data:oc4ids_project": (
        "/open-data/oc4ids/projects/{project_number}.json",
        {n: 200 for n in CAST},
    ),
    # Project control: a listed project of agency A with one submitted report.
    "projects:detail": ("/projects/{project}/", by_reach(200, 404, 200, official=200)),
    "projects:status": (
        "/projects/{project}/status/suspend/",
        by_reach(403, 404, 200, official=403),
    ),
    "projects:report_edit": (
        "/projects/{project}/reports/{year}/{month}/",
        by_reach(200, 404, 403, admin=200, official=403),
    ),
    "projects:report_detail": (
        "/projects/reports/{report}/",
        by_reach(200, 404, 200, official=200),
    ),
    # POST-only actions: a GET is refused before anything else, for anonymous visitors too.
    "projects:report_submit": (
        "/projects/reports/{report}/submit/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:report_review": (
        "/projects/reports/{report}/review/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:review_queue": ("/projects/review/", by_reach(403, 403, 200, official=403)),
    "projects:dashboard": ("/projects/dashboard/", by_reach(403, 403, 200, official=200)),
    "projects:early_warning": ("/projects/warnings/", by_reach(403, 403, 200, official=200)),
    # Each statistics table of the overview and the early-warning list as Excel: the page's
    # address with ?format=xlsx&table=KEY; figures of projects, the officials' too.
    **{
        f"projects:dashboard?format=xlsx&table={key}": (
            f"/projects/dashboard/?format=xlsx&table={key}",
            by_reach(403, 403, 200, official=200),
        )
        for key in ("kind", "status", "lag", "forward", "compliance", "serious")
    },
    **{
        f"projects:early_warning?format=xlsx&table={key}": (
            f"/projects/warnings/?format=xlsx&table={key}",
            by_reach(403, 403, 200, official=200),
        )
        for key in ("high", "medium")
    },
    "projects:listing_statistics": (
        "/projects/listing/?start_year=113&end_year=113&every=1",
        by_reach(403, 403, 200, official=200),
    ),
    # Its two tables as Excel (the page's address with ?format=xlsx&table=KEY).
    **{
        f"projects:listing_statistics?format=xlsx&table={key}": (
            f"/projects/listing/?format=xlsx&table={key}",
            by_reach(403, 403, 200, official=200),
        )
        for key in ("band", "kind")
    },
    # Meetings are city-wide records; a bureau sees only its own projects' agenda items.
    "projects:meeting_list": ("/projects/meetings/", signed_in()),
    "projects:meeting_create": ("/projects/meetings/new/", by_reach(403, 403, 200, official=403)),
    "projects:meeting_detail": ("/projects/meetings/{meeting}/", signed_in()),
    "projects:meeting_agenda": (
        "/projects/meetings/{meeting}/agenda/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:visit_create": (
        "/projects/{project}/visits/new/",
        by_reach(403, 403, 200, official=403),
    ),
    "projects:visit_detail": ("/projects/visits/{visit}/", by_reach(200, 404, 200, official=200)),
    "projects:directive_list": ("/projects/directives/", signed_in()),
    "projects:directive_create": (
        "/projects/directives/new/",
        by_reach(403, 403, 200, official=403),
    ),
    "projects:directive_detail": (
        "/projects/directives/{directive}/",
        by_reach(200, 404, 200, official=200),
    ),
    "projects:evaluation_index": ("/projects/evaluation/", signed_in(302)),
    "projects:evaluation_year": ("/projects/evaluation/{score_year}/", signed_in()),
    "projects:report_photo_add": (
        "/projects/reports/{draft}/photos/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:report_photo_delete": (
        "/projects/reports/photos/{report_photo}/delete/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:visit_photo_add": (
        "/projects/visits/{visit}/photos/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "projects:report_photo_file": (
        "/projects/reports/photos/{report_photo}/",
        by_reach(200, 404, 200, official=200),
    ),
    "projects:visit_photo_file": (
        "/projects/visits/photos/{visit_photo}/",
        by_reach(200, 404, 200, official=200),
    ),
    # The PCC tender-system feed: the commission's pages (an admin uploads).
    "projects:pcc_list": ("/projects/pcc/", by_reach(403, 403, 200, official=403)),
    "projects:pcc_detail": ("/projects/pcc/{pcc_import}/", by_reach(403, 403, 200, official=403)),
    "projects:pcc_hours": ("/projects/pcc/hours/", by_reach(403, 403, 200, official=200)),
    "projects:pcc_template": ("/projects/pcc/template.xlsx", by_reach(403, 403, 200, official=403)),
    "projects:packet_list": ("/projects/packets/", by_reach(403, 403, 200, official=403)),
    "projects:packet_detail": (
        "/projects/packets/{packet}/",
        by_reach(403, 403, 200, official=403),
    ),
    "projects:packet_download": (
        "/projects/packets/{packet}/download/",
        by_reach(403, 403, 200, official=403),
    ),
    "projects:score_detail": (
        "/projects/evaluation/{score_year}/{project}/",
        by_reach(200, 404, 200, official=200),
    ),
    # The admin site: system administrators only; everyone else is sent to its login.
    "admin:index": (
        "/admin/",
        {**{name: ADMIN_LOGIN for name in CAST}, "admin": 200},
    ),
}
for _area in AREAS:
    assert not set(_area.MATRIX) & set(MATRIX), "a URL is declared twice"
    MATRIX.update(_area.MATRIX)


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                yield "admin:index"  # the admin site is covered by its own row
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _url_names(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_is_in_the_matrix():
    missing = set(_url_names()) - set(MATRIX)
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


CASES = [(url_name, who) for url_name in MATRIX for who in CAST]


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "#1f4e79").save(buffer, "PNG")
    return buffer.getvalue()


def _pcc_file() -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    from projects import pcc

    workbook = Workbook()
    workbook.active.title = pcc.SHEET
    workbook.active.append(list(pcc.COLUMNS))
    workbook.active.append(["1139999999", "", "113/03", 10, 10, 0, "", ""])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(cast, settings, tmp_path):
    """The objects the matrix's paths name: agency A's listed project and a submitted report."""
    from datetime import date

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from petitions.models import Event
    from projects.choices import MeetingKind, PacketKind, PacketState, ReportState
    from projects.models import (
        Directive,
        Packet,
        ReportPhoto,
        ReviewMeeting,
        SiteVisit,
        SiteVisitPhoto,
    )
    from projects.scoring import compute_score
    from tainan_rdec.models import Reminder
    from tests.petitions.builders import make_case
    from tests.projects.factories import filed_report, make_project

    today = timezone.localdate()
    agency = cast["staff_a"].agency
    project = make_project(agency, start=date(2024, 1, 1), end=date(today.year + 1, 12, 31))
    report = filed_report(project, date(2024, 3, 1), 5, state=ReportState.SUBMITTED)
    filed_report(project, date(2024, 12, 1), 30)
    meeting = ReviewMeeting.objects.create(kind=MeetingKind.MONTHLY, date=today, title="檢討會議")
    visit = SiteVisit.objects.create(
        project=project, date=today, participants="研考會", findings="施工中"
    )
    directive = Directive.objects.create(
        project=project, text="請補正進度", responsible_agency=agency, due_date=today
    )
    compute_score(project, 2024)
    settings.MEDIA_ROOT = tmp_path
    draft = filed_report(
        project,
        date(2024, 4, 1),
        5,
        state=ReportState.DRAFT,
        lag_reasons="用地取得延宕",
        remedies="協調地主，預計下月完成",
    )
    report_photo = ReportPhoto.objects.create(report=report, image=ContentFile(_png(), "a.png"))
    visit_photo = SiteVisitPhoto.objects.create(visit=visit, image=ContentFile(_png(), "b.png"))
    reminder = Reminder.objects.create(
        kind="test",
        recipient=cast["staff_a"],
        content_type=ContentType.objects.get_for_model(project),
        object_id=project.pk,
        period=date(2024, 3, 1),
        subject="請填報",
        body="請填報",
        link=f"/projects/{project.pk}/",
    )
    packet = Packet.objects.create(
        kind=PacketKind.QUARTERLY,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
        title="113年第1季重大公共建設推動會報資料",
        state=PacketState.READY,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", "packet.pdf"),
    )
    objects = {}
    for area in AREAS:
        objects.update(area.world(cast))
    from projects.models import PccImport

    objects["pcc_import"] = PccImport.objects.create(file_name="pcc.xlsx", sha256="0" * 64).pk
    return {
        **objects,
        "case": make_case(agency).case_number,
        "event": Event.objects.create(
            name="2024台灣燈會", start_date=date(2024, 2, 24), end_date=date(2024, 3, 10)
        ).pk,
        "packet": packet.pk,
        "reminder": reminder.pk,
        "draft": draft.pk,
        "report_photo": report_photo.pk,
        "visit_photo": visit_photo.pk,
        "project": project.pk,
        "project_number": project.control_number,  # open data names it by 列管編號
        "report": report.pk,
        "year": today.year,
        "month": today.month,
        "meeting": meeting.pk,
        "visit": visit.pk,
        "directive": directive.pk,
        "score_year": 2024,
    }


# Paths that name none of the world's objects but answer from them: the package of the
# published projects holds the world's project (with none published there is no package: 404).
READS_THE_WORLD = {"open_data:oc4ids_projects"}


@pytest.mark.parametrize(("url_name", "who"), CASES)
def test_permission_matrix(request, client_as, url_name, who):
    path, expected = MATRIX[url_name]
    if "{" in path or url_name in READS_THE_WORLD:
        path = path.format(**request.getfixturevalue("world"))
    response = client_as(who).get(path)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the test client closes the file
    want = expected[who]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif want == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == want


# State-changing POSTs by every member of the cast: (path, form data, expected per member).
# 302 here is success (a redirect back to the page); LOGIN sends the anonymous visitor away.
POSTS = {
    "train the routing model": (
        "/petitions/routing/train/",
        {},
        by_reach(403, 403, 403, admin=302, official=403),
    ),
    "suspend a project": (
        "/projects/{project}/status/suspend/",
        {"reason": "用地取得延宕，暫緩列管"},
        by_reach(403, 404, 302, official=403),
    ),
    "accept a report": (
        "/projects/reports/{report}/review/",
        {"action": "accept", "comment": "請持續追蹤"},
        by_reach(403, 404, 302, official=403),
    ),
    "read my notification": (
        "/notifications/{reminder}/read/",
        {},
        # Only its recipient (staff_a) has it; nobody else learns it exists.
        {**{name: 404 for name in CAST}, "anonymous": LOGIN, "staff_a": 302},
    ),
    "answer a directive": (
        "/projects/directives/{directive}/",
        {"action": "respond", "text": "已完成用地協調"},
        # The responsible agency answers (an admin may for it); reviewers close, not answer.
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "close a directive": (
        "/projects/directives/{directive}/",
        {"action": "close", "note": "已辦竣"},
        by_reach(403, 404, 302, official=403),
    ),
    "record a site visit": (
        "/projects/{project}/visits/new/",
        {"date": "113.3.26", "participants": "研考會、工務局", "findings": "工區整潔"},
        by_reach(403, 403, 302, official=403),
    ),
    "add a photo to a draft": (
        "/projects/reports/{draft}/photos/",
        lambda: {"image": SimpleUploadedFile("site.png", _png(), "image/png"), "caption": "工區"},
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "add a photo to a site visit": (
        "/projects/visits/{visit}/photos/",
        lambda: {"image": SimpleUploadedFile("site.png", _png(), "image/png"), "caption": "工區"},
        by_reach(403, 404, 302, official=403),
    ),
    "import a PCC file": (
        "/projects/pcc/",
        lambda: {"file": SimpleUploadedFile("pcc.xlsx", _pcc_file())},
        by_reach(403, 403, 403, admin=302, official=403),
    ),
    "submit a draft": (
        "/projects/reports/{draft}/submit/",
        {},
        # Only the agency's manager (or an admin) sends a report; reviewers never file.
        {**by_reach(403, 404, 403, admin=302, official=403), "manager_a": 302},
    ),
}


for _area in AREAS:
    assert not set(_area.POSTS) & set(POSTS), "a POST is declared twice"
    POSTS.update(_area.POSTS)


@pytest.fixture
def post_world(world):
    return world


@pytest.mark.parametrize(("action", "who"), [(a, w) for a in POSTS for w in CAST])
def test_post_permission_matrix(post_world, client_as, action, who):
    path, data, expected = POSTS[action]
    data = data() if callable(data) else data  # an upload is read once: a fresh one each time
    client = client_as(who)
    before = stored_state()
    response = client.post(path.format(**post_world), data)
    want = expected[who]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want
        if want == 302:
            assert not response["Location"].startswith("/accounts/login/")
            return
    # Refused: not a row, not a file changed.
    assert stored_state() == before


def test_stored_state_sees_a_new_row_and_a_new_file(world, cast, settings):
    """The check the POST matrix relies on would see a refused request that wrote anything."""
    from pathlib import Path

    before = stored_state()
    cast["staff_a"].first_name = "改"
    cast["staff_a"].save()
    assert stored_state() != before
    before = stored_state()
    (Path(settings.MEDIA_ROOT) / "left-behind.txt").write_bytes(b"x")
    assert stored_state() != before


# Each state-changing POST once, by a member who may make it (302 with the token).
ALLOWED_POSTS = [
    (action, next(who for who in CAST if POSTS[action][2][who] == 302)) for action in POSTS
]


@pytest.mark.parametrize(("action", "who"), ALLOWED_POSTS)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    post_world, cast, action, who
):
    from django.test import Client

    path, data, _expected = POSTS[action]
    data = data() if callable(data) else data
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast[who])
    before = stored_state()
    response = client.post(path.format(**post_world), data)
    assert response.status_code == 403
    assert stored_state() == before


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/"])
def test_the_anonymous_forms_refuse_a_post_without_the_csrf_token(db, cast, path):
    from django.core import mail
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        path, {"username": "staff_a", "password": "x", "email": cast["staff_a"].email or "a@b.tw"}
    )
    assert response.status_code == 403
    assert not mail.outbox


# Markup typed into any free-text field must come back as text, never as markup.
INJECTED = "<x-inj>\"'&"
PORTAL_APPS = {"tainan_rdec", "projects", "petitions", "evaluations", "awards"}


def _inject_into_every_free_text_field() -> int:
    """Prefix every free-text value of every row of the portal's tables with ``INJECTED``
    (identifiers left alone: unique fields and keys, choices, e-mail and URL fields, password
    hashes). Returns how many
    fields were written."""
    from django.db import models as m

    written = 0
    for model in apps.get_models():
        if model._meta.app_label not in PORTAL_APPS:
            continue
        keys = {name for group in model._meta.unique_together for name in group} | {
            name
            for constraint in model._meta.constraints
            for name in getattr(constraint, "fields", ())
        }
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, m.CharField | m.TextField)
            and not isinstance(f, m.EmailField | m.URLField | m.SlugField)
            and not (f.choices or f.unique or f.primary_key or f.name in keys)
            and f.name != "password"
            and (f.max_length is None or f.max_length >= len(INJECTED))
        ]
        if not fields:
            continue
        rows = list(model._base_manager.all())
        for row in rows:
            for f in fields:
                value = INJECTED + (getattr(row, f.attname) or "")
                setattr(row, f.attname, value[: f.max_length] if f.max_length else value)
        model._base_manager.bulk_update(rows, [f.name for f in fields])
        written += len(fields) * bool(rows)
    return written


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "admin"])
def test_markup_in_every_free_text_field_is_shown_as_text(request, client_as, world, who):
    assert _inject_into_every_free_text_field() > 50
    client = client_as(who)
    pages = 0
    for url_name, (path, expected) in MATRIX.items():
        if expected.get(who) != 200:
            continue
        response = client.get(path.format(**world))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if not response["Content-Type"].startswith("text/html"):
            continue
        assert response.status_code == 200, url_name
        pages += 1
        assert b"<x-inj>" not in body, url_name
    assert pages > 20
