"""Forms of the follow-up pages: meetings, agendas, site visits and directives. Dates are typed
in the ROC calendar (113.3.26). The rules themselves (due date not in the past, who may answer)
are checked by ``projects.followup``; these forms only read what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.choices import DirectiveStatus, MeetingKind
from projects.models import Project
from tainan_rdec.forms import ROCDateField
from tainan_rdec.models import Agency


def _textarea(rows=4):
    return forms.Textarea(attrs={"rows": rows})


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("會議類別"), choices=MeetingKind.choices)
    date = ROCDateField(label=_("會議日期"))
    title = forms.CharField(
        label=_("會議名稱"),
        max_length=200,
        required=False,
        help_text=_("不填時以「年月＋會議類別」命名，例如「113年3月重大建設暨基本設施檢討會議」。"),
    )
    chair = forms.CharField(label=_("主持人"), max_length=100, required=False)


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("主持人"), max_length=100, required=False)
    minutes = forms.CharField(label=_("會議紀錄"), widget=_textarea(8), required=False)


class AgendaAddForm(forms.Form):
    """審查人員增列: any listed project not already on the agenda."""

    project = forms.ModelChoiceField(label=_("列管案件"), queryset=Project.objects.none())
    note = forms.CharField(label=_("說明"), widget=_textarea(2), required=False, max_length=2000)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        on_agenda = meeting.items.filter(removed=False).values("project")
        self.fields["project"].queryset = (
            Project.objects.listed().exclude(pk__in=on_agenda).order_by("control_number")
        )


class SiteVisitForm(forms.Form):
    date = ROCDateField(label=_("訪視日期"))
    participants = forms.CharField(
        label=_("參與人員"),
        widget=_textarea(2),
        help_text=_("例如：研考會張研究員、工務局王科長、監造單位及承商代表。"),
    )
    findings = forms.CharField(label=_("訪視發現"), widget=_textarea(6))


class DirectiveForm(forms.Form):
    text = forms.CharField(label=_("管制事項"), widget=_textarea(4))
    responsible_agency = forms.ModelChoiceField(
        label=_("辦理機關"), queryset=Agency.objects.all(), empty_label=_("請選擇")
    )
    due_date = ROCDateField(label=_("辦理期限"))

    def __init__(self, *args, project_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_agency"].queryset = Agency.objects.active()
        if project_choices is not None:
            # Raised at a meeting: about one of the projects on its agenda, or about none.
            self.fields["project"] = forms.ModelChoiceField(
                label=_("相關列管案件"),
                queryset=project_choices,
                required=False,
                empty_label=_("（不限案件）"),
            )


class ResponseForm(forms.Form):
    text = forms.CharField(label=_("辦理情形"), widget=_textarea(4))


class CloseDirectiveForm(forms.Form):
    note = forms.CharField(
        label=_("解除追蹤說明"), widget=_textarea(2), required=False, max_length=2000
    )


class ReopenDirectiveForm(forms.Form):
    due_date = ROCDateField(
        label=_("新的辦理期限"), required=False, help_text=_("不填則沿用原辦理期限。")
    )


class DirectiveFilterForm(forms.Form):
    """The reviewers' filters on the directive list."""

    agency = forms.ModelChoiceField(
        label=_("辦理機關"), queryset=Agency.objects.none(), required=False, empty_label=_("全部")
    )
    status = forms.ChoiceField(
        label=_("狀態"), choices=[("", _("全部")), *DirectiveStatus.choices], required=False
    )
    overdue = forms.BooleanField(label=_("只列逾期未結"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(directives__isnull=False).distinct()
