"""Filter forms for the case pages: one definition of each filter, shared by the case list and
the agency view so a link from one opens the other with the same names."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from petitions.choices import OPEN_STATUSES, CaseStatus, Channel
from petitions.models import Category, Event
from tainan_rdec.forms import ROCDateField, ROCMonthField
from tainan_rdec.models import Agency, District
from tainan_rdec.months import add_months, month_end
from tainan_rdec.scoping import is_commission
from tainan_rdec.workdays import TAIPEI

ALL = [("", _("全部"))]
DEFAULT_MONTHS = 60  # the statistics pages' period by default: the briefing's five years


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=TAIPEI)


class AgencyFilterMixin:
    """The agency filter is the commission's: a bureau only ever sees its own cases."""

    def _drop_agency_unless_commission(self, user):
        if not is_commission(user):
            del self.fields["agency"]

    def _filter_agency(self, queryset):
        agency = self.cleaned_data.get("agency")
        return queryset.filter(handling_agency=agency) if agency else queryset


class CaseFilterForm(AgencyFilterMixin, forms.Form):
    """The case list's filters (案件查詢)."""

    status = forms.ChoiceField(
        label=_("處理狀態"),
        choices=[*ALL, ("open", _("未結案（全部）")), *CaseStatus.choices],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("案件類別"),
        queryset=Category.objects.filter(active=True),
        required=False,
        empty_label=_("全部"),
    )
    channel = forms.ChoiceField(
        label=_("受理管道"), choices=[*ALL, *Channel.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政區"), queryset=District.objects.all(), required=False, empty_label=_("全部")
    )
    received_from = ROCDateField(label=_("受理日期（起）"), required=False)
    received_to = ROCDateField(label=_("受理日期（迄）"), required=False)
    agency = forms.ModelChoiceField(
        label=_("承辦機關"),
        queryset=Agency.objects.filter(active=True),
        required=False,
        empty_label=_("全部"),
    )
    q = forms.CharField(
        label=_("關鍵字"), required=False, max_length=100, help_text=_("案件編號或地址")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._drop_agency_unless_commission(user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("迄日不可早於起日。"))
        return cleaned

    def filter(self, queryset):
        """Narrow ``queryset`` (already ``visible_to`` the user) by the valid filters."""
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        status = data.get("status")
        if status == "open":
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        for name in ("category", "channel", "district"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("received_from"):
            queryset = queryset.filter(received_at__gte=_start_of_day(data["received_from"]))
        if data.get("received_to"):
            next_day = data["received_to"] + datetime.timedelta(days=1)
            queryset = queryset.filter(received_at__lt=_start_of_day(next_day))
        if "agency" in self.fields:
            queryset = self._filter_agency(queryset)
        keyword = (data.get("q") or "").strip()
        if keyword:
            queryset = queryset.filter(
                Q(case_number__icontains=keyword) | Q(address__icontains=keyword)
            )
        return queryset


class MyCasesFilterForm(AgencyFilterMixin, forms.Form):
    """The agency view's one filter: which agency, for the commission's reviewers."""

    agency = forms.ModelChoiceField(
        label=_("承辦機關"),
        queryset=Agency.objects.filter(active=True),
        required=False,
        empty_label=_("全部"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._drop_agency_unless_commission(user)

    def filter(self, queryset):
        if "agency" not in self.fields or not self.is_bound or not self.is_valid():
            return queryset
        return self._filter_agency(queryset)

    def chosen_agency(self):
        """The agency a reviewer picked, or None (every agency)."""
        if "agency" not in self.fields or not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get("agency")


class PeriodForm(forms.Form):
    """The dashboard's period: from one ROC month to another (both included)."""

    start = ROCMonthField(label=_("起始月份"), required=False)
    end = ROCMonthField(label=_("結束月份"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("結束月份不可早於起始月份。"))
        return cleaned

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """First and last day of the chosen months; by default the last five years (60 months
        up to and including this one)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        last = data.get("end") or (
            add_months(data["start"], DEFAULT_MONTHS - 1) if data.get("start") else None
        )
        last = last or today.replace(day=1)
        first = data.get("start") or add_months(last, -(DEFAULT_MONTHS - 1))
        return first, month_end(last)


class GroupFilterForm(AgencyFilterMixin, forms.Form):
    """The problem groups' filters (問題群組): agency (the commission's), category, event, and
    open groups only (the default) or every group."""

    agency = forms.ModelChoiceField(
        label=_("承辦機關"),
        queryset=Agency.objects.filter(active=True),
        required=False,
        empty_label=_("全部"),
    )
    category = forms.ModelChoiceField(
        label=_("案件類別"),
        queryset=Category.objects.filter(active=True),
        required=False,
        empty_label=_("全部"),
    )
    event = forms.ModelChoiceField(
        label=_("專案"), queryset=Event.objects.all(), required=False, empty_label=_("全部")
    )
    state = forms.ChoiceField(
        label=_("處理狀態"),
        choices=[("open", _("尚有未結案件")), ("all", _("全部"))],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._drop_agency_unless_commission(user)

    def values(self) -> dict:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}

    def chosen_event(self):
        return self.values().get("event")

    def open_only(self) -> bool:
        return self.values().get("state", "open") != "all"

    def filter(self, groups):
        """Narrow ``groups`` (already ``visible_to`` the user) by the agency and category; the
        event's filter is ``petitions.problems.in_event``."""
        data = self.values()
        if data.get("agency"):
            groups = groups.filter(handling_agency=data["agency"])
        if data.get("category"):
            groups = groups.filter(category=data["category"])
        return groups
