"""Fixtures for the petitions tests: the OPEN1999 categories and small case builders."""

from __future__ import annotations

import importlib
import itertools
from datetime import datetime

import pytest

from tainan_rdec.workdays import TAIPEI


@pytest.fixture
def open1999(db):
    """The categories the data migration loads; a transactional test elsewhere may have
    flushed them, so reload them when missing."""
    from django.apps import apps

    from petitions.models import Subcategory

    if not Subcategory.objects.filter(code="0501").exists():
        importlib.import_module("petitions.migrations.0002_open1999_categories").load(apps, None)


def taipei(text: str) -> datetime:
    """An aware datetime in Taipei time from "2024-02-07 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=TAIPEI)


@pytest.fixture
def subcategory(open1999):
    """``subcategory("0501")``: a subcategory by code (0501 路面坑洞, category limit 3 days)."""
    from petitions.models import Subcategory

    def get(code: str = "0501"):
        return Subcategory.objects.select_related("category").get(code=code)

    return get


@pytest.fixture
def make_case(subcategory, agency_a):
    """``make_case("2024-02-07 10:00", code="0501", agency=..., channel=..., district=...)``
    registers a case through the service (so the rollups follow)."""
    from petitions.choices import Channel
    from petitions.services import register_case

    numbers = itertools.count(1)

    def make(received: str | datetime, *, code: str = "0501", agency=None, **fields):
        received_at = taipei(received) if isinstance(received, str) else received
        fields.setdefault("channel", Channel.HOTLINE_1999)
        fields.setdefault("description", "路面有坑洞")
        return register_case(
            case_number=f"UN{received_at:%Y%m%d}{next(numbers):05d}",
            received_at=received_at,
            subcategory=subcategory(code),
            handling_agency=agency or agency_a,
            **fields,
        )

    return make
