"""ROCDateField and ROCMonthField: typed ROC dates in, the same ROC text shown back."""

import datetime

import pytest
from django import forms

from tainan_rdec.forms import ROCDateField, ROCMonthField

MARCH_26 = datetime.date(2024, 3, 26)


class FilingForm(forms.Form):
    filed_on = ROCDateField(label="填報日期")
    period = ROCMonthField(label="填報月份", required=False)


@pytest.mark.parametrize("typed", ["1130326", "113.3.26", "113/3/26", "113年3月26日", "2024-03-26"])
def test_it_cleans_a_typed_roc_date_to_a_date(typed):
    form = FilingForm(data={"filed_on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["filed_on"] == MARCH_26


def test_it_shows_the_parsers_chinese_message_for_an_impossible_date():
    form = FilingForm(data={"filed_on": "113.2.30"})
    assert not form.is_valid()
    assert form.errors["filed_on"] == ["「113.2.30」不是有效的日期：113年2月沒有30日。"]


def test_it_asks_for_a_missing_required_date_in_chinese():
    form = FilingForm(data={"filed_on": ""})
    assert not form.is_valid()
    assert form.errors["filed_on"] == ["請輸入日期。"]


def test_it_renders_an_initial_date_in_roc_form():
    form = FilingForm(initial={"filed_on": MARCH_26, "period": datetime.date(2024, 3, 1)})
    html = str(form["filed_on"])
    assert 'value="113.3.26"' in html
    assert 'value="113.3"' in str(form["period"])


def test_it_renders_a_bound_form_from_the_initial_date_and_round_trips():
    unbound = FilingForm(initial={"filed_on": MARCH_26})
    shown = unbound["filed_on"].value()
    assert unbound["filed_on"].field.widget.format_value(shown) == "113.3.26"

    bound = FilingForm(data={"filed_on": "113.3.26"}, initial={"filed_on": MARCH_26})
    assert 'value="113.3.26"' in str(bound["filed_on"])
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["filed_on"] == MARCH_26
    assert not bound.has_changed()


def test_it_shows_back_what_the_user_typed_when_invalid():
    form = FilingForm(data={"filed_on": "113.2.30"})
    assert 'value="113.2.30"' in str(form["filed_on"])


def test_it_renders_an_aware_initial_datetime_on_its_taipei_day():
    moment = datetime.datetime(2024, 3, 25, 23, 30, tzinfo=datetime.UTC)
    form = FilingForm(initial={"filed_on": moment})
    assert 'value="113.3.26"' in str(form["filed_on"])


def test_the_date_widget_is_a_numeric_text_input_with_an_roc_example():
    html = str(FilingForm()["filed_on"])
    assert 'type="text"' in html
    assert 'type="date"' not in html
    assert 'inputmode="numeric"' in html
    assert 'placeholder="例：113.3.26"' in html


@pytest.mark.parametrize("typed", ["113年3月", "113.3", "113/03", "11303", "2024-03"])
def test_month_field_cleans_to_the_first_day_of_the_month(typed):
    form = FilingForm(data={"filed_on": "113.3.26", "period": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == datetime.date(2024, 3, 1)


def test_month_field_rejects_a_full_date_with_chinese_message():
    form = FilingForm(data={"filed_on": "113.3.26", "period": "113.3.26"})
    assert not form.is_valid()
    assert form.errors["period"] == [
        "無法辨識的月份格式「113.3.26」，請以民國年輸入，例如 113.3 或 113年3月。"
    ]


def test_month_field_treats_a_full_initial_date_as_its_month():
    form = FilingForm(initial={"period": MARCH_26})
    assert 'value="113.3"' in str(form["period"])
    assert ROCMonthField().clean(MARCH_26) == datetime.date(2024, 3, 1)


def test_an_optional_field_left_blank_cleans_to_none():
    form = FilingForm(data={"filed_on": "1130326", "period": "  "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] is None
