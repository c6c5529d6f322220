"""Years in addresses, as the pages show them: ``<rocyear:year>`` reads ``114`` and ``2025`` alike.

Pages say 114年度, so the portal writes year addresses with the ROC year (``/rubrics/114/``).
Addresses written before it took Gregorian years and live on in e-mails and bookmarks; they keep
opening the same page. Views always receive the Gregorian year, which is what the database
holds. Registered here, once, on import: the URLconfs that use it import this module.
"""

from __future__ import annotations

from django.urls import register_converter

from tainan_rdec.roc import ROC_OFFSET


class ROCYearConverter:
    """``114`` (below 1911: an ROC year) or ``2025`` (Gregorian) → 2025; writes 2025 as ``114``.

    No leading zero, as in the date parser (``tainan_rdec.roc``): ``0114`` would be a 4-digit,
    so Gregorian, year before 民國元年. 1911 and earlier as Gregorian years, and ROC year 0,
    are no year the portal holds."""

    regex = "[1-9][0-9]{0,3}"

    def to_python(self, value: str) -> int:
        # The regex holds for addresses; ?year= values (evaluations.views.common) come here
        # unchecked, so the same shape is checked again.
        if not (value.isascii() and value.isdigit()) or value.startswith("0") or len(value) > 4:
            raise ValueError(f"not a year: {value!r}")
        year = int(value)
        if year < ROC_OFFSET:
            return year + ROC_OFFSET
        if year == ROC_OFFSET:
            raise ValueError("1911 is before ROC year 1 and is no ROC year")
        return year

    def to_url(self, value: int) -> str:
        year = int(value)
        # A caller that already holds an ROC year gets it back as it is, by the same rule.
        return str(year - ROC_OFFSET if year > ROC_OFFSET else year)


register_converter(ROCYearConverter, "rocyear")
