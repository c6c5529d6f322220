"""The award list's filters (django-filter). Bureau users get no agency filter: they see only
their own agency's awards anyway."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from awards.choices import AwardClass, AwardState
from awards.models import Award
from tainan_rdec.models import Agency
from tainan_rdec.scoping import reads_every_agency


class AwardFilter(django_filters.FilterSet):
    year_from = django_filters.NumberFilter(
        label=_("年度起（民國）"),
        field_name="roc_year",
        lookup_expr="gte",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    year_to = django_filters.NumberFilter(
        label=_("年度迄（民國）"),
        field_name="roc_year",
        lookup_expr="lte",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    award_class = django_filters.ChoiceFilter(
        label=_("獎項類別"), choices=AwardClass.choices, empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(
        label=_("狀態"), choices=AwardState.choices, empty_label=_("全部")
    )
    is_top = django_filters.ChoiceFilter(
        label=_("首獎及卓越成績"),
        choices=[("yes", _("是")), ("no", _("否"))],
        empty_label=_("全部"),
        method="filter_is_top",
    )
    evidence = django_filters.ChoiceFilter(
        label=_("佐證資料"),
        choices=[("awaiting", _("待補佐證")), ("attached", _("已附佐證"))],
        empty_label=_("全部"),
        method="filter_evidence",
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("獲獎機關"), queryset=Agency.objects.none(), empty_label=_("全部")
    )
    q = django_filters.CharFilter(
        label=_("關鍵字"), method="filter_text", help_text=_("獎項名稱或頒獎單位")
    )

    class Meta:
        model = Award
        fields = []  # all declared

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if reads_every_agency(user):
            self.filters["agency"].queryset = Agency.objects.filter(awards__isnull=False).distinct()
        else:
            del self.filters["agency"]

    def filter_is_top(self, queryset, name, value):
        return queryset.filter(is_top=value == "yes")

    def filter_evidence(self, queryset, name, value):
        awaiting = queryset.awaiting_evidence()
        return awaiting if value == "awaiting" else queryset.exclude(pk__in=awaiting.values("pk"))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(awarding_body__icontains=value))
