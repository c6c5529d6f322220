"""NT$ amounts shown in 元 / 千元 / 萬元 / 億元 and in the spoken long form (tainan_rdec.roc)."""

from decimal import Decimal

import pytest
from django.template import engines

from tainan_rdec.roc import format_money, format_money_spoken


def render(source, **context):
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (105_092_000_000, "億元", "1,050.92億元"),
        (639_442_789, "億元", "6.39億元"),
        (639_442_789, "萬元", "63,944萬元"),
        (639_442_789, "千元", "639,443千元"),
        (639_442_789, "元", "639,442,789元"),
        (0, "萬元", "0萬元"),
        (0, "億元", "0.00億元"),
        (Decimal("1234567.89"), "元", "1,234,568元"),
    ],
)
def test_it_shows_an_amount_in_the_requested_unit(value, unit, expected):
    assert format_money(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (15_000, "萬元", "2萬元"),
        (14_999, "萬元", "1萬元"),
        (1_500, "千元", "2千元"),
        (2_500, "千元", "3千元"),  # half-up, not banker's rounding
        (12_345_000, "億元", "0.12億元"),
        (12_500_000, "億元", "0.13億元"),
        (Decimal("0.5"), "元", "1元"),
        (Decimal("2.5"), "元", "3元"),
    ],
)
def test_it_rounds_half_up(value, unit, expected):
    assert format_money(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (-105_092_000_000, "億元", "-1,050.92億元"),
        (-15_000, "萬元", "-2萬元"),
        (-1_234_567, "元", "-1,234,567元"),
    ],
)
def test_it_keeps_the_sign_of_negative_amounts(value, unit, expected):
    assert format_money(value, unit) == expected


def test_it_does_not_show_minus_zero_for_a_tiny_negative_amount():
    assert format_money(-100_000, "億元") == "0.00億元"


def test_it_takes_a_decimals_override():
    assert format_money(639_442_789, "萬元", decimals=2) == "63,944.28萬元"
    assert format_money(105_092_000_000, "億元", decimals=0) == "1,051億元"


def test_it_can_leave_the_unit_off_for_tables_that_state_it_in_the_header():
    assert format_money(105_092_000_000, "億元", with_unit=False) == "1,050.92"


def test_it_shows_none_as_empty_text():
    assert format_money(None, "萬元") == ""
    assert format_money_spoken(None) == ""


def test_it_reads_a_float_by_its_decimal_form_not_its_binary_value():
    # 1.005 is stored as 1.00499999...; read as a binary value it would round down.
    assert format_money(1.005, "元", decimals=2) == "1.01元"


def test_it_refuses_an_unknown_unit():
    with pytest.raises(ValueError, match="unknown money unit"):
        format_money(100, "美元")


@pytest.mark.parametrize("value", ["100", True, Decimal("NaN")])
def test_it_refuses_values_that_are_not_amounts(value):
    with pytest.raises((TypeError, ValueError)):
        format_money(value, "元")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (639_442_789, "6億3,944萬2,789元"),
        (500_000_000, "5億元"),
        (12_345, "1萬2,345元"),
        (0, "0元"),
        (9_999, "9,999元"),
        (600_000_001, "6億1元"),
        (100_050_000, "1億5萬元"),
        (-639_442_789, "-6億3,944萬2,789元"),
        (Decimal("12345.5"), "1萬2,346元"),
        (1_234_500_000_000, "12,345億元"),
    ],
)
def test_it_writes_the_spoken_long_form_skipping_zero_parts(value, expected):
    assert format_money_spoken(value) == expected


def test_money_filter_defaults_to_wan_and_takes_a_unit():
    source = '{{ a|money }}|{{ a|money:"億元" }}|{{ a|money:"千元" }}|{{ a|money_spoken }}'
    assert render(source, a=639_442_789) == "63,944萬元|6.39億元|639,443千元|6億3,944萬2,789元"


@pytest.mark.parametrize("value", [None, ""])
def test_money_filters_render_missing_values_as_nothing(value):
    assert render('[{{ a|money }}{{ a|money:"億元" }}{{ a|money_spoken }}]', a=value) == "[]"


def test_money_filters_leave_non_amounts_unchanged():
    assert render("{{ a|money }}|{{ a|money_spoken }}", a="未編列") == "未編列|未編列"


def test_money_filter_fails_loudly_on_a_unit_typo():
    with pytest.raises(ValueError, match="unknown money unit"):
        render('{{ a|money:"萬" }}', a=100)
