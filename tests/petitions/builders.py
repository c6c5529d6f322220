"""Small builders for petition cases, shared by the page and API tests."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from itertools import count

from django.apps import apps

from petitions.choices import CaseStatus, Channel
from petitions.models import Case, Subcategory
from tainan_rdec.workdays import TAIPEI

# A petitioner's personal data: tests assert these strings never leave where they may be shown.
PETITIONER_NAME = "王小明"
PETITIONER_PHONE = "0912-345-678"
PETITIONER_EMAIL = "xiaoming.wang@example.tw"

_numbers = count(1)


def ensure_categories() -> None:
    """The OPEN1999 categories the data migration loads; a transactional test's flush empties
    them for the tests after it, so load them again when gone."""
    if not Subcategory.objects.exists():
        importlib.import_module("petitions.migrations.0002_open1999_categories").load(apps, None)


def subcategory(code: str = "0501") -> Subcategory:
    """A subcategory by its Open311 service_code (0501 = 道路維修／路面坑洞)."""
    ensure_categories()
    return Subcategory.objects.select_related("category").get(code=code)


def taipei(*args) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


def make_case(
    agency,
    *,
    received_at: datetime | None = None,
    due_date: date | None = None,
    status: str = CaseStatus.RECEIVED,
    code: str = "0501",
    **extra,
) -> Case:
    sub = subcategory(code)
    received_at = received_at or taipei(2024, 2, 1, 9, 30)
    extra.setdefault("case_number", f"UN{received_at:%Y%m%d}{next(_numbers):04d}")
    extra.setdefault("channel", Channel.HOTLINE_1999)
    extra.setdefault("description", "中華路一段路面坑洞，機車行經危險")
    extra.setdefault("address", "臺南市東區中華東路一段100號")
    extra.setdefault("petitioner_name", PETITIONER_NAME)
    extra.setdefault("petitioner_phone", PETITIONER_PHONE)
    extra.setdefault("petitioner_email", PETITIONER_EMAIL)
    return Case.objects.create(
        subcategory=sub,
        category=sub.category,
        handling_agency=agency,
        received_at=received_at,
        due_date=due_date or received_at.date(),
        status=status,
        **extra,
    )
