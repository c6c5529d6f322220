"""Filters shared by the project pages (list, dashboard): one definition of each filter."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from projects.choices import ApplicationKind, ApplicationState, ForwardCategory, ProjectKind
from projects.models import Application, Project
from tainan_rdec.models import Agency, District


def host_agencies():
    """The agencies that host at least one project: the choices of every 主辦機關 filter. A
    semi-join (EXISTS): joining every project and de-duplicating the agencies cost more than the
    page's own table at 1,400 projects."""
    return Agency.objects.filter(Exists(Project.objects.filter(host_agency=OuterRef("pk"))))


class ProjectBaseFilter(django_filters.FilterSet):
    """Agency, kind, forward-looking category and district, under the names every project
    page uses, so a link from the dashboard opens the list with the same filters."""

    agency = django_filters.ModelChoiceFilter(
        label=gettext_lazy("主辦機關"),
        field_name="host_agency",
        queryset=host_agencies(),
        empty_label=gettext_lazy("全部"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("列管類別"),
        choices=ProjectKind.choices,
        empty_label=gettext_lazy("全部"),
    )
    forward_category = django_filters.ChoiceFilter(
        label=gettext_lazy("前瞻計畫類別"),
        choices=ForwardCategory.choices,
        empty_label=gettext_lazy("全部"),
    )
    district = django_filters.ModelChoiceFilter(
        label=gettext_lazy("行政區"),
        field_name="districts",
        queryset=District.objects.all(),
        empty_label=gettext_lazy("全部"),
        distinct=True,
    )

    class Meta:
        model = Project
        fields = []  # all declared


class ApplicationFilter(django_filters.FilterSet):
    """The applications list: by state and kind, and (for the commission) by host agency."""

    state = django_filters.ChoiceFilter(
        label=gettext_lazy("狀態"),
        choices=ApplicationState.choices,
        empty_label=gettext_lazy("全部"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("申請類別"),
        choices=ApplicationKind.choices,
        empty_label=gettext_lazy("全部"),
    )
    agency = django_filters.ModelChoiceFilter(
        label=gettext_lazy("主辦機關"),
        field_name="project__host_agency",
        queryset=host_agencies(),
        empty_label=gettext_lazy("全部"),
    )

    class Meta:
        model = Application
        fields = []  # all declared
