"""Republic of China (民國) calendar dates and NT$ amounts, the way the users write them.

Pure functions, no models. Dates are stored as ordinary ``date``/``datetime`` and only turned
into ROC text at the edges: templates (``tainan_rdec.templatetags.roc``), forms
(``tainan_rdec.forms``), exports and PDFs.

ROC year = Gregorian year − 1911 (民國元年 = 1912).

Shapes (DOMAIN.md, "Presentation"):

- tables ``113.3.26``, prose ``113年3月26日``, formal headers ``中華民國113年3月26日``,
  reporting periods ``113年3月``, exports ``113/03/26``;
- money in 元 shown as ``1,050.92億元`` or spoken-style ``6億3,944萬2,789元``.

Parsing rule for the year part: 4 digits are a Gregorian year (must be 1912 or later), 1 to 3
digits are an ROC year. So ``24.3.26`` is ROC 24 (1935-03-26), never 2024: the users think in
ROC years, and a form that must refuse old dates says so with its own range check. Single-digit
years are read too, so everything the formatters print parses back (``1.1.1`` is 1912-01-01).
``0113.3.26`` is refused because its 4-digit year would be Gregorian 113, before 民國元年.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

ROC_OFFSET = 1911

__all__ = [
    "MONEY_UNITS",
    "ROCDateError",
    "format_money",
    "format_money_spoken",
    "format_roc_date",
    "format_roc_date_export",
    "format_roc_date_formal",
    "format_roc_date_long",
    "format_roc_month",
    "parse_roc_date",
    "parse_roc_month",
    "to_roc_year",
]


class ROCDateError(ValueError):
    """Text that is not a date the users could have meant; the message is for the user."""


# ---------------------------------------------------------------------------------------------
# Formatting dates


def to_roc_year(year: int) -> int:
    """Gregorian year → ROC year (2024 → 113). Years before 民國元年 (1912) raise ValueError."""
    if year <= ROC_OFFSET:
        raise ValueError(f"{year} is before ROC year 1 (1912)")
    return year - ROC_OFFSET


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        # An aware datetime is a moment; the users' calendar day is the one in Asia/Taipei.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def format_roc_date(value: datetime.date | datetime.datetime | None) -> str:
    """Table form: ``113.3.26``."""
    if value is None:
        return ""
    d = _as_date(value)
    return f"{to_roc_year(d.year)}.{d.month}.{d.day}"


def format_roc_date_long(value: datetime.date | datetime.datetime | None) -> str:
    """Prose and document form: ``113年3月26日``."""
    if value is None:
        return ""
    d = _as_date(value)
    return _("{year}年{month}月{day}日").format(year=to_roc_year(d.year), month=d.month, day=d.day)


def format_roc_month(value: datetime.date | datetime.datetime | None) -> str:
    """Reporting period: ``113年3月``."""
    if value is None:
        return ""
    d = _as_date(value)
    return _("{year}年{month}月").format(year=to_roc_year(d.year), month=d.month)


def format_roc_date_export(value: datetime.date | datetime.datetime | None) -> str:
    """Export (xlsx/csv) form: ``113/03/26``."""
    if value is None:
        return ""
    d = _as_date(value)
    return f"{to_roc_year(d.year)}/{d.month:02d}/{d.day:02d}"


def format_roc_date_formal(value: datetime.date | datetime.datetime | None) -> str:
    """Formal header form: ``中華民國113年3月26日``."""
    if value is None:
        return ""
    d = _as_date(value)
    return _("中華民國{year}年{month}月{day}日").format(
        year=to_roc_year(d.year), month=d.month, day=d.day
    )


# ---------------------------------------------------------------------------------------------
# Parsing dates

_ROC_PREFIX = r"(?:中華民國|民國)?"
_CHINESE_DATE = re.compile(
    r"^(?P<prefix>" + _ROC_PREFIX + r")\s*(?P<sign>-?)(?P<year>\d+)\s*年\s*(?P<month>\d{1,2})\s*月"
    r"\s*(?P<day>\d{1,2})\s*日?$"
)
# One separator used consistently: 113.3.26, 113/3/26, 113-03-26, 2024-03-26.
_SEPARATED_DATE = re.compile(
    r"^(?P<sign>-?)(?P<year>\d+)(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})$"
)
_COMPACT_DATE = re.compile(r"^(?P<sign>-?)(?P<digits>\d{6,8})$")

_CHINESE_MONTH = re.compile(
    r"^(?P<prefix>" + _ROC_PREFIX + r")\s*(?P<sign>-?)(?P<year>\d+)\s*年\s*(?P<month>\d{1,2})"
    r"\s*月?$"
)
_SEPARATED_MONTH = re.compile(r"^(?P<sign>-?)(?P<year>\d+)[./-](?P<month>\d{1,2})$")
_COMPACT_MONTH = re.compile(r"^(?P<sign>-?)(?P<digits>\d{4,6})$")


def _normalize(text: str) -> str:
    # NFKC turns full-width digits and separators (１１３／３／２６) into ASCII ones.
    return unicodedata.normalize("NFKC", text).strip()


def _unrecognized_date(original: str) -> ROCDateError:
    return ROCDateError(
        _("無法辨識的日期格式「{text}」，請以民國年輸入，例如 113.3.26。").format(text=original)
    )


def _unrecognized_month(original: str) -> ROCDateError:
    return ROCDateError(
        _("無法辨識的月份格式「{text}」，請以民國年輸入，例如 113.3 或 113年3月。").format(
            text=original
        )
    )


def _invalid(original: str, reason: str, *, month_only: bool = False) -> ROCDateError:
    if month_only:
        message = _("「{text}」不是有效的月份：{reason}")
    else:
        message = _("「{text}」不是有效的日期：{reason}")
    return ROCDateError(message.format(text=original, reason=reason))


def _gregorian_year(
    year_digits: str, *, negative: bool, roc_only: bool, original: str, month_only: bool
) -> int:
    """Apply the year rule: 4 digits Gregorian, 1–3 digits ROC; anything else is refused."""
    if negative or (len(year_digits) <= 3 and int(year_digits) == 0):
        raise _invalid(original, _("民國年必須大於 0。"), month_only=month_only)
    if len(year_digits) == 4 and not roc_only:
        year = int(year_digits)
        if year <= ROC_OFFSET:
            raise _invalid(
                original,
                _(
                    "4 位數的年份視為西元年，須在 1912 年（民國元年）以後；"
                    "民國年請輸入 1 到 3 位數，例如 113.3.26。"
                ),
                month_only=month_only,
            )
        return year
    if len(year_digits) <= 3:
        return int(year_digits) + ROC_OFFSET
    raise _unrecognized_month(original) if month_only else _unrecognized_date(original)


def _build_date(
    original: str, year: int, month: int, day: int, *, month_only: bool = False
) -> datetime.date:
    if not 1 <= month <= 12:
        raise _invalid(original, _("月份必須介於 1 到 12。"), month_only=month_only)
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise _invalid(
            original,
            _("{year}年{month}月沒有{day}日。").format(
                year=year - ROC_OFFSET, month=month, day=day
            ),
        )
    return datetime.date(year, month, day)


# Pure (text in, date out; a refusal is raised, so never remembered): a bulk import reads the
# same few thousand days a million times.
@functools.lru_cache(maxsize=8192)
def parse_roc_date(text: str) -> datetime.date:
    """Read a date the way a civil servant types it; raise ROCDateError otherwise.

    Accepted: ``113.3.26``, ``113/3/26``, ``113-03-26``, ``113年3月26日`` (also with 民國 or
    中華民國 in front), compact ``1130326`` (7 digits, ROC) and ``990326`` (6 digits, ROC year
    below 100), ``20240326`` (8 digits, Gregorian), ISO ``2024-03-26`` and ``2024/03/26``;
    full-width digits and surrounding spaces are fine. See the module docstring for the year rule.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    original = text.strip()
    value = _normalize(text)
    if not value:
        raise ROCDateError(_("請輸入日期，例如 113.3.26。"))

    if match := _COMPACT_DATE.match(value):
        digits = match["digits"]
        year_digits, month, day = digits[:-4], int(digits[-4:-2]), int(digits[-2:])
        roc_only = False
    elif match := _SEPARATED_DATE.match(value):
        year_digits, month, day = match["year"], int(match["month"]), int(match["day"])
        roc_only = False
    elif match := _CHINESE_DATE.match(value):
        year_digits, month, day = match["year"], int(match["month"]), int(match["day"])
        # "民國2024年" is a typo, not Gregorian 2024.
        roc_only = bool(match["prefix"])
    else:
        raise _unrecognized_date(original)

    year = _gregorian_year(
        year_digits,
        negative=bool(match["sign"]),
        roc_only=roc_only,
        original=original,
        month_only=False,
    )
    return _build_date(original, year, month, day)


def parse_roc_month(text: str) -> datetime.date:
    """Read a reporting month and return its first day; raise ROCDateError otherwise.

    Accepted: ``113年3月``, ``113.3``, ``113/03``, ``113-03``, compact ``11303`` (5 digits, ROC),
    ``9903`` (4 digits, ROC year below 100), ``202403`` (6 digits, Gregorian), ISO ``2024-03``
    and ``2024/03``. Same year rule as ``parse_roc_date``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    original = text.strip()
    value = _normalize(text)
    if not value:
        raise ROCDateError(_("請輸入月份，例如 113.3。"))

    if match := _COMPACT_MONTH.match(value):
        digits = match["digits"]
        year_digits, month = digits[:-2], int(digits[-2:])
        roc_only = False
    elif match := _SEPARATED_MONTH.match(value):
        year_digits, month = match["year"], int(match["month"])
        roc_only = False
    elif match := _CHINESE_MONTH.match(value):
        year_digits, month = match["year"], int(match["month"])
        roc_only = bool(match["prefix"])
    else:
        raise _unrecognized_month(original)

    year = _gregorian_year(
        year_digits,
        negative=bool(match["sign"]),
        roc_only=roc_only,
        original=original,
        month_only=True,
    )
    return _build_date(original, year, month, 1, month_only=True)


# ---------------------------------------------------------------------------------------------
# Money

# Unit → (power of ten in 元, default number of decimals).
MONEY_UNITS: dict[str, tuple[int, int]] = {
    "元": (0, 0),
    "千元": (3, 0),
    "萬元": (4, 0),
    "億元": (8, 2),
}


def _to_decimal(value: int | Decimal | float) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("expected an amount, got bool")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # An aggregate can hand us a float; read its shortest decimal form, never compute on it.
        amount = Decimal(repr(value))
    else:
        raise TypeError(f"expected an amount, got {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def _round_half_up(amount: Decimal, decimals: int) -> Decimal:
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    # -0.001億元 rounds to zero; show "0.00", not "-0.00".
    return rounded.copy_abs() if rounded.is_zero() else rounded


def format_money(
    value: int | Decimal | None,
    unit: str,
    *,
    decimals: int | None = None,
    with_unit: bool = True,
) -> str:
    """An amount in 元 shown in ``unit`` (元, 千元, 萬元, 億元): ``1,050.92億元``.

    Defaults: 億元 with 2 decimals, the others with none; ``decimals`` overrides. Rounds half up
    on Decimal, keeps the sign, and uses thousands separators. None → "".
    """
    if value is None:
        return ""
    try:
        power, default_decimals = MONEY_UNITS[unit]
    except KeyError:
        raise ValueError(
            f"unknown money unit {unit!r}; use one of {', '.join(MONEY_UNITS)}"
        ) from None
    places = default_decimals if decimals is None else decimals
    if places < 0:
        raise ValueError("decimals must be 0 or more")
    amount = _round_half_up(_to_decimal(value).scaleb(-power), places)
    text = f"{amount:,.{places}f}"
    return text + unit if with_unit else text


def format_money_spoken(value: int | Decimal | None) -> str:
    """An amount in 元 the way documents write it: ``6億3,944萬2,789元``.

    Rounded half up to whole 元; zero parts are skipped (``5億元``, ``1萬2,345元``, ``0元``).
    Amounts of 1兆 and more stay in 億 (``12,345億元``), as the city's budget documents do.
    None → "".
    """
    if value is None:
        return ""
    amount = int(_round_half_up(_to_decimal(value), 0))
    sign = "-" if amount < 0 else ""
    yi, rest = divmod(abs(amount), 10**8)
    wan, yuan = divmod(rest, 10**4)
    parts = [f"{n:,}{name}" for n, name in ((yi, "億"), (wan, "萬"), (yuan, "")) if n]
    return sign + ("".join(parts) or "0") + "元"
