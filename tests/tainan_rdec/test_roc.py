"""ROC-calendar formatting and parsing (tainan_rdec.roc) and the date template filters.

Decisions pinned here:
- a 4-digit year is Gregorian (1912 or later), 1–3 digits are ROC, so ``24.3.26`` is 民國24年
  (1935), not 2024, and ``1.1.1`` (what the formatter prints for 1912-01-01) parses back;
- ``0113.3.26`` is refused: as a 4-digit year it would be Gregorian 113, before 民國元年.
"""

import datetime

import pytest
from django.template import engines

from tainan_rdec.roc import (
    ROCDateError,
    format_roc_date,
    format_roc_date_export,
    format_roc_date_formal,
    format_roc_date_long,
    format_roc_month,
    parse_roc_date,
    parse_roc_month,
    to_roc_year,
)

MARCH_26 = datetime.date(2024, 3, 26)
UTC = datetime.UTC


# --- formatting --------------------------------------------------------------------------------


def test_it_converts_gregorian_year_to_roc_year():
    assert to_roc_year(2024) == 113
    assert to_roc_year(1912) == 1


def test_it_refuses_years_before_roc_year_one():
    with pytest.raises(ValueError):
        to_roc_year(1911)


@pytest.mark.parametrize(
    ("formatter", "expected"),
    [
        (format_roc_date, "113.3.26"),
        (format_roc_date_long, "113年3月26日"),
        (format_roc_month, "113年3月"),
        (format_roc_date_export, "113/03/26"),
        (format_roc_date_formal, "中華民國113年3月26日"),
    ],
)
def test_it_formats_a_date_in_each_presentation_shape(formatter, expected):
    assert formatter(MARCH_26) == expected


@pytest.mark.parametrize(
    "formatter",
    [
        format_roc_date,
        format_roc_date_long,
        format_roc_month,
        format_roc_date_export,
        format_roc_date_formal,
    ],
)
def test_it_formats_none_as_empty_text(formatter):
    assert formatter(None) == ""


def test_it_shows_an_aware_datetime_on_its_taipei_calendar_day():
    late_evening_utc = datetime.datetime(2024, 3, 25, 23, 30, tzinfo=UTC)  # 07:30 on 3/26 in Taipei
    assert format_roc_date(late_evening_utc) == "113.3.26"
    assert format_roc_date_long(late_evening_utc) == "113年3月26日"


def test_it_takes_a_naive_datetime_at_face_value():
    assert format_roc_date(datetime.datetime(2024, 3, 25, 23, 30)) == "113.3.25"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2023, 12, 31), "112/12/31"),
        (datetime.date(2024, 1, 1), "113/01/01"),
        (datetime.date(2010, 3, 5), "99/03/05"),
    ],
)
def test_it_pads_month_and_day_in_exports_across_year_boundaries(day, expected):
    assert format_roc_date_export(day) == expected


def test_it_rejects_non_dates_when_formatting():
    with pytest.raises(TypeError):
        format_roc_date("2024-03-26")


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "113/3/26",
        "113.3.26",
        "113-03-26",
        "113/03/26",
        "113年3月26日",
        "113年3月26",
        "民國113年3月26日",
        "中華民國113年3月26日",
        "1130326",
        "2024-03-26",
        "2024/03/26",
        "2024.3.26",
        "20240326",
        "2024年3月26日",
        "  113.3.26  ",
        "１１３．３．２６",
        "１１３／０３／２６",
        "１１３年３月２６日",
        "\u3000１１３０３２６\u3000",
    ],
)
def test_it_reads_the_ways_users_type_a_date(text):
    assert parse_roc_date(text) == MARCH_26


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("112.12.31", datetime.date(2023, 12, 31)),
        ("113.1.1", datetime.date(2024, 1, 1)),
        ("1130101", datetime.date(2024, 1, 1)),
        ("1121231", datetime.date(2023, 12, 31)),
        ("990326", datetime.date(2010, 3, 26)),
        ("99.3.26", datetime.date(2010, 3, 26)),
        ("100.1.1", datetime.date(2011, 1, 1)),
        ("01.1.1", datetime.date(1912, 1, 1)),
        ("1.1.1", datetime.date(1912, 1, 1)),
        ("民國1年1月1日", datetime.date(1912, 1, 1)),
        ("1912-01-01", datetime.date(1912, 1, 1)),
    ],
)
def test_it_reads_dates_at_year_and_century_boundaries(text, expected):
    assert parse_roc_date(text) == expected


def test_it_reads_a_two_digit_year_as_roc_not_gregorian():
    assert parse_roc_date("24.3.26") == datetime.date(1935, 3, 26)


def test_it_accepts_leap_day_in_a_leap_year():
    assert parse_roc_date("113.2.29") == datetime.date(2024, 2, 29)


def test_it_rejects_leap_day_in_a_common_year_with_chinese_message():
    with pytest.raises(ROCDateError) as excinfo:
        parse_roc_date("112.2.29")
    assert str(excinfo.value) == "「112.2.29」不是有效的日期：112年2月沒有29日。"


def test_it_rejects_feb_30_with_chinese_message():
    with pytest.raises(ROCDateError) as excinfo:
        parse_roc_date("113.2.30")
    assert str(excinfo.value) == "「113.2.30」不是有效的日期：113年2月沒有30日。"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("113.13.1", "月份必須介於 1 到 12。"),
        ("113.0.1", "月份必須介於 1 到 12。"),
        ("1131301", "月份必須介於 1 到 12。"),
        ("113.4.31", "113年4月沒有31日。"),
        ("113.3.0", "113年3月沒有0日。"),
        ("2023-02-29", "112年2月沒有29日。"),
        ("00.3.26", "民國年必須大於 0。"),
        ("000.3.26", "民國年必須大於 0。"),
        ("0000326", "民國年必須大於 0。"),
        ("-1.3.26", "民國年必須大於 0。"),
        ("0113.3.26", "4 位數的年份視為西元年"),
        ("1911-12-31", "4 位數的年份視為西元年"),
    ],
)
def test_it_rejects_impossible_dates_saying_why(text, reason):
    with pytest.raises(ROCDateError) as excinfo:
        parse_roc_date(text)
    assert str(excinfo.value).startswith(f"「{text}」不是有效的日期：")
    assert reason in str(excinfo.value)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "3.26",
        "113/3.26",  # mixed separators
        "113.3.26.1",
        "11326",
        "113.3.26 10:00",
        "12024.3.26",
        "113年3月",
        "民國2024年3月26日",
    ],
)
def test_it_rejects_unrecognized_text_with_an_example_of_the_expected_form(text):
    with pytest.raises(ROCDateError) as excinfo:
        parse_roc_date(text)
    expected = f"無法辨識的日期格式「{text}」，請以民國年輸入，例如 113.3.26。"
    assert str(excinfo.value) == expected


def test_it_asks_for_a_date_when_given_blank_text():
    with pytest.raises(ROCDateError, match="請輸入日期"):
        parse_roc_date("   ")


def test_roc_date_error_is_a_value_error():
    assert issubclass(ROCDateError, ValueError)


@pytest.mark.parametrize("day", [datetime.date(1912, 1, 1), MARCH_26, datetime.date(2910, 12, 31)])
def test_it_round_trips_every_shape_it_prints(day):
    for formatter in (
        format_roc_date,
        format_roc_date_long,
        format_roc_date_export,
        format_roc_date_formal,
    ):
        assert parse_roc_date(formatter(day)) == day


@pytest.mark.parametrize(
    "text",
    [
        "113年3月",
        "民國113年3月",
        "113.3",
        "113/03",
        "113-03",
        "11303",
        "2024-03",
        "2024/03",
        "202403",
        "１１３．３",
    ],
)
def test_it_reads_a_reporting_month_as_its_first_day(text):
    assert parse_roc_month(text) == datetime.date(2024, 3, 1)


def test_it_reads_a_compact_month_for_roc_years_below_100():
    assert parse_roc_month("9903") == datetime.date(2010, 3, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("113.13", "「113.13」不是有效的月份：月份必須介於 1 到 12。"),
        ("00.3", "「00.3」不是有效的月份：民國年必須大於 0。"),
        ("113.3.26", "無法辨識的月份格式「113.3.26」，請以民國年輸入，例如 113.3 或 113年3月。"),
    ],
)
def test_it_rejects_bad_months_with_chinese_message(text, message):
    with pytest.raises(ROCDateError) as excinfo:
        parse_roc_month(text)
    assert str(excinfo.value) == message


# --- template filters --------------------------------------------------------------------------


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_date_filters_work_in_templates_without_load():
    source = (
        "{{ d|roc_date }}|{{ d|roc_date_long }}|{{ d|roc_month }}|"
        "{{ d|roc_date_export }}|{{ d|roc_formal }}"
    )
    expected = "113.3.26|113年3月26日|113年3月|113/03/26|中華民國113年3月26日"
    assert render(source, d=MARCH_26) == expected


def test_date_filter_shows_an_aware_datetime_in_taipei_time():
    moment = datetime.datetime(2024, 3, 25, 23, 30, tzinfo=UTC)
    assert render("{{ t|roc_date }}", t=moment) == "113.3.26"


@pytest.mark.parametrize("value", [None, ""])
def test_date_filters_render_missing_values_as_nothing(value):
    assert render("[{{ d|roc_date }}{{ d|roc_date_long }}{{ d|roc_formal }}]", d=value) == "[]"


def test_date_filters_render_an_undefined_variable_as_nothing():
    assert render("[{{ missing|roc_date }}]") == "[]"


@pytest.mark.parametrize("value", ["尚未填報", 42])
def test_date_filters_leave_non_dates_unchanged(value):
    assert render("{{ d|roc_date }}", d=value) == str(value)


def test_date_filter_leaves_a_date_before_roc_year_one_unchanged():
    old = datetime.date(1900, 1, 1)
    assert render("{{ d|roc_date }}", d=old) == render("{{ d }}", d=old)


def test_date_filter_output_is_still_escaped():
    assert render("{{ d|roc_date }}", d="<b>") == "&lt;b&gt;"
