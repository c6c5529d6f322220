"""``RegisterResource._clean_fields``, the import's ``Model.clean_fields`` with each field's check
of a choice, number, flag or day remembered: the same verdicts and values as Django's own, row
after row, whatever was remembered before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from petitions.models import Case
from petitions.resources import CaseResource
from tainan_rdec.models import Agency
from tests.petitions.builders import make_case

pytestmark = pytest.mark.django_db


def _verdict(check, case: Case) -> tuple[dict, dict]:
    """The messages of ``check(case)`` by field, and the case's values after it."""
    try:
        check(case)
        errors = {}
    except ValidationError as error:
        errors = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return errors, {f.attname: getattr(case, f.attname) for f in Case._meta.fields}


def _variants() -> list[dict]:
    return [
        {},
        {"published": True, "group_kept": False},
        {"published": 1, "closed_on_time": 0},  # numbers for flags: read as flags
        {"channel": "傳真"},
        {"channel": ""},
        {"satisfaction": 9, "reopened_count": -1},
        {"satisfaction": 5, "processing_days": Decimal("3.5")},
        {"processing_days": Decimal("12345.67")},
        {"address": "", "petitioner_email": "not an address"},
        {"case_number": "UN" + "9" * 40},
        {"received_at": None, "description": ""},
        {"status": "處理完畢"},
    ]


def test_the_imports_field_checks_are_djangos_row_after_row(city_agencies):
    resource = CaseResource()
    stored = make_case(Agency.objects.get(code="B06"))
    exclude = {"subcategory", "category", "district", "handling_agency", "event"}
    for _round in range(2):  # the second time, every check is remembered
        for variant in _variants():
            ours, django = Case.objects.get(pk=stored.pk), Case.objects.get(pk=stored.pk)
            for name, value in variant.items():
                setattr(ours, name, value)
                setattr(django, name, value)
            expected = _verdict(lambda case: case.clean_fields(exclude=exclude), django)
            got = _verdict(lambda case: resource._clean_fields(case, exclude=exclude), ours)
            assert got == expected, variant


def test_a_deferred_field_is_read_and_checked(city_agencies):
    stored = make_case(Agency.objects.get(code="B06"))
    Case.objects.filter(pk=stored.pk).update(channel="傳真")  # not a channel any more
    resource = CaseResource()
    case = Case.objects.only("pk", "case_number").get(pk=stored.pk)
    with pytest.raises(ValidationError) as error:
        resource._clean_fields(case, exclude={"subcategory", "category", "handling_agency"})
    assert list(error.value.message_dict) == ["channel"]
