"""Counts and figures are written with thousands separators (``1,976件``), as the city writes them,
on every page that shows them. The zh-hant locale Django ships groups by nothing, so ``localize``
and humanize's ``intcomma`` printed ``1976``; the kernel's ``|number`` filter is the one way."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.template import Context, Template

from tainan_rdec.templatetags.roc import number

# A run of four or more digits that is not part of a grouped number, a decimal, a date
# (113.3.26, 2024-03-26), an address or a code (UN2024…, 113-B06-0003).
BARE = re.compile(r"(?<![\d,.\-/A-Za-z])\d{4,}(?![\d\-/A-Za-z])")
# Names that are numbers but not counts: the 1999 hotline and event names like 2024台灣燈會.
NOT_COUNTS = re.compile(r"1999|20\d\d(?=台灣燈會)")


def bare_numbers(html: str) -> list[str]:
    """Four-digit or longer numbers without separators in the text of the page's <main>, charts'
    labels and titles included."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main)
    text = NOT_COUNTS.sub(" ", text)
    return [m.group(0) for m in BARE.finditer(text)]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1976, None, "1,976"),
        (1_423_456, None, "1,423,456"),
        (-1234, None, "-1,234"),
        (0, None, "0"),
        (Decimal("1234.50"), None, "1,234.50"),
        (1234.5, None, "1,234.5"),
        (Decimal("95.345"), 2, "95.35"),
        (Decimal("12.5"), 0, "13"),
        (Decimal("-0.001"), 2, "0.00"),
        (None, None, ""),
        ("", None, ""),
    ],
)
def test_number_groups_thousands_with_commas(value, decimals, text):
    assert number(value, decimals) == text


def test_number_leaves_what_is_not_a_number_alone():
    assert number("113-B06-0003") == "113-B06-0003"
    assert number(True) is True


def test_number_is_a_builtin_and_ignores_the_zh_hant_locale(settings):
    from django.utils import translation

    with translation.override("zh-hant"):
        html = Template("{% load l10n %}{{ n|number }}件｜{{ n|localize }}").render(
            Context({"n": 1976})
        )
    # localize shows what the locale does (no separator); |number always groups.
    assert html == "1,976件｜1976"


@pytest.fixture
def thousands_of_cases(db, city_agencies):
    """3,000 demo cases over the five years before 114.12.31, through the demo generator (the
    same writer and rollups ``seed_demo --petitions`` uses)."""
    import time_machine

    from petitions import demo
    from tests.petitions.builders import ensure_categories

    ensure_categories()
    today = date(2025, 12, 31)
    with time_machine.travel(date(2025, 12, 31), tick=False):
        assert demo.generate_cases(3_000, today=today) == 3_000
    return today


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/petitions/dashboard/", "/petitions/", "/petitions/mine/"])
def test_the_petitions_pages_group_their_counts(client_as, thousands_of_cases, path):
    import time_machine

    with time_machine.travel(date(2026, 1, 5), tick=False):
        response = client_as("reviewer").get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert bare_numbers(html) == []
    if path != "/petitions/mine/":
        assert re.search(r"共 \d{1,3}(,\d{3})+ 件", html), "the total is in thousands"


@pytest.mark.django_db
def test_the_awards_summary_groups_its_counts(client_as, agency_a):
    from awards.choices import AwardClass
    from tests.awards.factories import make_award

    make_award(agency_a, award_class=AwardClass.FIRST_PLACE, is_top=True)
    Award = make_award(agency_a).__class__
    template = Award.objects.get(award_class=AwardClass.MERIT)
    copies = []
    for n in range(1, 1_662):
        template.pk = None
        template.name = f"績優獎項第{n}號"
        copies.append(
            Award(**{f.attname: getattr(template, f.attname) for f in Award._meta.fields})
        )
    Award.objects.bulk_create(copies)
    assert Award.objects.count() == 1_663

    html = client_as("reviewer").get("/awards/summary/").content.decode()

    assert "1,663" in html
    assert bare_numbers(html) == []


@pytest.mark.django_db
def test_the_evaluations_pages_group_their_counts(client_as, cast, agency_a):
    from evaluations.models import PhoneTest
    from tests.evaluations.conftest import make_phone_test

    first = make_phone_test(cast["reviewer"], agency_a, date(2025, 3, 4))
    base = first.reference
    copies = []
    for n in range(1_200):
        first.pk = None
        first.tested_at = time(8 + n % 9, n % 60)
        first.reference = f"{base}-{n}"
        copies.append(
            PhoneTest(**{f.attname: getattr(first, f.attname) for f in PhoneTest._meta.fields})
        )
    PhoneTest.objects.bulk_create(copies)

    client = client_as("reviewer")
    for path in ["/evaluations/?year=114", "/evaluations/phone-tests/?year=114"]:
        html = client.get(path).content.decode()
        assert "1,201" in html, path
        assert bare_numbers(html) == [], path
