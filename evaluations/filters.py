"""Filters of the record lists. The agency filter is the commission's (a bureau user sees one
agency anyway); years are ROC years (113), as the users say them."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.choices import CallRoute, ImprovementSource, ImprovementStatus
from evaluations.models import Audit, ImprovementItem, PhoneTest
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import reads_every_agency


def _roc_year_filter(date_field: str):
    def filter_year(queryset, name, value):
        if value is None:
            return queryset
        year = int(value)
        year = year if year > ROC_OFFSET else year + ROC_OFFSET
        return queryset.filter(**{f"{date_field}__year": year})

    return django_filters.NumberFilter(
        label=_("年度（民國）"),
        method=filter_year,
        min_value=1,
    )


class AgencyScopedFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        label=_("機關"), queryset=Agency.objects.all(), empty_label=_("全部")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not reads_every_agency(user):
            del self.filters["agency"]


class PhoneTestFilter(AgencyScopedFilter):
    year = _roc_year_filter("tested_on")
    route = django_filters.ChoiceFilter(
        label=_("撥打方式"), choices=CallRoute.choices, empty_label=_("全部")
    )
    unit = django_filters.CharFilter(label=_("受測單位"), lookup_expr="icontains")

    class Meta:
        model = PhoneTest
        fields = []


class AuditFilter(AgencyScopedFilter):
    year = _roc_year_filter("visited_on")
    counter = django_filters.CharFilter(label=_("受稽核櫃台"), lookup_expr="icontains")

    class Meta:
        model = Audit
        fields = []


class ImprovementFilter(AgencyScopedFilter):
    agency = django_filters.ModelChoiceFilter(
        label=_("機關"),
        field_name="agency",
        queryset=Agency.objects.all(),
        empty_label=_("全部"),
    )
    source = django_filters.ChoiceFilter(
        label=_("列管來源"), choices=ImprovementSource.choices, empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        label=_("辦理狀態"), choices=ImprovementStatus.choices, empty_label=_("全部")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("回復期限"),
        choices=[("1", _("逾期未辦理"))],
        empty_label=_("全部"),
        method="filter_overdue",
    )

    class Meta:
        model = ImprovementItem
        fields = []

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset
