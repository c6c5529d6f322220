"""The awards pages as each kind of user meets them: the list, one award, registering and
correcting, confirming and returning, the evidence file, the summary and the home cards."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.choices import AwardClass, AwardState
from awards.models import Award
from tests.awards.factories import PDF_BYTES, form_data, make_award, pdf_upload
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def awards(agency_a, agency_b):
    return {
        "a_waiting": make_award(agency_a, name="公共工程金質獎", state=AwardState.REGISTERED),
        "a_confirmed": make_award(agency_a, name="國家卓越建設獎", award_class="national"),
        "a_returned": make_award(agency_a, name="建築園冶獎", state=AwardState.RETURNED),
        "b_confirmed": make_award(agency_b, name="水利建設考核績優"),
        "b_waiting": make_award(agency_b, name="國家永續發展獎", state=AwardState.REGISTERED),
    }


def html_of(response) -> str:
    return response.content.decode()


# -- the list ----------------------------------------------------------------------------------


def test_bureau_staff_list_shows_only_own_agency_awards(client_as, awards):
    html = html_of(client_as("staff_a").get(reverse("awards:index")))

    assert "公共工程金質獎" in html and "建築園冶獎" in html
    assert "水利建設考核績優" not in html and "國家永續發展獎" not in html
    assert "共 3 項" in html
    assert 'name="agency"' not in html  # no agency filter for a bureau
    assert 'name="award"' not in html  # no bulk confirmation either


def test_reviewer_list_shows_every_agency_with_checkboxes_for_waiting_awards(client_as, awards):
    html = html_of(client_as("reviewer").get(reverse("awards:index")))

    assert "共 5 項" in html
    assert "臺南市政府水利局" in html
    for key in ("a_waiting", "b_waiting"):
        pk = awards[key].pk
        assert f'<input type="checkbox" name="award" value="{pk}" id="confirm-{pk}"' in html
        assert f'<label for="confirm-{pk}" class="visually-hidden">' in html
    assert f'value="{awards["a_confirmed"].pk}" id="confirm-' not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=registered", {"公共工程金質獎", "國家永續發展獎"}),
        ("award_class=national", {"國家卓越建設獎"}),
        ("q=金質", {"公共工程金質獎"}),
        ("year_from=112&year_to=112&state=confirmed", {"國家卓越建設獎", "水利建設考核績優"}),
        ("year_from=113", set()),
    ],
)
def test_list_filters(client_as, awards, query, expected):
    response = client_as("reviewer").get(reverse("awards:index") + "?" + query)

    shown = {a.name for a in response.context["page"].object_list}
    assert shown == expected


def test_reviewer_filters_by_agency(client_as, awards, agency_b):
    response = client_as("reviewer").get(reverse("awards:index"), {"agency": agency_b.pk})

    assert {a.agency_id for a in response.context["page"].object_list} == {agency_b.pk}


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["staff_a", "reviewer"])
@pytest.mark.parametrize("path", ["/awards/", "/awards/summary/"])
def test_page_query_count_does_not_grow_with_awards(client_as, agency_a, agency_b, who, path):
    client = client_as(who)
    for agency in (agency_a, agency_b):
        make_award(agency, state=AwardState.REGISTERED)
    _queries(client, path)
    before = _queries(client, path)
    for i in range(40):
        make_award(
            agency_a if i % 2 else agency_b, roc_year=108 + i % 5, state=AwardState.REGISTERED
        )
        make_award(agency_b, roc_year=108 + i % 5, award_class=AwardClass.OTHER)

    assert _queries(client, path) == before
    assert before <= 8


# -- one award ---------------------------------------------------------------------------------


def test_other_agencys_award_is_404_even_when_confirmed(client_as, awards):
    client = client_as("staff_a")

    assert client.get(reverse("awards:detail", args=[awards["b_confirmed"].pk])).status_code == 404
    assert client.get(reverse("awards:edit", args=[awards["b_waiting"].pk])).status_code == 404


def test_detail_shows_the_award_in_roc_dates_with_its_history(client_as, cast, agency_a):
    from datetime import date

    from awards import services

    award = services.register_award(
        by=cast["staff_a"],
        agency=agency_a,
        roc_year=112,
        award_date=date(2023, 11, 20),
        name="政府服務獎",
        awarding_body="國家發展委員會",
        award_class=AwardClass.NATIONAL,
        is_top=True,
        evidence_url="https://www.ndc.gov.tw/",
    )
    services.return_award(award, by=cast["reviewer"], reason="請補上傳證書")

    html = html_of(client_as("staff_a").get(reverse("awards:detail", args=[award.pk])))

    assert "112年11月20日" in html
    assert "研考會已退回，請補正後重新登錄。" in html
    assert "退回原因：請補上傳證書" in html
    assert re.search(r"<th scope=\"row\">登錄</th>\s*<td>[^<]*</td>", html)
    assert '<th scope="row">退回</th>' in html
    assert reverse("awards:edit", args=[award.pk]) in html
    assert reverse("awards:confirm", args=[award.pk]) not in html


def test_reviewer_sees_confirm_and_return_on_a_waiting_award(client_as, awards):
    award = awards["a_waiting"]
    html = html_of(client_as("reviewer").get(reverse("awards:detail", args=[award.pk])))

    assert reverse("awards:confirm", args=[award.pk]) in html
    assert reverse("awards:return", args=[award.pk]) in html
    assert reverse("awards:edit", args=[award.pk]) not in html  # reviewers return, not edit


# -- registering and correcting ----------------------------------------------------------------


def test_bureau_staff_registers_an_award_typed_in_roc_dates(client_as, agency_a):
    response = client_as("staff_a").post(reverse("awards:create"), form_data(), follow=True)

    award = Award.objects.get()
    assert response.redirect_chain[-1][0] == reverse("awards:detail", args=[award.pk])
    assert (award.agency, award.roc_year, award.award_date.isoformat()) == (
        agency_a,
        112,
        "2023-11-20",
    )
    assert award.state == AwardState.REGISTERED and award.is_top
    assert "已登錄「政府服務獎」，待研考會確認後列入統計。" in html_of(response)


def test_reviewer_must_choose_the_agency(client_as):
    response = client_as("reviewer").post(reverse("awards:create"), form_data())

    assert response.status_code == 400
    assert "請選擇獲獎機關。" in html_of(response)
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"evidence_url": ""}, "evidence_url", "請上傳佐證檔案或填寫佐證連結（至少擇一）。"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "請輸入有效的網址"),
        ({"award_date": "112.13.1"}, "award_date", "不是有效的日期：月份必須介於 1 到 12。"),
        ({"award_date": "110.5.1"}, "award_date", "與獎項年度 112年 不符"),
        ({"roc_year": "民國112"}, "roc_year", "獎項年度請填民國年的數字"),
        ({"award_class": ""}, "award_class", "請選擇獎項類別。"),
        ({"name": ""}, "name", "請填寫獎項名稱。"),
    ],
)
def test_bad_input_is_explained_in_chinese_next_to_the_field(
    client_as, agency_a, overrides, field, message
):
    response = client_as("staff_a").post(reverse("awards:create"), form_data(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert 'role="alert"' in html_of(response)
    assert not Award.objects.exists()


def test_duplicate_registration_is_refused(client_as, agency_a):
    client = client_as("staff_a")
    client.post(reverse("awards:create"), form_data())

    response = client.post(reverse("awards:create"), form_data())

    assert response.status_code == 400
    assert "請勿重複登錄" in response.context["form"].errors["name"][0]
    assert Award.objects.count() == 1


def test_related_project_is_typed_as_its_control_number(client_as, agency_a, agency_b):
    own = make_project(agency_a, control_number="112-B06-0007")
    make_project(agency_b, control_number="112-B07-0001")
    client = client_as("staff_a")

    refused = client.post(reverse("awards:create"), form_data(project_number="112-B07-0001"))
    assert (
        "查無列管編號「112-B07-0001」的案件" in refused.context["form"].errors["project_number"][0]
    )

    client.post(reverse("awards:create"), form_data(project_number="112-B06-0007"))
    assert Award.objects.get().project == own


def test_evidence_file_is_uploaded_and_served_only_to_who_may_see_the_award(client_as, media):
    response = client_as("staff_a").post(
        reverse("awards:create"), {**form_data(evidence_url=""), "evidence_file": pdf_upload()}
    )
    assert response.status_code == 302
    award = Award.objects.get()
    url = reverse("awards:evidence", args=[award.pk])

    for who in ("staff_a", "reviewer"):
        served = client_as(who).get(url)
        assert served.status_code == 200
        assert served["Content-Type"] == "application/pdf"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert b"".join(served.streaming_content) == PDF_BYTES
    assert client_as("staff_b").get(url).status_code == 404


def test_a_program_disguised_as_a_pdf_is_refused(client_as, media):
    upload = SimpleUploadedFile("證書.pdf", b"MZ\x90\x00\x03", "application/pdf")

    response = client_as("staff_a").post(
        reverse("awards:create"), {**form_data(evidence_url=""), "evidence_file": upload}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["evidence_file"] == [
        "佐證檔案只接受PDF、JPEG或PNG格式。"
    ]


def test_correcting_a_returned_award_registers_it_again(client_as, awards):
    award = awards["a_returned"]

    response = client_as("staff_a").post(
        reverse("awards:edit", args=[award.pk]),
        form_data(name="建築園冶獎", award_class="grade_a", roc_year="112", award_date="112.6.1"),
        follow=True,
    )

    award.refresh_from_db()
    assert award.state == AwardState.REGISTERED
    assert award.award_class == AwardClass.GRADE_A
    assert "已補正並重新登錄，待研考會確認。" in html_of(response)


def test_agency_cannot_edit_a_confirmed_award(client_as, awards):
    url = reverse("awards:edit", args=[awards["a_confirmed"].pk])

    assert client_as("staff_a").get(url).status_code == 403
    assert client_as("staff_a").post(url, form_data()).status_code == 403


def test_removing_the_evidence_file_needs_a_link_instead(client_as, media, agency_a):
    client = client_as("staff_a")
    client.post(
        reverse("awards:create"), {**form_data(evidence_url=""), "evidence_file": pdf_upload()}
    )
    award = Award.objects.get()
    url = reverse("awards:edit", args=[award.pk])

    refused = client.post(url, form_data(evidence_url="", remove_evidence_file="on"))
    assert "請上傳佐證檔案或填寫佐證連結" in refused.context["form"].errors["evidence_url"][0]

    client.post(url, form_data(remove_evidence_file="on"))
    award.refresh_from_db()
    assert not award.evidence_file
    assert award.evidence_url == "https://www.ndc.gov.tw/News.aspx?n=award"


# -- confirming and returning ------------------------------------------------------------------


def test_reviewer_confirms_from_the_award_page(client_as, awards):
    award = awards["a_waiting"]

    response = client_as("reviewer").post(reverse("awards:confirm", args=[award.pk]), follow=True)

    award.refresh_from_db()
    assert award.state == AwardState.CONFIRMED
    assert "已確認「公共工程金質獎」，列入統計。" in html_of(response)


def test_confirming_twice_says_why_not(client_as, awards):
    award = awards["a_confirmed"]

    response = client_as("reviewer").post(reverse("awards:confirm", args=[award.pk]), follow=True)

    assert "只有待確認的獎項可以確認（目前狀態：已確認）。" in html_of(response)


def test_return_without_a_reason_shows_the_error_on_the_page(client_as, awards):
    award = awards["a_waiting"]

    response = client_as("reviewer").post(reverse("awards:return", args=[award.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "請填寫退回原因。" in html_of(response)
    award.refresh_from_db()
    assert award.state == AwardState.REGISTERED


def test_reviewer_returns_with_a_reason(client_as, awards):
    award = awards["a_waiting"]

    client_as("reviewer").post(
        reverse("awards:return", args=[award.pk]), {"reason": "獎項類別應為甲等"}
    )

    award.refresh_from_db()
    assert (award.state, award.return_reason) == (AwardState.RETURNED, "獎項類別應為甲等")


def test_reviewer_confirms_ticked_awards_in_bulk_and_returns_to_the_list(client_as, awards):
    ticked = [awards["a_waiting"].pk, awards["b_waiting"].pk, awards["a_returned"].pk]

    response = client_as("reviewer").post(
        reverse("awards:confirm_many"),
        {"award": ticked, "next": "/awards/?state=registered"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/awards/?state=registered"
    assert "已確認2項獎項，列入統計。另有1項不是待確認狀態，未予處理。" in html_of(response)
    assert Award.objects.filter(state=AwardState.REGISTERED).count() == 0


def test_agency_deletes_a_waiting_award_but_not_a_confirmed_one(client_as, awards):
    client = client_as("staff_a")

    client.post(reverse("awards:delete", args=[awards["a_waiting"].pk]))
    assert not Award.objects.filter(pk=awards["a_waiting"].pk).exists()

    response = client.post(reverse("awards:delete", args=[awards["a_confirmed"].pk]))
    assert response.status_code == 403
    assert Award.objects.filter(pk=awards["a_confirmed"].pk).exists()


# -- the summary -------------------------------------------------------------------------------


@pytest.fixture
def published(agency_a, agency_b):
    make_award(agency_a, roc_year=112, award_class=AwardClass.NATIONAL, is_top=True)
    make_award(agency_a, roc_year=111, award_class=AwardClass.MERIT)
    make_award(agency_b, roc_year=112, award_class=AwardClass.INTERNATIONAL, is_top=True)
    make_award(agency_b, roc_year=112, award_class=AwardClass.MERIT, state=AwardState.REGISTERED)


def test_summary_shows_the_nine_classes_and_the_total(client_as, published):
    response = client_as("staff_a").get(
        reverse("awards:summary"), {"start_year": "108", "end_year": "112"}
    )
    html = html_of(response)

    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">(?:<a [^>]+>)?([\d,]+)', html
    )
    assert rows[:10] == [
        ("國際大獎", "1"),
        ("國內大獎", "1"),
        ("第1名", "0"),
        ("第2名", "0"),
        ("第3名", "0"),
        ("績優", "1"),
        ("優等", "0"),
        ("甲等", "0"),
        ("其他", "0"),
        ("合計", "3"),
    ]
    assert '<p class="card-figure" id="top-awards">2 項</p>' in html
    assert "108年至112年獲獎統計表" in html


def test_bureau_user_reads_the_city_wide_summary_but_links_only_to_own_awards(
    client_as, published, agency_a, agency_b
):
    response = client_as("staff_a").get(
        reverse("awards:summary"), {"start_year": "108", "end_year": "112"}
    )
    rows = {row.label: row for row in response.context["summary"].by_agency}

    assert rows["臺南市政府水利局"].total == 1  # another agency's confirmed award counts
    assert rows["臺南市政府工務局"].url and not rows["臺南市政府水利局"].url
    assert all(not row.url for row in response.context["summary"].classes)


def test_reviewer_drills_down_from_a_figure_to_the_awards_behind_it(client_as, published):
    client = client_as("reviewer")
    summary = client.get(
        reverse("awards:summary"), {"start_year": "108", "end_year": "112"}
    ).context["summary"]
    merit = summary.classes[5]

    listed = client.get(merit.url).context["page"].object_list

    assert merit.label == "績優" and merit.count == 1
    assert [a.award_class for a in listed] == [AwardClass.MERIT]
    assert all(a.state == AwardState.CONFIRMED for a in listed)


def test_summary_without_a_range_is_the_five_years_before_this_one(client_as, published):
    from awards.models import current_roc_year

    summary = client_as("staff_a").get(reverse("awards:summary")).context["summary"]

    assert (summary.first, summary.last) == (current_roc_year() - 5, current_roc_year() - 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_year": "112", "end_year": "108"}, "結束年度不可早於起始年度。"),
        ({"start_year": "一百", "end_year": "112"}, "年度請填民國年的數字，例如 108。"),
        ({"start_year": "50", "end_year": "112"}, "年度須介於80年至"),
        ({"start_year": "80", "end_year": "112"}, "查詢期間最多30個年度。"),
    ],
)
def test_summary_range_errors_are_explained(client_as, published, params, message):
    response = client_as("reviewer").get(reverse("awards:summary"), params)

    assert response.status_code == 400
    assert message in html_of(response)


def test_summary_charts_are_labelled_svg(client_as, published):
    html = html_of(client_as("reviewer").get(reverse("awards:summary")))

    assert html.count('role="img"') == 2
    assert '<title id="class-chart-title">各類獎項件數</title>' in html
    assert '<title id="year-chart-title">各年度獲獎件數</title>' in html
    assert re.search(r'<desc id="year-chart-desc">各年度獲獎件數：', html)


@pytest.mark.parametrize(
    "name",
    ["awards:index", "awards:create", "awards:summary", "awards:detail", "awards:edit"],
)
def test_pages_carry_no_inline_script_style_or_event_handlers(client_as, awards, name):
    args = [awards["a_waiting"].pk] if name in ("awards:detail", "awards:edit") else []
    html = html_of(client_as("admin").get(reverse(name, args=args)))

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_every_form_input_has_a_label(client_as, awards):
    html = html_of(client_as("admin").get(reverse("awards:edit", args=[awards["a_waiting"].pk])))

    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert ids
    for input_id in ids:
        assert f'<label for="{input_id}"' in html, input_id


def test_the_year_chart_has_a_round_value_axis(client_as, published):
    html = html_of(
        client_as("reviewer").get(
            reverse("awards:summary"), {"start_year": "108", "end_year": "112"}
        )
    )
    year_chart = html[
        html.index('id="year-chart-title"') : html.index(
            "</svg>", html.index('id="year-chart-title"')
        )
    ]
    labels = re.findall(
        r'<text class="award-chart-label"[^>]*text-anchor="end"[^>]*>([\d,]+)</text>', year_chart
    )
    # Two awards in the busiest year: 0, 1, 2, 3 — not only the maximum and 0.
    assert labels == ["0", "1", "2", "3"]
