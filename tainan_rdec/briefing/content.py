"""What a briefing is made of, as plain data the three renderers read alike.

An app's builder returns ``Part``s: one page of the PDF, one slide of the deck, one block of the
web page. A part holds headline figures, tables (columns with their unit, rows of raw values, a
total row) and chart series, and names the dashboard its figures match (``Source``).

Values stay raw until rendered: counts are ints, rates and scores Decimals already rounded the
way the dashboard rounds them, amounts of money ints in 元 (column format ``YI`` shows them in
億元 with two decimals, as the dashboards do). ``cell_text`` and ``chart_number`` are the one
place a value becomes text or a chart's number, so the page, the PDF and the deck cannot
disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tainan_rdec.roc import ROC_OFFSET, format_money

# A briefing's tables are the portal's statistics tables (one definition of a table, its
# formats and how a value reads): re-exported for the apps' briefing parts.
from tainan_rdec.tables import EMPTY as EMPTY
from tainan_rdec.tables import Column as Column
from tainan_rdec.tables import Format as Format
from tainan_rdec.tables import Table as Table
from tainan_rdec.tables import cell_text as cell_text


class BriefingSection(models.TextChoices):
    """The briefing's chapters, in the order the commission presents them."""

    SERVICE = "service", _("為民服務")
    CONTROL = "control", _("智慧管考")
    FORWARD = "forward", _("前瞻基礎建設")
    AWARDS = "awards", _("獎項")


# Beyond this many columns a table takes the page's (or slide's) whole width.
WIDE_TABLE_COLUMNS = 6


def chart_number(value, fmt: Format = Format.COUNT) -> float | int:
    """The number a chart plots for ``value`` (nothing to plot counts as 0)."""
    if value is None:
        return 0
    if fmt == Format.YI:
        return float(Decimal(format_money(value, "億元", with_unit=False).replace(",", "")))
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class Headline:
    """A figure said big: its label, the raw value and how the source words it (``text``,
    e.g. "142萬件"; by default the value with its unit)."""

    label: str
    value: object
    fmt: Format = Format.COUNT
    unit: str = ""
    text: str = ""

    @property
    def display(self) -> str:
        return self.text or f"{cell_text(self.value, self.fmt)}{self.unit}"


class ChartKind(StrEnum):
    CLUSTERED = "clustered"  # bars side by side per category
    STACKED = "stacked"  # one bar per category, the series stacked


@dataclass(frozen=True)
class Series:
    name: str
    values: list


@dataclass
class Chart:
    """Column chart: one group (or stack) per category, one colour per series."""

    title: str
    categories: list[str]
    series: list[Series]
    kind: ChartKind = ChartKind.CLUSTERED
    fmt: Format = Format.COUNT
    unit: str = ""  # the value axis' unit: 件, 億元, %

    def numbers(self) -> list[list[float | int]]:
        return [[chart_number(v, self.fmt) for v in s.values] for s in self.series]


@dataclass(frozen=True)
class Source:
    """The dashboard the part's figures match, to open it from the web page."""

    label: str
    url: str = ""


@dataclass
class Part:
    """One page of the PDF and one slide of the deck."""

    section: BriefingSection
    key: str
    title: str
    headlines: list[Headline] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: Source | None = None

    @property
    def wide(self) -> bool:
        """A table too wide to share the page with the chart: the chart goes under it."""
        return any(len(table.columns) > WIDE_TABLE_COLUMNS for table in self.tables)


@dataclass
class Span:
    """The ROC years a briefing covers (both included), and the day it is built on."""

    first: int
    last: int
    today: date
    _shared: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def start(self) -> date:
        return year_start(self.first)

    @property
    def end(self) -> date:
        return year_end(self.last)

    @property
    def label(self) -> str:
        if self.first == self.last:
            return gettext("{year}年").format(year=self.first)
        return gettext("{first}年至{last}年").format(first=self.first, last=self.last)

    def shared(self, key: str, build: Callable):
        """``build()`` once per briefing: two parts that read the same figures (the projects
        dashboard feeds 智慧管考 and 前瞻基礎建設) compute them once."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]


def year_start(roc_year: int) -> date:
    return date(roc_year + ROC_OFFSET, 1, 1)


def year_end(roc_year: int) -> date:
    return date(roc_year + ROC_OFFSET, 12, 31)


def year_label(roc_year: int) -> str:
    return gettext("{year}年").format(year=roc_year)
