"""Redaction of personal data from text the open-data feeds publish (tainan_rdec/redaction.py).

Every pattern the issue names, written the ways citizens write them (half- and full-width,
with and without separators), and the text around them left as it was."""

import pytest

from tainan_rdec.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # National ID: the letter and the sex digit stay, the shape stays.
        ("身分證A123456789", "身分證A1********"),
        ("身分證字號 f234567890。", "身分證字號 f2********。"),
        # Resident certificates: new (second character 8 or 9) and old (A-D).
        ("居留證A823456789", "居留證A8********"),
        ("居留證Z912345678", "居留證Z9********"),
        ("舊式居留證AC12345678", "舊式居留證AC********"),
        # Mobile numbers, with and without separators, full-width digits and +886.
        ("電話0912-345-678", "電話09**-***-***"),
        ("手機0912345678聯絡", "手機09********聯絡"),
        ("手機 0912 345 678", "手機 09** *** ***"),
        ("手機０９１２－３４５－６７８", "手機０９**－***－***"),
        ("+886-912-345-678", "+88*-***-***-***"),
        # Landlines, with the area code in brackets or not.
        ("市話(06)299-1111", "市話(06)***-****"),
        ("市話06-2991111", "市話06-*******"),
        ("市話062991111", "市話06*******"),
        ("台北02-2345-6789轉", "台北02-****-****轉"),
        # E-mail.
        ("信箱xiaoming.wang@example.tw", "信箱xi******.****@*******.**"),
        # Addresses: the house number, lane, alley, floor and 之N go; the road and section stay.
        ("臺南市東區大學路1號", "臺南市東區大學路"),
        ("臺南市東區大學路一段1號3樓之2", "臺南市東區大學路一段"),
        ("臺南市東區中華東路一段100號", "臺南市東區中華東路一段"),
        ("安平區安北路121巷1弄2號", "安平區安北路"),
        ("仁德區中正路3段100號5F", "仁德區中正路3段"),
        ("大學路1之3號", "大學路"),
        ("大學路1-3號地下1樓", "大學路"),
        ("住在大學路 22 號 3 樓，門口路燈壞了", "住在大學路，門口路燈壞了"),
        ("東山區東河里1鄰100號", "東山區東河里"),
        ("中正路１００號之一前", "中正路前"),
    ],
)
def test_each_pattern_is_masked_and_the_text_around_it_kept(text, expected):
    assert redact(text) == expected


def test_the_issue_example_keeps_no_identifier():
    text = (
        "本人王小明（電話0912-345-678，身分證A123456789），"
        "住臺南市東區大學路1號3樓，信箱wang@example.tw"
    )

    assert redact(text) == (
        "本人王小明（電話09**-***-***，身分證A1********），住臺南市東區大學路，信箱wa**@*******.**"
    )


def test_names_the_caller_knows_are_masked_too():
    assert redact("本人王小明陳情，王小明表示", known=("王小明", "")) == "本人王**陳情，王**表示"


@pytest.mark.parametrize(
    "text",
    [
        "中華路一段路面坑洞，機車行經危險",
        "國道1號永康交流道下匝道",  # a freeway number, not a house number
        "測試工程第12號",
        "處理期限 3 個工作天",
        "113.3.26 上午0930-1130 施工",
        "案件UN202403260001已轉工務局（B06）",
        "預算1,050萬元，2024-06-07完工",
        "",
    ],
)
def test_text_without_personal_data_is_unchanged(text):
    assert redact(text) == text


def test_none_stays_none():
    assert redact(None) is None
