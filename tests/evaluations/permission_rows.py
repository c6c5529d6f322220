"""This area's rows of the portal-wide permission matrix (tests/test_permissions.py).

MATRIX: url name -> (path, {cast member: expected status}); paths may name objects that
``world(cast)`` returns (a path without a placeholder is requested without the world).
POSTS: action -> (path, data or a callable giving data, expected).
The helpers ``signed_in`` and ``by_reach`` and the LOGIN / ADMIN_LOGIN markers come from
``tests.permission_helpers``.

Service quality: the commission records and sees everything; a bureau user sees their own
agency's records, results (once final) and improvement items, and files the report-back on
them; another agency's are 404. The audit target list is the commission's alone (403). A senior
official (長官) reads every agency's records and results and changes nothing (403).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.permission_helpers import LOGIN, by_reach, signed_in  # noqa: F401

# Records of 2025 stay open for correction; 2024's evaluation is final (agencies see it).
OPEN_YEAR = 2025
FINAL_YEAR = 2024


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "#1f4e79").save(buffer, "PNG")
    return buffer.getvalue()


def _phone_data(route="direct"):
    data = {
        "agency": "{agency_a}",
        "unit": "養護工程科",
        "route": route,
        "phone_number": "06-2991111",
        "tested_on": "114.3.26",
        "tested_at": "10:30",
        "tester": "陳專員",
        "rings": "3",
    }
    for code, points in {"U1": 15, "U2": 8, "U3": 9, "U4": 8, "U5": 10, "U6": 5}.items():
        data[f"item_{code}"] = str(points)
    return data


def _with_agency(data: dict):
    # The agency's primary key is only known once the agencies are loaded.
    def build():
        from tainan_rdec.models import Agency

        pk = Agency.objects.get(code="B06").pk
        return {k: (str(pk) if v == "{agency_a}" else v) for k, v in data.items()}

    return build


MATRIX: dict = {
    "evaluations:index": ("/evaluations/", signed_in()),
    "evaluations:agency_history": (
        "/evaluations/agencies/B06/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:rubric_detail": ("/evaluations/rubrics/{eval_open_year}/phone/", signed_in()),
    "evaluations:phone_list": ("/evaluations/phone-tests/", signed_in()),
    # The registers summed up by agency, as Excel (each user's own records, as the list).
    "evaluations:phone_list?format=xlsx&table=summary": (
        "/evaluations/phone-tests/?format=xlsx&table=summary",
        signed_in(),
    ),
    "evaluations:audit_list?format=xlsx&table=summary": (
        "/evaluations/audits/?format=xlsx&table=summary",
        signed_in(),
    ),
    "evaluations:phone_create": (
        "/evaluations/phone-tests/new/",
        by_reach(403, 403, 200, official=403),
    ),
    "evaluations:phone_detail": (
        "/evaluations/phone-tests/{phone_test}/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:phone_edit": (
        "/evaluations/phone-tests/{phone_test}/edit/",
        by_reach(403, 404, 200, official=403),
    ),
    "evaluations:audit_list": ("/evaluations/audits/", signed_in()),
    "evaluations:audit_create": ("/evaluations/audits/new/", by_reach(403, 403, 200, official=403)),
    "evaluations:audit_detail": (
        "/evaluations/audits/{audit}/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:audit_edit": (
        "/evaluations/audits/{audit}/edit/",
        by_reach(403, 404, 200, official=403),
    ),
    # POST only: a GET is refused before anything else, for anonymous visitors too.
    "evaluations:audit_photo_add": (
        "/evaluations/audits/{audit}/photos/",
        by_reach(405, 405, 405, anonymous=405, official=405),
    ),
    "evaluations:audit_photo_file": (
        "/evaluations/audits/photos/{audit_photo}/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:improvement_create": (
        "/evaluations/audits/{audit}/improvements/new/",
        by_reach(403, 404, 200, official=403),
    ),
    "evaluations:improvement_list": ("/evaluations/improvements/", signed_in()),
    "evaluations:improvement_detail": (
        "/evaluations/improvements/{improvement}/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:ranking_index": ("/evaluations/ranking/", signed_in(302)),
    "evaluations:ranking": ("/evaluations/ranking/{eval_final_year}/", signed_in()),
    # The statistics tables as Excel: the page's address with ?format=xlsx&table=KEY, for
    # whoever reads the page (each sees the lines the page shows them).
    "evaluations:ranking?format=xlsx&table=ranking": (
        "/evaluations/ranking/{eval_final_year}/?format=xlsx&table=ranking",
        signed_in(),
    ),
    "evaluations:result_detail": (
        "/evaluations/ranking/{eval_final_year}/B06/",
        by_reach(200, 404, 200, official=200),
    ),
    "evaluations:targets_index": ("/evaluations/targets/", by_reach(403, 403, 302, official=403)),
    "evaluations:targets": (
        f"/evaluations/targets/{OPEN_YEAR}/",
        by_reach(403, 403, 200, official=403),
    ),
    "evaluations:coaching_index": ("/evaluations/service-award/", signed_in(302)),
    "evaluations:coaching_create": (
        "/evaluations/service-award/new/",
        by_reach(403, 403, 200, official=403),
    ),
    "evaluations:coaching_year": ("/evaluations/service-award/{coaching_year}/", signed_in()),
    "evaluations:coaching_year?format=xlsx&table=funnel": (
        "/evaluations/service-award/{coaching_year}/?format=xlsx&table=funnel",
        signed_in(),
    ),
    "evaluations:coaching_detail": (
        "/evaluations/service-award/entries/{coaching}/",
        by_reach(200, 404, 200, official=200),
    ),
}

POSTS: dict = {
    "record a phone test": (
        f"/evaluations/phone-tests/new/?year={OPEN_YEAR}",
        _with_agency(_phone_data()),
        by_reach(403, 403, 302, official=403),
    ),
    "correct a phone test": (
        "/evaluations/phone-tests/{phone_test}/edit/",
        _with_agency(_phone_data()),
        by_reach(403, 404, 302, official=403),
    ),
    "raise an improvement item": (
        "/evaluations/audits/{audit}/improvements/new/",
        {"description": "增設雙語標示", "due_date": "114.6.30"},
        by_reach(403, 404, 302, official=403),
    ),
    "report back on an improvement item": (
        "/evaluations/improvements/{improvement}/",
        {"action": "report", "report": "已增設中英雙語標示牌"},
        # The audited agency reports (an admin may for it); reviewers verify, not report.
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "verify a report-back": (
        "/evaluations/improvements/{reported_improvement}/",
        {"action": "review", "decision": "verify", "note": "複查確認"},
        by_reach(403, 404, 302, official=403),
    ),
    # Petitions timeliness: the same item pages and rules. Agency A owes a plan; agency B's plan
    # waits for the reviewer (one open timeliness item per agency, so B's is the second).
    "file an improvement plan": (
        "/evaluations/improvements/{timeliness_item}/",
        lambda: {
            "action": "plan",
            "causes": "案件量增加，人力不足",
            "measures": "增派人力，每週檢討",
            "target_date": _in_half_a_year(),
        },
        by_reach(302, 404, 403, admin=302, official=403),
    ),
    "accept an improvement plan": (
        "/evaluations/improvements/{filed_plan}/",
        {"action": "plan_review", "decision": "accept", "note": "同意"},
        # Agency B's item: B's own users may not review it, A's never see it.
        by_reach(404, 403, 302, official=403),
    ),
    "add an audit photo": (
        "/evaluations/audits/{audit}/photos/",
        lambda: {"image": SimpleUploadedFile("c.png", _png(), "image/png"), "caption": "櫃台"},
        by_reach(403, 404, 302, official=403),
    ),
    "compute a year's evaluation": (
        f"/evaluations/ranking/{OPEN_YEAR}/",
        {"action": "compute"},
        by_reach(403, 403, 302, official=403),
    ),
    "add an audit target": (
        f"/evaluations/targets/{OPEN_YEAR}/",
        lambda: {"action": "add", "agency": _agency_pk("B01"), "basis": "counter"},
        by_reach(403, 403, 302, official=403),
    ),
    "enter a Government Service Award entry": (
        "/evaluations/service-award/new/",
        lambda: {
            "year": "114",
            "agency": _agency_pk("B06"),
            "category": "digital",
            "title": "行動支付便民繳費",
            "on_date": "114.3.1",
        },
        by_reach(403, 403, 302, official=403),
    ),
    "move an entry to its next stage": (
        "/evaluations/service-award/entries/{coaching}/",
        {"to_stage": "recommended", "on_date": "112.5.15"},
        by_reach(403, 404, 302, official=403),
    ),
}


def _agency_pk(code: str) -> str:
    from tainan_rdec.models import Agency

    return str(Agency.objects.get(code=code).pk)


def _in_half_a_year() -> str:
    """A plan's target date as typed (ROC), after the day the item is raised (today)."""
    day = timezone.localdate() + timedelta(days=180)
    return f"{day.year - 1911}.{day.month}.{day.day}"


def _timeliness_item(agency, month):
    """An item the monthly follow-through raised for ``agency`` (its figures are
    tests/evaluations/test_timeliness.py's)."""
    from evaluations.choices import ImprovementSource, ImprovementStatus
    from evaluations.models import ImprovementItem

    return ImprovementItem.objects.create(
        source=ImprovementSource.TIMELINESS,
        agency=agency,
        period=month,
        overdue_rate=Decimal("5.0"),
        description="陳情案件逾期率5%，高於3%，應提改善計畫。",
        status=ImprovementStatus.PLAN_DUE,
        due_date=date(OPEN_YEAR, 5, 1),
    )


def world(cast) -> dict:
    """The objects this area's paths name (formatting placeholders), made for agency A."""
    from django.core.files.base import ContentFile

    from evaluations import coaching, evaluation, services
    from evaluations.choices import AwardCategory
    from evaluations.models import AuditPhoto
    from tests.evaluations.conftest import make_audit, make_phone_test

    reviewer = cast["reviewer"]
    agency = cast["staff_a"].agency
    make_phone_test(reviewer, agency, date(FINAL_YEAR, 3, 26))
    evaluation.compute_evaluation(FINAL_YEAR, by=reviewer, today=date(FINAL_YEAR + 1, 1, 15))
    evaluation.finalize_evaluation(FINAL_YEAR, by=reviewer)
    phone_test = make_phone_test(reviewer, agency, date(OPEN_YEAR, 3, 26))
    audit = make_audit(reviewer, agency, date(OPEN_YEAR, 5, 7), E3=0)
    improvement = services.raise_improvement(
        audit, by=reviewer, description="增設雙語標示", due_date=date(OPEN_YEAR, 6, 7)
    )
    reported = services.raise_improvement(
        audit, by=reviewer, description="配戴識別證", due_date=date(OPEN_YEAR, 6, 7)
    )
    services.report_improvement(reported, by=cast["staff_a"], report="已要求配戴")
    photo = AuditPhoto.objects.create(
        audit=audit, image=ContentFile(_png(), "audit.png"), caption="櫃台", uploaded_by=reviewer
    )
    entry = coaching.create_coaching(
        by=reviewer,
        year=2023,
        agency=agency,
        category=AwardCategory.SOCIAL,
        title="高齡友善服務網",
        on_date=date(2023, 3, 1),
    )
    timeliness_item = _timeliness_item(agency, date(OPEN_YEAR, 3, 1))
    filed_plan = _timeliness_item(cast["staff_b"].agency, date(OPEN_YEAR, 3, 1))
    services.file_plan(
        filed_plan,
        by=cast["staff_b"],
        causes="會勘排程延宕",
        measures="建立會勘預約制度",
        target_date=timezone.localdate() + timedelta(days=180),
    )
    return {
        "timeliness_item": timeliness_item.pk,
        "filed_plan": filed_plan.pk,
        "phone_test": phone_test.pk,
        "audit": audit.pk,
        "audit_photo": photo.pk,
        "improvement": improvement.pk,
        "reported_improvement": reported.pk,
        "coaching": entry.pk,
        "coaching_year": entry.year,
        "eval_open_year": OPEN_YEAR,
        "eval_final_year": FINAL_YEAR,
    }
