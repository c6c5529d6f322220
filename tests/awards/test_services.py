"""The registry's rules: who registers for which agency, the natural key, the year and date,
the related project, confirmation and return, resubmission, deletion, evidence files and the
history that records who did what."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from awards import services
from awards.choices import AwardClass, AwardState
from awards.models import Award
from tests.awards.factories import PDF_BYTES, make_award, pdf_upload, png_bytes
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def fields(**overrides):
    values = {
        "roc_year": 112,
        "award_date": date(2023, 11, 20),
        "name": "政府服務獎",
        "awarding_body": "國家發展委員會",
        "award_class": AwardClass.NATIONAL,
        "is_top": True,
        "evidence_url": "https://www.ndc.gov.tw/",
    }
    values.update(overrides)
    return values


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# -- registering ---------------------------------------------------------------------------------


def test_bureau_staff_registers_own_agency_award_waiting_for_confirmation(cast, agency_a):
    award = services.register_award(by=cast["staff_a"], agency=agency_a, **fields())

    assert award.state == AwardState.REGISTERED
    assert award.registered_by == cast["staff_a"]
    assert award.agency == agency_a
    assert award.reviewed_at is None


def test_bureau_staff_cannot_register_for_another_agency(cast, agency_b):
    with pytest.raises(PermissionDenied):
        services.register_award(by=cast["staff_a"], agency=agency_b, **fields())
    assert not Award.objects.exists()


def test_reviewer_registers_for_any_agency(cast, agency_b):
    award = services.register_award(by=cast["reviewer"], agency=agency_b, **fields())

    assert award.agency == agency_b
    assert award.state == AwardState.REGISTERED


def test_same_award_twice_in_a_year_is_refused_with_the_awards_name(cast, agency_a):
    services.register_award(by=cast["staff_a"], agency=agency_a, **fields())

    with pytest.raises(ValidationError) as caught:
        services.register_award(by=cast["manager_a"], agency=agency_a, **fields())

    assert "工務局已登錄112年「政府服務獎」（國家發展委員會），請勿重複登錄" in str(
        caught.value.message_dict["name"]
    )
    assert Award.objects.count() == 1


def test_same_award_next_year_or_from_another_agency_is_a_new_award(cast, agency_a, agency_b):
    services.register_award(by=cast["staff_a"], agency=agency_a, **fields())
    services.register_award(
        by=cast["staff_a"], agency=agency_a, **fields(roc_year=113, award_date=date(2024, 11, 1))
    )
    services.register_award(by=cast["staff_b"], agency=agency_b, **fields())

    assert Award.objects.count() == 3


@pytest.mark.parametrize(
    ("award_date", "ok"),
    [
        (date(2023, 1, 1), True),  # in the award's year (112)
        (date(2024, 2, 15), True),  # presented early the next year
        (date(2022, 12, 31), False),  # the year before
        (date(2025, 1, 10), False),  # two years later
    ],
)
def test_award_date_must_fall_in_the_awards_year_or_the_next(cast, agency_a, award_date, ok):
    if ok:
        services.register_award(
            by=cast["staff_a"], agency=agency_a, **fields(award_date=award_date)
        )
        return
    with pytest.raises(ValidationError) as caught:
        services.register_award(
            by=cast["staff_a"], agency=agency_a, **fields(award_date=award_date)
        )
    assert "與獎項年度 112年 不符" in str(caught.value.message_dict["award_date"])


def test_award_year_in_the_future_is_refused(cast, agency_a):
    from awards.models import current_roc_year

    year = current_roc_year() + 1
    with pytest.raises(ValidationError) as caught:
        services.register_award(
            by=cast["staff_a"], agency=agency_a, **fields(roc_year=year, award_date=None)
        )
    assert "獎項年度不可晚於今年" in str(caught.value.message_dict["roc_year"])


def test_related_project_must_be_the_agencys(cast, agency_a, agency_b):
    own = make_project(agency_a, name="麻善大橋改建工程")
    other = make_project(agency_b, name="大灣排水抽水站")

    award = services.register_award(by=cast["staff_a"], agency=agency_a, **fields(project=own))
    assert award.project == own

    with pytest.raises(ValidationError) as caught:
        services.register_award(
            by=cast["staff_a"], agency=agency_a, **fields(name="金質獎", project=other)
        )
    assert "不是臺南市政府工務局主辦或協辦的案件" in str(caught.value.message_dict["project"])


def test_co_hosted_project_may_be_linked(cast, agency_a, agency_b):
    project = make_project(agency_b)
    project.co_agencies.add(agency_a)

    award = services.register_award(by=cast["staff_a"], agency=agency_a, **fields(project=project))

    assert award.project == project


def test_deleting_a_project_keeps_its_awards(cast, agency_a):
    project = make_project(agency_a)
    award = make_award(agency_a, project=project)

    project.delete()

    award.refresh_from_db()
    assert award.project is None


# -- confirming and returning ------------------------------------------------------------------


def test_reviewer_confirms_a_registered_award_with_who_and_when(cast, agency_a):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    services.confirm_award(award, by=cast["reviewer"])

    award.refresh_from_db()
    assert award.state == AwardState.CONFIRMED
    assert award.reviewed_by == cast["reviewer"]
    assert award.reviewed_at is not None


@pytest.mark.parametrize("who", ["staff_a", "manager_a", "staff_b"])
def test_bureau_users_cannot_confirm(cast, agency_a, who):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    with pytest.raises(PermissionDenied):
        services.confirm_award(award, by=cast[who])
    award.refresh_from_db()
    assert award.state == AwardState.REGISTERED


def test_a_returned_award_cannot_be_confirmed_before_the_agency_corrects_it(cast, agency_a):
    award = make_award(agency_a, state=AwardState.RETURNED)

    with pytest.raises(ValidationError, match="只有待確認的獎項可以確認"):
        services.confirm_award(award, by=cast["reviewer"])


def test_return_needs_a_reason(cast, agency_a):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    with pytest.raises(ValidationError) as caught:
        services.return_award(award, by=cast["reviewer"], reason="   ")

    assert caught.value.message_dict["reason"] == ["請填寫退回原因。"]
    award.refresh_from_db()
    assert award.state == AwardState.REGISTERED


def test_returning_a_confirmed_award_takes_it_out_of_the_count(cast, agency_a):
    award = make_award(agency_a, state=AwardState.CONFIRMED)

    services.return_award(award, by=cast["reviewer"], reason="重複登錄")

    award.refresh_from_db()
    assert award.state == AwardState.RETURNED
    assert award.return_reason == "重複登錄"
    assert not Award.objects.counted().exists()


def test_correcting_a_returned_award_registers_it_again(cast, agency_a):
    award = make_award(agency_a, state=AwardState.RETURNED, award_class=AwardClass.MERIT)

    services.update_award(award, by=cast["staff_a"], award_class=AwardClass.GRADE_A)

    award.refresh_from_db()
    assert award.state == AwardState.REGISTERED
    assert award.award_class == AwardClass.GRADE_A
    assert award.return_reason == ""


def test_agency_cannot_change_a_confirmed_award(cast, agency_a):
    award = make_award(agency_a, state=AwardState.CONFIRMED)

    with pytest.raises(PermissionDenied):
        services.update_award(award, by=cast["staff_a"], name="改名")


def test_admin_corrects_a_confirmed_award_and_it_stays_confirmed(cast, agency_a, agency_b):
    award = make_award(agency_a, state=AwardState.CONFIRMED)

    services.update_award(award, by=cast["admin"], agency=agency_b, name="更正名稱")

    award.refresh_from_db()
    assert (award.state, award.agency, award.name) == (AwardState.CONFIRMED, agency_b, "更正名稱")


def test_only_an_admin_moves_an_award_to_another_agency(cast, agency_a, agency_b):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    with pytest.raises(PermissionDenied):
        services.update_award(award, by=cast["staff_a"], agency=agency_b)


def test_bulk_confirmation_skips_awards_not_waiting(cast, agency_a):
    waiting = [make_award(agency_a, state=AwardState.REGISTERED) for _ in range(3)]
    returned = make_award(agency_a, state=AwardState.RETURNED)

    confirmed = services.confirm_awards([a.pk for a in [*waiting, returned]], by=cast["reviewer"])

    assert {a.pk for a in confirmed} == {a.pk for a in waiting}
    returned.refresh_from_db()
    assert returned.state == AwardState.RETURNED
    assert Award.objects.counted().count() == 3


def test_bulk_confirmation_is_for_reviewers(cast, agency_a):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    with pytest.raises(PermissionDenied):
        services.confirm_awards([award.pk], by=cast["manager_a"])


# -- deleting ----------------------------------------------------------------------------------


def test_agency_deletes_an_award_registered_by_mistake(cast, agency_a):
    award = make_award(agency_a, state=AwardState.REGISTERED)

    services.delete_award(award, by=cast["staff_a"])

    assert not Award.objects.exists()
    assert (
        Award.history.filter(id=award.pk, history_type="-").get().history_user == (cast["staff_a"])
    )


def test_confirmed_award_cannot_be_deleted_even_by_an_admin(cast, agency_a):
    award = make_award(agency_a, state=AwardState.CONFIRMED)

    with pytest.raises(ValidationError, match="已確認的獎項不能刪除"):
        services.delete_award(award, by=cast["admin"])
    assert Award.objects.filter(pk=award.pk).exists()


# -- history -----------------------------------------------------------------------------------


def test_history_records_each_step_with_who(cast, agency_a):
    award = services.register_award(by=cast["staff_a"], agency=agency_a, **fields())
    services.return_award(award, by=cast["reviewer"], reason="請補上傳證書")
    services.update_award(award, by=cast["manager_a"], note="已補正")
    services.confirm_award(award, by=cast["reviewer"])

    steps = [(e["action"], e["by"], e["reason"]) for e in award.timeline()]

    assert steps == [
        ("登錄", cast["staff_a"], ""),
        ("退回", cast["reviewer"], "請補上傳證書"),
        ("補正後重新登錄", cast["manager_a"], ""),
        ("確認", cast["reviewer"], ""),
    ]


# -- evidence files ----------------------------------------------------------------------------


def test_pdf_evidence_is_stored_under_a_random_name(cast, agency_a, media):
    award = services.register_award(
        by=cast["staff_a"], agency=agency_a, evidence_file=pdf_upload("證書.pdf"), **fields()
    )

    assert award.evidence_name == "證書.pdf"
    assert award.evidence_file.name.startswith("awards/evidence/")
    assert award.evidence_file.name.endswith(".pdf")
    assert "證書" not in award.evidence_file.name
    with award.evidence_file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_png_evidence_is_accepted(cast, agency_a, media):
    upload = SimpleUploadedFile("photo.png", png_bytes(), "image/png")

    award = services.register_award(
        by=cast["staff_a"], agency=agency_a, evidence_file=upload, **fields()
    )

    assert award.evidence_file.name.endswith(".png")


def test_evidence_that_is_not_pdf_jpeg_or_png_is_refused_whatever_its_name(cast, agency_a, media):
    upload = SimpleUploadedFile("證書.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")

    with pytest.raises(ValidationError) as caught:
        services.register_award(
            by=cast["staff_a"], agency=agency_a, evidence_file=upload, **fields()
        )

    assert caught.value.message_dict["evidence_file"] == ["佐證檔案只接受PDF、JPEG或PNG格式。"]
    assert not Award.objects.exists()


def test_evidence_over_the_size_limit_is_refused(cast, agency_a, media):
    too_big = PDF_BYTES + b"0" * (services.MAX_EVIDENCE_BYTES - len(PDF_BYTES) + 1)

    with pytest.raises(ValidationError) as caught:
        services.register_award(
            by=cast["staff_a"],
            agency=agency_a,
            evidence_file=pdf_upload(content=too_big),
            **fields(),
        )

    assert caught.value.message_dict["evidence_file"] == ["佐證檔案不得超過10MB。"]
    assert not Award.objects.exists()


def test_replacing_evidence_deletes_the_old_file_after_commit(
    cast, agency_a, media, django_capture_on_commit_callbacks
):
    award = services.register_award(
        by=cast["staff_a"], agency=agency_a, evidence_file=pdf_upload(), **fields()
    )
    old = media / award.evidence_file.name
    assert old.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.update_award(
            award,
            by=cast["staff_a"],
            evidence_file=SimpleUploadedFile("new.png", png_bytes(), "image/png"),
        )

    award.refresh_from_db()
    assert not old.exists()
    assert (media / award.evidence_file.name).exists()
    assert award.evidence_name == "new.png"


def test_an_award_is_found_by_its_natural_key(agency_a):
    award = make_award(agency_a, roc_year=111, name="金檔獎", awarding_body="檔案管理局")

    assert award.natural_key() == ("B06", 111, "金檔獎", "檔案管理局")
    assert Award.objects.get_by_natural_key(*award.natural_key()) == award
