"""The case verbs: due dates, processing days, reopen, transfer, and the rollups they keep."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from petitions.choices import CaseStatus
from petitions.models import CaseTransfer, DailyRollup
from petitions.rollups import direct_stats, rollup_table
from petitions.services import close_case, record_first_response, reopen_case, transfer_case
from tests.petitions.conftest import taipei

pytestmark = pytest.mark.django_db


def test_it_counts_the_due_date_across_lunar_new_year(make_case):
    # 113.2.7 (Wed), limit 3 (路面坑洞): 2.8–2.14 are off; 2.15 (Thu), 2.16 (Fri) and the make-up
    # Saturday 2.17 are working days, so the third working day is 2.17 itself, not 2.19.
    case = make_case("2024-02-07 10:00", code="0501")
    assert case.due_date == date(2024, 2, 17)
    assert case.category.name == "道路維修"


def test_it_skips_a_typhoon_day_entered_by_an_admin(make_case):
    from tainan_rdec.choices import CalendarExceptionKind
    from tainan_rdec.models import CalendarException

    # 民生管線 (limit 2) received Tue 113.7.23: 7.25 without the typhoon days.
    assert make_case("2024-07-23 09:00", code="0801").due_date == date(2024, 7, 25)
    for day in (date(2024, 7, 24), date(2024, 7, 25)):
        CalendarException.objects.create(
            date=day, kind=CalendarExceptionKind.DAY_OFF, reason="凱米颱風停止上班"
        )
    # Typhoon Gaemi: 7.24 and 7.25 off, so 7.26 (Fri) and 7.29 (Mon).
    assert make_case("2024-07-23 09:00", code="0801").due_date == date(2024, 7, 29)


def test_it_counts_a_saturday_receipt_from_the_next_working_day(make_case):
    # Received Sat 113.3.2, 動物救援 (limit 1): due Mon 3.4.
    assert make_case("2024-03-02 15:00", code="0901").due_date == date(2024, 3, 4)


def test_it_counts_a_receipt_late_in_the_evening_on_the_taipei_date(make_case):
    # 23:30 Taipei is 15:30 UTC the same day; 00:30 Taipei is the previous day in UTC.
    case = make_case("2024-03-05 00:30", code="0901")
    assert case.due_date == date(2024, 3, 6)


def test_it_counts_a_same_day_close_as_half_a_day(make_case):
    case = make_case("2024-03-05 09:00")
    close_case(case, at=taipei("2024-03-05 17:00"))
    assert case.processing_days == Decimal("0.5")
    assert case.closed_on_time is True
    assert case.status == CaseStatus.CLOSED


def test_it_counts_friday_to_monday_as_one_day(make_case):
    case = make_case("2024-03-08 16:00")
    close_case(case, at=taipei("2024-03-11 10:00"))
    assert case.processing_days == Decimal(1)


def test_it_marks_a_close_after_the_due_date_late(make_case):
    case = make_case("2024-03-04 09:00", code="0901")  # limit 1: due 3.5
    close_case(case, at=taipei("2024-03-06 09:00"))
    assert case.processing_days == Decimal(2)
    assert case.closed_on_time is False


def test_it_refuses_a_close_before_receipt(make_case):
    case = make_case("2024-03-04 09:00")
    with pytest.raises(ValidationError):
        close_case(case, at=taipei("2024-03-01 09:00"))


def test_a_reopened_case_keeps_its_first_due_date_and_counts_its_final_close(make_case):
    case = make_case("2024-03-04 09:00", code="0901", satisfaction=None)  # due 3.5
    close_case(case, at=taipei("2024-03-05 10:00"), satisfaction=5)
    reopen_case(case)
    assert case.status == CaseStatus.REOPENED
    assert case.due_date == date(2024, 3, 5)
    assert case.closed_at is None and case.closed_on_time is None
    # The earlier close no longer counts: its rollup row is gone.
    assert not DailyRollup.objects.filter(day=date(2024, 3, 5), closed__gt=0).exists()

    close_case(case, at=taipei("2024-03-07 10:00"), satisfaction=2)
    assert case.reopened_count == 1
    assert case.due_date == date(2024, 3, 5)
    assert case.processing_days == Decimal(3)
    assert case.closed_on_time is False
    rows = {r.day: r for r in DailyRollup.objects.filter(dimension="total", agency_key=0)}
    assert rows[date(2024, 3, 4)].received == 1
    assert (rows[date(2024, 3, 5)].fell_due, rows[date(2024, 3, 5)].closed) == (1, 0)
    assert rows[date(2024, 3, 5)].fell_due_closed_on_time == 0
    final = rows[date(2024, 3, 7)]
    assert (final.closed, final.closed_on_time, final.processing_days_sum) == (1, 0, 3)
    assert (final.satisfaction_sum, final.satisfaction_count) == (2, 1)
    assert final.histogram == {"3": 1}
    assert rollup_table() == direct_stats()


def test_only_a_closed_case_can_be_reopened(make_case):
    with pytest.raises(ValidationError):
        reopen_case(make_case("2024-03-04 09:00"))


def test_transfer_keeps_history_and_due_date_and_moves_the_outcome(make_case, cast, agency_b):
    case = make_case("2024-03-04 09:00", code="0901")  # 工務局, due 3.5
    transfer = transfer_case(case, agency_b, by=cast["staff_a"], reason="屬水利局權責")
    assert case.handling_agency == agency_b
    assert case.due_date == date(2024, 3, 5)
    assert list(CaseTransfer.objects.values_list("from_agency", "to_agency", "reason")) == [
        (cast["staff_a"].agency_id, agency_b.pk, "屬水利局權責")
    ]
    assert transfer.by == cast["staff_a"]

    close_case(case, at=taipei("2024-03-05 09:00"), by=cast["staff_b"])
    by_agency = {
        (r.day, r.agency_key): (r.received, r.fell_due, r.closed)
        for r in DailyRollup.objects.filter(dimension="total", agency_key__gt=0)
    }
    assert by_agency == {
        # Receipt stays with the agency that received it ...
        (date(2024, 3, 4), cast["staff_a"].agency_id): (1, 0, 0),
        # ... the due date and the close go with the case.
        (date(2024, 3, 5), agency_b.pk): (0, 1, 1),
    }
    assert rollup_table() == direct_stats()


def test_another_agency_cannot_transfer_a_case(make_case, cast, agency_b):
    case = make_case("2024-03-04 09:00")
    with pytest.raises(PermissionDenied):
        transfer_case(case, agency_b, by=cast["staff_b"], reason="")
    assert not CaseTransfer.objects.exists()


def test_the_commission_may_transfer_a_case(make_case, cast, agency_b):
    case = make_case("2024-03-04 09:00")
    transfer_case(case, agency_b, by=cast["reviewer"], reason="改分")
    assert case.handling_agency == agency_b


def test_another_agency_cannot_close_a_case(make_case, cast):
    case = make_case("2024-03-04 09:00")
    with pytest.raises(PermissionDenied):
        close_case(case, at=taipei("2024-03-04 10:00"), by=cast["staff_b"])


def test_a_closed_case_cannot_be_transferred(make_case, cast, agency_b):
    case = make_case("2024-03-04 09:00")
    close_case(case, at=taipei("2024-03-04 10:00"))
    with pytest.raises(ValidationError):
        transfer_case(case, agency_b, by=cast["reviewer"], reason="")


def test_first_response_is_recorded_once(make_case, cast):
    case = make_case("2024-03-04 09:00")
    record_first_response(case, at=taipei("2024-03-04 11:00"), by=cast["staff_a"])
    record_first_response(case, at=taipei("2024-03-05 11:00"), by=cast["staff_a"])
    assert case.first_response_at == taipei("2024-03-04 11:00")
    assert case.status == CaseStatus.IN_PROGRESS


def test_an_agency_cannot_register_a_case_for_another_agency(make_case, cast, agency_b):
    with pytest.raises(PermissionDenied):
        make_case("2024-03-04 09:00", agency=agency_b, by=cast["staff_a"])
    make_case("2024-03-04 09:00", agency=agency_b, by=cast["reviewer"])


def test_every_status_change_is_recorded_with_who_and_when(make_case, cast, agency_b, client_as):
    case = make_case("2024-03-04 09:00")
    transfer_case(case, agency_b, by=cast["reviewer"], reason="屬水利局權責")
    record_first_response(case, at=taipei("2024-03-04 15:00"), by=cast["staff_b"])
    record_first_response(case, at=taipei("2024-03-05 09:00"), by=cast["staff_b"])  # no change
    close_case(case, at=taipei("2024-03-05 10:00"), by=cast["staff_b"])
    reopen_case(case, by=cast["reviewer"])
    steps = [
        (c.from_status, c.to_status, c.by.username if c.by else None)
        for c in case.status_changes.all()
    ]
    assert steps == [
        ("", CaseStatus.RECEIVED, None),
        (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, "reviewer"),
        (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, "staff_b"),
        (CaseStatus.IN_PROGRESS, CaseStatus.CLOSED, "staff_b"),
        (CaseStatus.CLOSED, CaseStatus.REOPENED, "reviewer"),
    ]
    page = client_as("reviewer").get(f"/petitions/cases/{case.case_number}/").content.decode()
    assert "處理紀錄" in page and "已結案 → 重新開啟" in page
