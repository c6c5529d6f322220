"""Rubrics: the DOMAIN.md defaults, one version per year, frozen once a record uses them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations import rubrics
from evaluations.choices import RubricGroup, RubricKind
from evaluations.models import Rubric, RubricItem
from tests.evaluations.conftest import make_phone_test

pytestmark = pytest.mark.django_db


def group_totals(rubric):
    return {g["group"]: g["max_points"] for g in rubrics.groups_of(rubric)}


def test_default_phone_rubric_has_the_switchboard_and_business_unit_weights():
    rubric = rubrics.rubric_for(RubricKind.PHONE, 2024)
    assert group_totals(rubric) == {RubricGroup.SWITCHBOARD: 45, RubricGroup.UNIT: 55}
    assert rubric.max_total == 100
    assert rubric.title == "113年度電話禮貌測試評分表"


def test_default_audit_rubric_is_out_of_100_in_four_groups():
    rubric = rubrics.rubric_for(RubricKind.AUDIT, 2024)
    assert group_totals(rubric) == {
        RubricGroup.ENVIRONMENT: 20,
        RubricGroup.FACILITIES: 25,
        RubricGroup.ETIQUETTE: 35,
        RubricGroup.PROCESS: 20,
    }


def test_next_year_copies_the_latest_version_not_the_defaults():
    last_year = rubrics.rubric_for(RubricKind.PHONE, 2024)
    item = last_year.items.get(code="U5")
    item.max_points = Decimal(12)
    item.label = "答詢內容正確"
    item.save()
    next_year = rubrics.rubric_for(RubricKind.PHONE, 2025)
    assert next_year.pk != last_year.pk
    assert next_year.items.get(code="U5").max_points == 12
    assert next_year.items.get(code="U5").label == "答詢內容正確"


def test_asking_twice_for_a_year_gives_the_same_version():
    first = rubrics.rubric_for(RubricKind.AUDIT, 2024)
    assert rubrics.rubric_for(RubricKind.AUDIT, 2024) == first
    assert Rubric.objects.filter(kind=RubricKind.AUDIT, year=2024).count() == 1


def test_a_used_version_is_frozen(cast, agency_a):
    test = make_phone_test(cast["reviewer"], agency_a, date(2024, 3, 26))
    item = test.rubric.items.get(code="U1")
    item.max_points = Decimal(20)
    with pytest.raises(ValidationError, match="已有評核紀錄使用"):
        item.full_clean()


def test_changing_next_years_rubric_leaves_last_years_scores(cast, agency_a):
    test = make_phone_test(cast["reviewer"], agency_a, date(2024, 3, 26), U5=5)
    next_year = rubrics.rubric_for(RubricKind.PHONE, 2025)
    next_item = next_year.items.get(code="U5")
    next_item.max_points = Decimal(30)
    next_item.full_clean()  # not in use: allowed
    next_item.save()
    RubricItem.objects.filter(rubric=next_year, code="U6").delete()
    test.refresh_from_db()
    assert test.rubric.year == 2024
    assert (test.total, test.max_total, test.score) == (Decimal("50.0"), 55, Decimal("90.91"))
    assert test.rubric.items.get(code="U5").max_points == 10


def test_an_item_must_be_in_a_group_of_its_kind():
    rubric = rubrics.rubric_for(RubricKind.PHONE, 2024)
    item = RubricItem(
        rubric=rubric, group=RubricGroup.FACILITIES, code="X1", label="廁所", max_points=5
    )
    with pytest.raises(ValidationError, match="不是電話禮貌測試評分表的項目分組"):
        item.full_clean()


def test_the_admin_cannot_edit_the_items_of_a_used_version(client_as, cast, agency_a):
    used = make_phone_test(cast["reviewer"], agency_a, date(2024, 3, 26)).rubric
    unused = rubrics.rubric_for(RubricKind.PHONE, 2025)
    client = client_as("admin")
    page = client.get(f"/admin/evaluations/rubric/{used.pk}/change/").text
    assert 'name="items-0-max_points"' not in page
    page = client.get(f"/admin/evaluations/rubric/{unused.pk}/change/").text
    assert 'name="items-0-max_points"' in page
