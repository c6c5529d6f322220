"""The listing statistics page's choices: its years, and which number was opened (drill-down)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.choices import ProjectKind
from projects.stats import ABOVE, BELOW
from tainan_rdec.briefing.forms import BriefingRangeForm


class ListingRangeForm(BriefingRangeForm):
    """From one ROC year to another (default: the last five complete years)."""

    too_many_years = _("列管統計最多涵蓋{n}個年度。")


class ListingDrillForm(forms.Form):
    """One number of the table: a year of the range (or all of it), a kind and/or a band."""

    year = forms.IntegerField(required=False)
    kind = forms.ChoiceField(choices=[("", ""), *ProjectKind.choices], required=False)
    band = forms.ChoiceField(choices=[("", ""), (ABOVE, ABOVE), (BELOW, BELOW)], required=False)
    every = forms.BooleanField(required=False)  # the grand total: every project of the range

    def __init__(self, data, *, first: int, last: int):
        super().__init__(data)
        self.first, self.last = first, last

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not self.first <= year <= self.last:
            raise forms.ValidationError(
                _("年度須在統計範圍{first}年至{last}年之內。").format(
                    first=self.first, last=self.last
                )
            )
        return year

    @property
    def opened(self) -> bool:
        """Whether a number was opened (given, and valid)."""
        return self.is_valid() and any(
            self.cleaned_data[name] not in (None, "", False)
            for name in ("year", "kind", "band", "every")
        )

    def number(self) -> dict:
        """The opened number as ``projects.stats.listed_projects`` takes it."""
        return {name: self.cleaned_data[name] for name in ("year", "kind", "band")}
