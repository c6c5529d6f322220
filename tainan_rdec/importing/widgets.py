"""Cell readers and writers for register columns (django-import-export widgets).

``clean`` reads a cell the way the users fill spreadsheets: ROC or ISO dates, Excel date
cells and Excel serial numbers, full-width digits, ``1,234,567``, choice labels in Chinese,
agencies by code. A cell it cannot read raises ``ValueError`` with a Chinese message, which the
import turns into "第12列「欄位」：message". ``render`` writes the export form that ``clean``
reads back unchanged (dates ``113/03/26``, choices by label, agencies by code).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from import_export import widgets
from openpyxl.utils.datetime import from_excel

from tainan_rdec.roc import (
    ROC_OFFSET,
    ROCDateError,
    format_roc_date_export,
    format_roc_date_long,
    parse_roc_date,
    parse_roc_month,
)
from tainan_rdec.tables import FORMULA_PREFIXES  # a cell starting so is a formula to Excel
from tainan_rdec.workdays import TAIPEI

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

# Dates outside this span are typing mistakes (民國24年 for 2024, 3935 for 2024 + 1911), not
# records of the commission; a column may narrow it.
DEFAULT_EARLIEST = datetime.date(1960, 1, 1)
DEFAULT_LATEST = datetime.date(2099, 12, 31)

# Excel stores dates as days since 1899-12-30; 2,958,465 is 9999-12-31. A 5-digit number in a
# date column is such a serial (45377 is 2024-03-26); 6–8 digits are compact dates (1130326).
_SERIAL_MAX_DIGITS = 5
_SERIAL_TEXT = re.compile(r"\d{1,5}(\.\d+)?")
_GREGORIAN_AS_ROC = re.compile(r"^(?:中華)?民國\s*(?P<year>\d{4})\s*年")

LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
LIST_JOINER = "、"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII), surrounding spaces dropped."""
    return unicodedata.normalize("NFKC", text).strip()


def fold(text: str) -> str:
    """A label compared loosely: NFKC, no spaces at all, ASCII lower case."""
    return "".join(normalize(text).split()).lower()


def needs_formula_escape(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(text)


def unescape_formula(text: str) -> str:
    """Drop the apostrophe an export put before ``=`` (see ``workbooks``)."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def number_to_text(value) -> str:
    """A numeric cell in a text column (a case number typed as a number): its digits."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return str(value)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float | Decimal):
        return number_to_text(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return unescape_formula(str(value)).strip()


def to_decimal(value) -> Decimal | None:
    """A numeric cell as an exact Decimal: floats by their shortest repr (45.55, not
    45.549999...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def _plain_key(value):
    """A cell as a memo key: text and numbers, with their type, so that ``1``, ``1.0``,
    ``True`` and ``"1"`` stay apart."""
    if value is None or isinstance(value, str | int | float | Decimal):
        return (type(value), value)
    return None


def plain_cell_key(widget, value, row):
    """``PortalWidget.cell_key`` of a widget whose reading depends on the cell alone (not on
    the row's other cells): a fast path may read a whole column's distinct cells once each."""
    return _plain_key(value)


class PortalWidget(widgets.Widget):
    """Base: blank cells read as ``None``; ``bind`` gives the widget the importing user."""

    #: shown in the template's explanation sheet
    format_hint = ""

    def __init__(self, **kwargs):
        super().__init__(coerce_to_string=False, **kwargs)
        self.user = None

    def bind(self, resource) -> None:
        self.user = resource.user

    def allowed_values(self) -> list[str]:
        """The values a choice column accepts (a data-validation list in the template)."""
        return []

    def cell_key(self, value, row):
        """A key under which this widget's reading of ``value`` (the value or the error) may
        be remembered for the rest of one import, or ``None`` when it must be read each time.
        Only a widget whose reading depends on nothing but the key says so: the fast paths
        read a million cells of a few hundred distinct values once each."""
        return None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        return self.to_python(value)

    def to_python(self, value):
        return value

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class TextWidget(PortalWidget):
    """Text as typed, surrounding spaces dropped (as a form does); blank is ``""``."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


# -- dates ---------------------------------------------------------------------------------


def _roc_label(day: datetime.date) -> str:
    if day.year > ROC_OFFSET:
        return _("民國{roc}（西元{year}年）").format(roc=format_roc_date_long(day), year=day.year)
    return _("西元{year}年{month}月{day}日").format(year=day.year, month=day.month, day=day.day)


def check_plausible(day: datetime.date, text: str, earliest, latest) -> datetime.date:
    """Refuse a date outside [earliest, latest] with the likely mix-up of calendars named."""
    if earliest <= day <= latest:
        return day
    fixed_year = day.year - ROC_OFFSET
    if day.year > latest.year and earliest.year <= fixed_year <= latest.year:
        raise ValueError(
            _(
                "「{text}」的年份是西元{year}年，疑似把西元年當成民國年又加了1911："
                "西元{fixed}年即民國{roc}年，"
                "請寫 {roc}.{month}.{day} 或 {fixed}-{month:02d}-{day:02d}。"
            ).format(
                text=text,
                year=day.year,
                fixed=fixed_year,
                roc=fixed_year - ROC_OFFSET,
                month=day.month,
                day=day.day,
            )
        )
    if day < earliest:
        raise ValueError(
            _(
                "「{text}」讀作{label}，早於{earliest}，疑似民國年與西元年混用："
                "民國年請寫 1 至 3 位數（例如 113.3.26），西元年請寫 4 位數（例如 2024-03-26）。"
            ).format(text=text, label=_roc_label(day), earliest=_roc_label(earliest))
        )
    raise ValueError(
        _("「{text}」讀作{label}，晚於{latest}，請檢查年份。").format(
            text=text, label=_roc_label(day), latest=_roc_label(latest)
        )
    )


def _from_serial(number: Decimal, text: str) -> datetime.datetime:
    if not Decimal(1) <= number <= Decimal(2958465):
        raise ValueError(_("「{text}」不是有效的日期。").format(text=text))
    return from_excel(float(number))


_TIME = re.compile(
    r"^(?P<date>[^\sT]+)(?:(?:\s+|T)(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)


def _parse_text_date(text: str, *, month_only=False) -> tuple[datetime.date, datetime.time | None]:
    """Date (and optional time) typed as text: ROC or ISO, or an Excel serial as digits."""
    value = normalize(text)
    compact = value.replace(",", "")
    if _SERIAL_TEXT.fullmatch(compact):
        moment = _from_serial(Decimal(compact), text)
        return moment.date(), moment.time()
    gregorian_as_roc = _GREGORIAN_AS_ROC.match(value)
    if gregorian_as_roc and int(gregorian_as_roc["year"]) > ROC_OFFSET:
        year = int(gregorian_as_roc["year"])
        raise ValueError(
            _(
                "「{text}」的民國年是4位數：西元{year}年即民國{roc}年，"
                "請寫民國{roc}年或 {year}-月-日。"
            ).format(text=text, year=year, roc=year - ROC_OFFSET)
        )
    match = _TIME.match(value)
    if match is None:
        raise ROCDateError(_("無法辨識的日期格式「{text}」，請寫成 113.3.26。").format(text=text))
    date_text = match["date"]
    if month_only:
        try:
            return parse_roc_month(date_text), None
        except ROCDateError:
            pass  # a full date in a month column means its month
    day = parse_roc_date(date_text)
    if match["h"] is None:
        return day, None
    hour, minute = int(match["h"]), int(match["m"])
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(_("「{text}」的時間不正確。").format(text=text))
    tz = None
    if match["tz"]:
        tz_text = match["tz"]
        if tz_text == "Z":
            tz = datetime.UTC
        else:
            sign = -1 if tz_text[0] == "-" else 1
            digits = tz_text[1:].replace(":", "")
            tz = datetime.timezone(
                sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            )
    return day, datetime.time(hour, minute, second, micro, tzinfo=tz)


def read_moment(value, *, month_only=False) -> tuple[datetime.date, datetime.time | None, str]:
    """(date, time or None, the text to quote in a message) of a date-like cell."""
    if isinstance(value, bool):
        raise ValueError(_("「{text}」不是日期。").format(text=value))
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value, TAIPEI) if timezone.is_aware(value) else value
        return local.date(), local.time(), local.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value, None, value.isoformat()
    number = to_decimal(value)
    if number is not None:
        if number == number.to_integral() and len(str(abs(int(number)))) > _SERIAL_MAX_DIGITS:
            return read_moment(str(int(number)), month_only=month_only)
        moment = _from_serial(number, number_to_text(value))
        return moment.date(), moment.time(), number_to_text(value)
    text = unescape_formula(str(value)).strip()
    day, time = _parse_text_date(text, month_only=month_only)
    return day, time, text


class DateWidget(PortalWidget):
    """A date: ``113.3.26``, ``113/3/26``, ``1130326``, ``2024-03-26``, an Excel date cell or
    serial. Exported as ``113/03/26``."""

    format_hint = gettext_lazy("民國年月日，例如 113/03/26、113.3.26；也接受西元 2024-03-26。")

    def __init__(self, *, earliest=DEFAULT_EARLIEST, latest=DEFAULT_LATEST, **kwargs):
        super().__init__(**kwargs)
        self.earliest, self.latest = earliest, latest

    def to_python(self, value):
        try:
            day, time, text = read_moment(value)
        except ROCDateError as error:
            raise ValueError(str(error)) from error
        if time not in (None, datetime.time(0, 0)):
            raise ValueError(_("「{text}」含有時間，此欄只填日期。").format(text=text))
        return check_plausible(day, text, self.earliest, self.latest)

    def render(self, value, obj=None, **kwargs):
        return format_roc_date_export(value) if value else ""


class MonthWidget(DateWidget):
    """A reporting month: ``113/03``, ``113年3月``, ``2024-03``; a full date means its month.
    Stored as the month's first day."""

    format_hint = gettext_lazy("民國年月，例如 113/03、113年3月；也接受西元 2024-03。")

    def to_python(self, value):
        try:
            day, _time, text = read_moment(value, month_only=True)
        except ROCDateError as error:
            raise ValueError(str(error)) from error
        return check_plausible(day.replace(day=1), text, self.earliest, self.latest)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return f"{value.year - ROC_OFFSET}/{value.month:02d}"


# A moment as the export writes it and most files hold it: a date with separators, one space,
# and a clock (``113/03/26 14:05``, ``2024-03-26 14:05:09``), in ASCII.
_PLAIN_MOMENT = re.compile(
    r"(\d{1,4}[./-]\d{1,2}[./-]\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII
)


@functools.lru_cache(maxsize=20_000)  # five years are 1,827 days
def _plain_day(date_text: str, earliest: datetime.date, latest: datetime.date):
    """The date part of a plain moment, read as a date column with this range reads it, or
    None where that reading refuses it (the full reading of the cell then explains why)."""
    try:
        return DateWidget(earliest=earliest, latest=latest).to_python(date_text)
    except ValueError:
        return None


class DateTimeWidget(DateWidget):
    """A moment: ``113/03/26 14:05`` (Taipei time), ISO ``2024-03-26T14:05:00+08:00``, an Excel
    date-time cell or serial. Exported as ``113/03/26 14:05:09`` in Taipei time."""

    format_hint = gettext_lazy(
        "民國年月日 時:分，例如 113/03/26 14:05；也接受西元 2024-03-26 14:05。"
    )

    def to_python(self, value):
        if isinstance(value, str) and (moment := self._plain_moment(value)) is not None:
            return moment
        return self.read(value)

    def read(self, value) -> datetime.datetime:
        """The full reading of any date-like cell."""
        try:
            day, time, text = read_moment(value)
        except ROCDateError as error:
            raise ValueError(str(error)) from error
        check_plausible(day, text, self.earliest, self.latest)
        time = time or datetime.time(0, 0)
        if time.tzinfo is not None:
            return datetime.datetime.combine(day, time)
        return datetime.datetime.combine(day, time, tzinfo=TAIPEI)

    def _plain_moment(self, text: str) -> datetime.datetime | None:
        """A plain moment (``_PLAIN_MOMENT``) read as its date and its clock apart, the date's
        reading remembered: what the full reading gives, for a tenth of its cost (a case file
        has two moments a row, of a few thousand distinct days). None for any other cell, and
        for one whose date or clock is wrong, which the full reading reads and explains."""
        match = _PLAIN_MOMENT.fullmatch(text)
        if match is None:
            return None
        date_text, hour, minute, second = match.groups()
        hour, minute, second = int(hour), int(minute), int(second or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        day = _plain_day(date_text, self.earliest, self.latest)
        if day is None:
            return None
        return datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TAIPEI)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        local = timezone.localtime(value, TAIPEI)
        text = f"{format_roc_date_export(local)} {local:%H:%M:%S}"
        return f"{text}.{local.microsecond:06d}" if local.microsecond else text


# -- numbers, booleans, choices --------------------------------------------------------------


class FormFieldWidget(PortalWidget):
    """A cell read by the edit form's own field (e.g. the monthly report's ``MoneyField``), so
    an import accepts and refuses exactly what the form does, with the form's messages."""

    def __init__(self, form_field, *, format_hint="", **kwargs):
        super().__init__(**kwargs)
        self.form_field = form_field
        self.format_hint = format_hint
        self.handles_blank = form_field.required

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            if not self.form_field.required:
                return None
            value = None  # the form field's own "required" message
        return self.to_python(value)

    def to_python(self, value):
        if isinstance(value, float):
            value = int(value) if value.is_integer() else Decimal(repr(value))
        elif isinstance(value, str):
            value = unescape_formula(value)
        try:
            return self.form_field.clean(value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error


class IntegerWidget(PortalWidget):
    """A whole number (``12``, ``１２``, ``1,200``)."""

    format_hint = gettext_lazy("整數。")

    cell_key = plain_cell_key

    def to_python(self, value):
        number = to_decimal(value)
        if number is None:
            text = normalize(unescape_formula(str(value))).replace(",", "")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(
                    _("「{text}」不是數字，請填阿拉伯數字。").format(text=value)
                ) from None
        if number != number.to_integral():
            raise ValueError(_("「{text}」須為整數。").format(text=value))
        return int(number)


_TRUE_WORDS = {"是", "y", "yes", "true", "1", "v", "✓", "○", "有", "t"}
_FALSE_WORDS = {"否", "n", "no", "false", "0", "x", "╳", "無", "f"}


class BooleanWidget(PortalWidget):
    """是 / 否 (also Y/N, TRUE/FALSE, 1/0); a blank cell takes ``default``."""

    format_hint = gettext_lazy("填「是」或「否」。")

    def __init__(self, *, default=False, **kwargs):
        super().__init__(**kwargs)
        self.default = default

    def allowed_values(self):
        return [_("是"), _("否")]

    cell_key = plain_cell_key

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return self.default
        if isinstance(value, bool):
            return value
        word = fold(cell_text(value))
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(_("「{text}」請填「是」或「否」。").format(text=value))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return _("是") if value else _("否")


class ChoiceWidget(PortalWidget):
    """A choice column filled with its Chinese label (``列管中``) or its stored value
    (``listed``); ``aliases`` adds other words users write for the same choice."""

    def __init__(self, choices, *, aliases=None, default="", **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.aliases = aliases or {}
        self.default = default
        self._words_by_language: dict[str | None, dict[str, str]] = {}

    def allowed_values(self):
        return [str(label) for label in self.choices.labels]

    @property
    def format_hint(self):
        return _("從清單選填：{values}。").format(values="、".join(self.allowed_values()))

    def _words(self) -> dict[str, str]:
        # Labels are translated, so the table is kept per active language: a file of a
        # million rows reads it once, not once a cell.
        language = get_language()
        cached = self._words_by_language.get(language)
        if cached is None:
            cached = {fold(word): value for word, value in self.aliases.items()}
            for member in self.choices:
                cached[fold(member.value)] = member.value
                cached[fold(str(member.label))] = member.value
            self._words_by_language[language] = cached
        return cached

    cell_key = plain_cell_key

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return self.default
        try:
            return self._words()[fold(cell_text(value))]
        except KeyError:
            raise ValueError(
                _("「{text}」不是可選的值，請填：{values}。").format(
                    text=cell_text(value), values="、".join(self.allowed_values())
                )
            ) from None

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return str(self.choices(value).label)


# -- rows of other tables by natural key ------------------------------------------------------


class NaturalKeyWidget(widgets.ForeignKeyWidget, PortalWidget):
    """A foreign key written as the other row's natural key (an agency's code ``B06``, a
    project's control number), never a database id. ``also`` lists other unique fields a
    user may write instead (an agency's full name). Lookups are remembered for the import.

    ``scope`` narrows what the importing user may point at: ``"visible"`` or ``"editable"``
    applies the model's ``visible_to`` / ``editable_by``; ``None`` (system imports) sees all.
    """

    def __init__(self, model, field, *, also=(), label=None, scope=None, hint="", **kwargs):
        widgets.ForeignKeyWidget.__init__(self, model, field=field, **kwargs)
        self.user = None
        self.also = tuple(also)
        self.label = label or str(model._meta.get_field(field).verbose_name)
        self.scope = scope
        self.format_hint = hint
        self._cache: dict[str, object] = {}

    def bind(self, resource) -> None:
        self.user = resource.user
        self._cache = {}

    def get_queryset(self, value=None, row=None, *args, **kwargs):
        queryset = self.model._default_manager.all()
        if self.scope and self.user is not None:
            method = "visible_to" if self.scope == "visible" else "editable_by"
            queryset = getattr(queryset, method)(self.user)
        return queryset

    def lookup(self, text: str):
        """The row whose natural key is ``text``, or ``None``."""
        key = normalize(text)
        if key not in self._cache:
            queryset = self.get_queryset()
            found = None
            for name in (self.field, *self.also):
                found = queryset.filter(**{name: key}).first()
                if found is not None:
                    break
            self._cache[key] = found
        return self._cache[key]

    # Lookups are remembered for the import anyway (``lookup``), so a cell's reading depends
    # only on the cell.
    cell_key = plain_cell_key

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = cell_text(value)
        found = self.lookup(text)
        if found is None:
            raise ValueError(_("找不到{label}「{text}」。").format(label=self.label, text=text))
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return getattr(value, self.field)


class NaturalKeyListWidget(widgets.ManyToManyWidget, PortalWidget):
    """Several rows by natural key in one cell, separated by 、 or commas (``B06、B07``)."""

    def __init__(self, model, field, *, also=(), label=None, hint="", **kwargs):
        widgets.ManyToManyWidget.__init__(self, model, field=field, **kwargs)
        self.one = NaturalKeyWidget(model, field, also=also, label=label)
        self.user = None
        self.format_hint = hint or _("多個時以「、」分隔。")

    def bind(self, resource) -> None:
        self.user = resource.user
        self.one.bind(resource)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return []
        found, missing = [], []
        for part in LIST_SEPARATORS.split(cell_text(value)):
            if not part.strip():
                continue
            obj = self.one.lookup(part)
            if obj is None:
                missing.append(part.strip())
            elif obj not in found:
                found.append(obj)
        if missing:
            raise ValueError(
                _("找不到{label}「{text}」。").format(label=self.one.label, text="、".join(missing))
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return LIST_JOINER.join(sorted(str(getattr(o, self.field)) for o in value.all()))
