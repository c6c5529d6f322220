"""Improvement items: raised by the reviewer, reported back by the audited agency, verified or
returned by the reviewer."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import services
from evaluations.choices import ImprovementStatus
from evaluations.models import ImprovementItem
from tests.evaluations.conftest import make_audit

pytestmark = pytest.mark.django_db

VISIT = date(2024, 5, 7)


@pytest.fixture
def item(reviewer, agency_a):
    audit = make_audit(reviewer, agency_a, VISIT, E3=0)
    return services.raise_improvement(
        audit, by=reviewer, description="增設雙語標示", due_date=date(2024, 6, 7)
    )


def test_a_new_item_waits_for_the_agency(item):
    assert item.status == ImprovementStatus.OPEN
    assert item.is_overdue(date(2024, 6, 8))
    assert not item.is_overdue(date(2024, 6, 7))


def test_the_due_date_cannot_precede_the_visit(reviewer, item):
    with pytest.raises(ValidationError, match="回復期限不可早於稽核日期"):
        services.raise_improvement(
            item.audit, by=reviewer, description="x", due_date=date(2024, 5, 6)
        )


@pytest.mark.parametrize("who", ["staff_a", "manager_a"])
def test_the_audited_agency_reports_back(cast, item, who):
    services.report_improvement(item, by=cast[who], report="已增設中英雙語標示牌")
    item.refresh_from_db()
    assert item.status == ImprovementStatus.REPORTED
    assert item.reported_by == cast[who]
    assert item.report == "已增設中英雙語標示牌"


@pytest.mark.parametrize("who", ["staff_b", "reviewer"])
def test_others_cannot_report_back(cast, item, who):
    with pytest.raises(PermissionDenied):
        services.report_improvement(item, by=cast[who], report="已改善")


def test_a_report_back_needs_text(cast, item):
    with pytest.raises(ValidationError, match="請填寫改善情形"):
        services.report_improvement(item, by=cast["staff_a"], report="  ")


def test_the_reviewer_verifies_a_report_back(cast, item, reviewer):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    services.verify_improvement(item, by=reviewer, note="複查確認")
    item.refresh_from_db()
    assert item.status == ImprovementStatus.VERIFIED
    assert (item.reviewed_by, item.review_note) == (reviewer, "複查確認")
    assert not ImprovementItem.objects.open().exists()


def test_a_returned_report_goes_back_to_the_agency_with_a_new_due_date(cast, item, reviewer):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    services.return_improvement(item, by=reviewer, note="請補附照片", due_date=date(2024, 7, 1))
    item.refresh_from_db()
    assert item.status == ImprovementStatus.OPEN
    assert (item.review_note, item.due_date) == ("請補附照片", date(2024, 7, 1))
    reasons = list(
        item.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [None, "機關回復改善情形", "退回補正"]


def test_returning_needs_a_reason(cast, item, reviewer):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    with pytest.raises(ValidationError, match="請說明退回原因"):
        services.return_improvement(item, by=reviewer, note="")


def test_an_item_not_reported_cannot_be_verified(item, reviewer):
    with pytest.raises(ValidationError, match="機關尚未回復"):
        services.verify_improvement(item, by=reviewer)


def test_bureau_users_cannot_verify(cast, item):
    services.report_improvement(item, by=cast["staff_a"], report="已改善")
    with pytest.raises(PermissionDenied):
        services.verify_improvement(item, by=cast["manager_a"])


def test_items_are_scoped_to_the_audited_agency(cast, item):
    assert list(ImprovementItem.objects.visible_to(cast["staff_a"])) == [item]
    assert not ImprovementItem.objects.visible_to(cast["staff_b"]).exists()
    assert not ImprovementItem.objects.editable_by(cast["manager_a"]).exists()
