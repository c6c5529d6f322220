"""Assembling a briefing: every registered part for a span of ROC years, in chapter order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from tainan_rdec.briefing.content import BriefingSection, Part, Span
from tainan_rdec.registry import briefing_parts
from tainan_rdec.roc import format_roc_date_long, to_roc_year

# The default covers the last five complete years, as the commission's own briefing (108–112
# in 113) and the awards summary do.
DEFAULT_YEARS = 5
# The earliest year a briefing may start (the portal's records begin in 100年) and the widest
# span one may cover: every year is a few more queries, a few more rows on every slide.
FIRST_YEAR = 100
MAX_YEARS = 10


@dataclass
class SectionContent:
    section: BriefingSection
    parts: list[Part]

    @property
    def title(self) -> str:
        return str(self.section.label)


@dataclass
class Briefing:
    span: Span
    sections: list[SectionContent]

    @property
    def title(self) -> str:
        return _("臺南市政府研究發展考核委員會業務簡報")

    @property
    def subtitle(self) -> str:
        return _("{span}（資料統計至{day}）").format(
            span=self.span.label, day=format_roc_date_long(self.span.today)
        )

    @property
    def parts(self) -> list[Part]:
        return [part for section in self.sections for part in section.parts]


def default_span(today: date) -> Span:
    """The last ``DEFAULT_YEARS`` complete years (in 115: 110–114)."""
    last = to_roc_year(today.year) - 1
    return Span(last - DEFAULT_YEARS + 1, last, today)


def current_year_span(today: date) -> Span:
    """This year so far: a senior official's home page."""
    year = to_roc_year(today.year)
    return Span(year, year, today)


def build_briefing(span: Span) -> Briefing:
    """Every app's parts for ``span``, grouped in the chapters' order (a chapter no app filled
    is left out)."""
    by_section: dict[str, list[Part]] = {section.value: [] for section in BriefingSection}
    for contribution in briefing_parts():
        parts = contribution.build(span)
        by_section[contribution.section].extend(parts)
    return Briefing(
        span,
        [
            SectionContent(section, by_section[section.value])
            for section in BriefingSection
            if by_section[section.value]
        ],
    )
