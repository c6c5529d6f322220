"""The briefing's years, chosen on its page and carried into the PDF and deck addresses."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tainan_rdec.briefing.assemble import FIRST_YEAR, MAX_YEARS, default_span
from tainan_rdec.briefing.content import Span
from tainan_rdec.roc import to_roc_year


class BriefingRangeForm(forms.Form):
    """From one ROC year to another, both included (default: the last five complete years).
    Other pages over a range of years (the listing statistics) subclass it with their own
    words for a range that is too long."""

    too_many_years = _("簡報最多涵蓋{n}個年度。")

    start_year = forms.IntegerField(
        label=_("起始年度（民國）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("年度請填民國年的數字，例如 110。")},
    )
    end_year = forms.IntegerField(
        label=_("結束年度（民國）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("年度請填民國年的數字，例如 114。")},
    )

    def __init__(self, data=None, *, today=None, **kwargs):
        self.today = today or timezone.localdate()
        span = default_span(self.today)
        kwargs.setdefault("initial", {"start_year": span.first, "end_year": span.last})
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        this_year = to_roc_year(self.today.year)
        for name, year in (("start_year", start), ("end_year", end)):
            if year is not None and not FIRST_YEAR <= year <= this_year:
                self.add_error(
                    name,
                    _("年度須介於{first}年至{last}年之間。").format(
                        first=FIRST_YEAR, last=this_year
                    ),
                )
        if start is not None and end is not None and not self.errors:
            if end < start:
                self.add_error("end_year", _("結束年度不可早於起始年度。"))
            elif end - start + 1 > MAX_YEARS:
                self.add_error("end_year", self.too_many_years.format(n=MAX_YEARS))
        return cleaned

    def span(self) -> Span:
        """The chosen years; the default when nothing (valid) was chosen."""
        if self.is_bound and self.is_valid():
            return Span(self.cleaned_data["start_year"], self.cleaned_data["end_year"], self.today)
        return default_span(self.today)
