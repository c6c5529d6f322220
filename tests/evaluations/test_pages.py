"""The service-quality pages: entry forms, lists scoped to the user, the ranking with its
drill-down, report-backs, photos, targets, the award funnel, and bounded query counts."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from evaluations import coaching, evaluation, services
from evaluations.choices import AwardCategory, CallRoute, ImprovementStatus, TargetBasis
from evaluations.models import AuditPhoto, AuditTarget, ImprovementItem, PhoneTest
from tests.evaluations.conftest import make_audit, make_phone_test

pytestmark = pytest.mark.django_db

DAY = date(2024, 3, 26)


def phone_form(agency, **overrides):
    data = {
        "agency": agency.pk,
        "unit": "養護工程科",
        "route": CallRoute.DIRECT,
        "phone_number": "06-2991111",
        "extension": "",
        "tested_on": "113/3/26",
        "tested_at": "14:30",
        "tester": "陳專員",
        "rings": "3",
        "seconds_to_answer": "",
        "recording_ref": "REC-0326-01",
        "notes": "",
    }
    data.update({f"item_{c}": str(p) for c, p in [("U1", 15), ("U2", 8), ("U3", 9)]})
    data.update({f"item_{c}": str(p) for c, p in [("U4", 8), ("U5", 6), ("U6", 5)]})
    data.update(overrides)
    return data


def png(size=(8, 8)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, "#1f4e79").save(buffer, "PNG")
    return buffer.getvalue()


# -- entry forms -------------------------------------------------------------------------------


def test_a_reviewer_records_a_phone_test_with_roc_dates(client_as, agency_a):
    client = client_as("reviewer")
    response = client.post(reverse("evaluations:phone_create") + "?year=113", phone_form(agency_a))
    test = PhoneTest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:phone_detail", args=[test.pk])
    assert (test.tested_on, test.score) == (DAY, Decimal("92.73"))  # 51 ÷ 55
    page = client.get(response["Location"]).text
    assert "113年3月26日 14:30" in page
    assert "不適用" in page  # the switchboard items of a direct call
    assert "92.73" in page


def test_points_over_an_items_maximum_are_shown_next_to_it(client_as, agency_a):
    response = client_as("reviewer").post(
        reverse("evaluations:phone_create") + "?year=113", phone_form(agency_a, item_U5="12")
    )
    assert response.status_code == 400
    assert "不得超過配分10分。" in response.text
    assert not PhoneTest.objects.exists()


def test_a_date_outside_the_rubric_year_is_refused(client_as, agency_a):
    response = client_as("reviewer").post(
        reverse("evaluations:phone_create") + "?year=113",
        phone_form(agency_a, tested_on="114.1.2"),
    )
    assert response.status_code == 400
    assert "日期須在113年度內" in response.text


def test_switchboard_points_typed_for_a_direct_call_are_not_stored(client_as, agency_a):
    response = client_as("reviewer").post(
        reverse("evaluations:phone_create") + "?year=113",
        phone_form(agency_a, item_S1="25", item_S2="10"),
    )
    assert response.status_code == 302
    test = PhoneTest.objects.get()
    assert sorted(test.scores.values_list("item__code", flat=True)) == [
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
    ]


def test_the_phone_form_marks_score_groups_for_the_route_script(client_as):
    page = client_as("reviewer").get(reverse("evaluations:phone_create")).text
    assert 'data-score-group="switchboard"' in page
    assert 'data-score-group="unit"' in page
    assert "js/evaluations.js" in page


def test_a_reviewer_corrects_an_audit(client_as, reviewer, agency_a):
    audit = make_audit(reviewer, agency_a, DAY)
    client = client_as("reviewer")
    form = client.get(reverse("evaluations:audit_edit", args=[audit.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(agency=agency_a.pk, visited_on="113.3.26", item_T5="0", findings="未配戴識別證")
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(reverse("evaluations:audit_edit", args=[audit.pk]), data)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert (audit.score, audit.findings) == (Decimal("95.00"), "未配戴識別證")


# -- lists and scoping -------------------------------------------------------------------------


def test_bureau_users_list_only_their_own_agencys_tests(client_as, reviewer, agency_a, agency_b):
    own = make_phone_test(reviewer, agency_a, DAY)
    other = make_phone_test(reviewer, agency_b, DAY)
    page = client_as("staff_a").get(reverse("evaluations:phone_list")).text
    assert own.reference in page and other.reference not in page
    reviewer_page = client_as("reviewer").get(reverse("evaluations:phone_list")).text
    assert own.reference in reviewer_page and other.reference in reviewer_page


def test_the_phone_list_filters_by_roc_year(client_as, reviewer, agency_a):
    old = make_phone_test(reviewer, agency_a, DAY)
    new = make_phone_test(reviewer, agency_a, date(2025, 2, 3))
    page = client_as("reviewer").get(reverse("evaluations:phone_list") + "?year=114").text
    assert new.reference in page and old.reference not in page


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("evaluations:phone_list", lambda r, a, n: make_phone_test(r, a, date(2024, 1, n + 1))),
        ("evaluations:audit_list", lambda r, a, n: make_audit(r, a, date(2024, 1, n + 1))),
        (
            "evaluations:improvement_list",
            lambda r, a, n: services.raise_improvement(
                make_audit(r, a, date(2024, 1, n + 1)),
                by=r,
                description=f"改善{n}",
                due_date=date(2024, 3, 1),
            ),
        ),
    ],
)
def test_list_queries_do_not_grow_with_the_rows(client_as, reviewer, agency_a, url_name, make):
    client = client_as("reviewer")
    url = reverse(url_name)
    for n in range(2):
        make(reviewer, agency_a, n)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(2, 12):
        make(reviewer, agency_a, n)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# -- the ranking -------------------------------------------------------------------------------


@pytest.fixture
def ranked_year(reviewer, agency_a, agency_b):
    make_phone_test(reviewer, agency_a, DAY)
    make_phone_test(reviewer, agency_b, DAY, U5=0, U6=0)
    return evaluation.compute_evaluation(2024, by=reviewer, today=date(2025, 1, 15))


def test_reviewers_see_every_line_before_the_year_is_final(client_as, ranked_year):
    page = client_as("reviewer").get(reverse("evaluations:ranking", args=[2024])).text
    assert "臺南市政府工務局" in page and "臺南市政府水利局" in page
    assert "尚未確定" in page


def test_bureau_users_see_nothing_until_final_then_only_their_line(
    client_as, ranked_year, reviewer
):
    url = reverse("evaluations:ranking", args=[2024])
    own = reverse("evaluations:result_detail", args=[2024, "B06"])
    other = reverse("evaluations:result_detail", args=[2024, "B07"])
    page = client_as("staff_a").get(url).text
    assert "尚未公布" in page and own not in page
    evaluation.finalize_evaluation(2024, by=reviewer)
    page = client_as("staff_a").get(url).text
    assert own in page and other not in page


def test_an_roc_year_in_the_address_opens_the_year(client_as):
    response = client_as("reviewer").get("/evaluations/ranking/113/")
    assert response.status_code == 200
    assert response.context["year"] == 2024
    assert reverse("evaluations:ranking", args=[2024]) == "/evaluations/ranking/113/"


def test_computing_and_finalizing_from_the_page(client_as, reviewer, agency_b):
    make_phone_test(reviewer, agency_b, DAY, U5=0, U6=0)
    client = client_as("reviewer")
    url = reverse("evaluations:ranking", args=[2024])
    client.post(url, {"action": "compute"})
    response = client.post(url, {"action": "finalize"}, follow=True)
    assert "待加強機關已列入114年度稽核對象" in response.text
    assert AuditTarget.objects.get(year=2025, agency=agency_b).basis == (
        TargetBasis.NEEDS_IMPROVEMENT
    )
    response = client.post(url, {"action": "compute"}, follow=True)
    assert "已確定，不能重新計算" in response.text


def test_the_drill_down_lists_the_records_behind_a_score(client_as, ranked_year, reviewer):
    test = PhoneTest.objects.get(agency__code="B07")
    page = client_as("reviewer").get(reverse("evaluations:result_detail", args=[2024, "B07"]))
    assert reverse("evaluations:phone_detail", args=[test.pk]) in page.text
    assert "(40 × 72.73) ÷ 40 = 72.73" in page.text


def test_ranking_queries_do_not_grow_with_the_agencies(
    client_as, reviewer, agency_a, city_agencies
):
    from tainan_rdec.models import Agency

    client = client_as("reviewer")
    url = reverse("evaluations:ranking", args=[2024])
    make_phone_test(reviewer, agency_a, DAY)
    evaluation.compute_evaluation(2024, by=reviewer, today=date(2025, 1, 15))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for agency in Agency.objects.filter(kind="district")[:10]:
        make_phone_test(reviewer, agency, DAY)
    evaluation.compute_evaluation(2024, by=reviewer, today=date(2025, 1, 15))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# -- improvement items -------------------------------------------------------------------------


@pytest.fixture
def item(reviewer, agency_a):
    audit = make_audit(reviewer, agency_a, DAY, E3=0)
    return services.raise_improvement(
        audit, by=reviewer, description="增設雙語標示", due_date=date(2024, 4, 26)
    )


def test_the_agency_reports_back_on_the_page(client_as, item):
    client = client_as("manager_a")
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    assert "回復改善情形" in client.get(url).text
    response = client.post(url, {"action": "report", "report": "已增設雙語標示牌"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ImprovementStatus.REPORTED


def test_returning_without_a_reason_shows_the_error(client_as, item, cast):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    response = client_as("reviewer").post(url, {"action": "review", "decision": "return"})
    assert response.status_code == 400
    assert "請說明退回原因。" in response.text
    item.refresh_from_db()
    assert item.status == ImprovementStatus.REPORTED


def test_the_reviewer_has_no_report_form_and_the_agency_no_review_form(client_as, item):
    url = reverse("evaluations:improvement_detail", args=[item.pk])
    assert "回復改善情形" not in client_as("reviewer").get(url).text
    assert "審查改善情形" not in client_as("staff_a").get(url).text


def test_the_bureau_home_card_counts_items_to_report(client_as, item):
    page = client_as("staff_a").get("/").text
    assert "待辦理改善事項：1 件" in page
    assert "待辦理改善事項" not in client_as("staff_b").get("/").text


# -- photos ------------------------------------------------------------------------------------


def test_an_audit_photo_is_uploaded_and_served_to_the_agency(
    client_as, reviewer, agency_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    audit = make_audit(reviewer, agency_a, DAY)
    upload = SimpleUploadedFile("counter.png", png(), "image/png")
    response = client_as("reviewer").post(
        reverse("evaluations:audit_photo_add", args=[audit.pk]),
        {"image": upload, "caption": "櫃台"},
    )
    assert response.status_code == 302
    photo = AuditPhoto.objects.get()
    served = client_as("staff_a").get(reverse("evaluations:audit_photo_file", args=[photo.pk]))
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_a_file_that_is_not_a_photo_is_refused(client_as, reviewer, agency_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    audit = make_audit(reviewer, agency_a, DAY)
    upload = SimpleUploadedFile("a.png", b"<html>not an image</html>", "image/png")
    response = client_as("reviewer").post(
        reverse("evaluations:audit_photo_add", args=[audit.pk]), {"image": upload}, follow=True
    )
    assert "只接受JPEG或PNG格式的照片。" in response.text
    assert not AuditPhoto.objects.exists()


# -- targets and the award ---------------------------------------------------------------------


def test_a_reviewer_adds_a_counter_to_the_target_list(client_as, city_agencies):
    from tainan_rdec.models import Agency

    agency = Agency.objects.get(code="B01")
    client = client_as("reviewer")
    url = reverse("evaluations:targets", args=[2025])
    response = client.post(url, {"action": "add", "agency": agency.pk, "basis": "counter"})
    assert response.status_code == 302
    assert "臺南市政府秘書處" in client.get(url).text
    assert AuditTarget.objects.get(year=2025).basis == TargetBasis.COUNTER


def test_bureau_users_see_the_city_funnel_but_only_their_entries(
    client_as, reviewer, agency_a, agency_b
):
    for agency, title in ((agency_a, "行動支付便民繳費"), (agency_b, "防汛資訊即時通")):
        coaching.create_coaching(
            by=reviewer,
            year=2023,
            agency=agency,
            category=AwardCategory.DIGITAL,
            title=title,
            on_date=date(2023, 3, 1),
        )
    page = client_as("staff_a").get(reverse("evaluations:coaching_year", args=[2023])).text
    assert "行動支付便民繳費" in page and "防汛資訊即時通" not in page
    assert '<svg class="funnel-chart"' in page
    assert re.search(r"<th scope=\"row\">輔導</th><td class=\"num\">2</td>", page)


def test_the_agency_history_shows_its_own_records(client_as, reviewer, agency_a, item):
    page = client_as("staff_a").get(reverse("evaluations:agency_history", args=["B06"])).text
    assert item.audit.reference in page
    assert "增設雙語標示" in page


# -- house rules -------------------------------------------------------------------------------


def test_templates_carry_no_inline_script_style_or_handlers():
    folder = Path(django_settings.BASE_DIR) / "templates" / "evaluations"
    for path in folder.rglob("*.html"):
        text = path.read_text()
        assert "style=" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+=", text), path


def test_improvement_items_listed_for_a_bureau_are_their_own(client_as, item, reviewer, agency_b):
    other = services.raise_improvement(
        make_audit(reviewer, agency_b, DAY),
        by=reviewer,
        description="水利局櫃台改善",
        due_date=date(2024, 4, 26),
    )
    page = client_as("staff_a").get(reverse("evaluations:improvement_list")).text
    assert item.description in page and other.description not in page
    assert ImprovementItem.objects.count() == 2


@pytest.mark.parametrize("year", ["1", "12", "2999"])
def test_an_entry_form_for_an_implausible_year_is_404(client_as, year):
    from evaluations.models import Rubric

    response = client_as("reviewer").get(reverse("evaluations:phone_create") + f"?year={year}")
    assert response.status_code == 404
    assert not Rubric.objects.exists()


def test_the_commission_home_card_counts_report_backs_to_verify(client_as, item, cast):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    page = client_as("reviewer").get("/").text
    assert "待審查（改善計畫、改善情形）：1 件" in page


def test_the_commission_home_card_counts_open_items_past_their_due_date(client_as, item, cast):
    reviewer = cast["reviewer"]
    reported = services.raise_improvement(
        item.audit, by=reviewer, description="櫃台增設叫號機", due_date=date(2024, 4, 26)
    )
    services.report_improvement(reported, by=cast["staff_a"], report="已增設")
    services.raise_improvement(
        item.audit, by=reviewer, description="更新服務指南", due_date=date(2099, 12, 31)
    )
    page = client_as("reviewer").get("/").text
    assert "待審查（改善計畫、改善情形）：1 件" in page
    assert "逾期未回復：1 件" in page  # ``item``: open and past 113.4.26


def test_the_front_page_shows_a_bureau_its_final_result(client_as, ranked_year, reviewer):
    evaluation.finalize_evaluation(2024, by=reviewer)
    page = client_as("staff_a").get(reverse("evaluations:index")).text
    result = ranked_year.results.get(agency__code="B06")
    assert "113年度總分" in page and str(result.total_score) in page
    assert reverse("evaluations:result_detail", args=[2024, "B06"]) in page


def test_the_target_list_is_generated_and_trimmed_on_its_page(client_as, city_agencies):
    client = client_as("reviewer")
    url = reverse("evaluations:targets", args=[2025])
    client.post(url, {"action": "generate"})
    targets = AuditTarget.objects.filter(year=2025)
    assert targets.count() == 37
    first = targets.order_by("agency__sort_order").first()
    client.post(url, {"action": "remove", "target": first.pk})
    assert not AuditTarget.objects.filter(pk=first.pk).exists()
    assert "共 36 個對象，已稽核 0 個。" in client.get(url).text
