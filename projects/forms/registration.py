"""The drafting forms of 新增案件: a project's basic data with its yearly allocations, and its
checkpoints. They read what was typed (ROC dates, amounts with separators, tender numbers in
one box); the rules are ``projects.registration``'s, shown next to the fields they are about."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from projects import registration
from projects.choices import ExecutionPhase, ForwardCategory, FundingSource, ProjectKind
from projects.forms.reports import MoneyField
from projects.models import Milestone, Project
from tainan_rdec.forms import ROCDateField
from tainan_rdec.importing.widgets import LIST_JOINER, LIST_SEPARATORS, normalize
from tainan_rdec.models import Agency, District
from tainan_rdec.roc import ROC_OFFSET, format_money


class TenderNumbersField(forms.CharField):
    """PCC tender numbers in one box, separated by 、 or commas or lines (as the import reads
    them)."""

    def to_python(self, value):
        text = super().to_python(value)
        numbers = []
        for part in LIST_SEPARATORS.split(text or ""):
            part = normalize(part)
            if part and part not in numbers:
                numbers.append(part)
        return numbers

    def prepare_value(self, value):
        return LIST_JOINER.join(value) if isinstance(value, list | tuple) else value


class ProjectForm(forms.ModelForm):
    """The basic data of a project being drafted (新增案件). The host agency is the user's own
    (an admin chooses it); the 列管編號 is given on saving."""

    total_budget = MoneyField(label=_("總核定經費（元）"))
    planned_start = ROCDateField(
        label=_("預定開工日期"), error_messages={"required": _("請輸入預定開工日期。")}
    )
    planned_completion = ROCDateField(
        label=_("預定完工日期"), error_messages={"required": _("請輸入預定完工日期。")}
    )
    tenders = TenderNumbersField(
        label=_("標案案號"),
        required=False,
        help_text=_("工程會標案管理系統的標案案號，多個以「、」分隔；尚未招標可不填。"),
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "kind",
            "forward_category",
            "host_agency",
            "co_agencies",
            "districts",
            "summary",
            "total_budget",
            "funding_source",
            "planned_start",
            "planned_completion",
            "phase",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "co_agencies": forms.SelectMultiple(attrs={"size": 8}),
            "districts": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "name": {"required": _("請填寫案件名稱。")},
            "kind": {"required": _("請選擇列管類別。")},
            "host_agency": {"required": _("請選擇主辦機關。")},
        }
        help_texts = {
            "forward_category": _("列管類別為前瞻基礎建設時必填。"),
            "co_agencies": _("協辦機關可檢視本案，不能編輯；按住 Ctrl 可複選。"),
        }

    def __init__(self, *args, user, threshold: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = ProjectKind.choices
        self.fields["forward_category"].choices = [("", "—"), *ForwardCategory.choices]
        self.fields["funding_source"].choices = FundingSource.choices
        self.fields["phase"].choices = ExecutionPhase.choices
        agencies = Agency.objects.active()
        self.fields["co_agencies"].queryset = agencies
        self.fields["districts"].queryset = District.objects.all()
        if self.instance.pk is None and registration.may_register(user) and user.is_portal_admin:
            self.fields["host_agency"].queryset = agencies
        else:
            # A bureau's project is its own: the field is not offered, whatever is posted.
            del self.fields["host_agency"]
        self.fields["total_budget"].help_text = _(
            "新臺幣元。重大建設總經費達{threshold}以上者，須申請列管。"
        ).format(threshold=format_money(threshold, "萬元"))
        if self.instance.pk is not None:
            self.initial["tenders"] = sorted(t.number for t in self.instance.tenders.all())

    def host_agency_id(self):
        if "host_agency" in self.fields:
            agency = self.cleaned_data.get("host_agency")
            return agency.pk if agency else None
        return self.instance.host_agency_id or self.user.agency_id

    def clean(self):
        cleaned = super().clean()
        # The rules about the project alone, before the model's own checks: a date or category
        # that breaks them then gets its message here instead of a constraint's name.
        draft = Project(
            pk=self.instance.pk,
            kind=cleaned.get("kind") or "",
            forward_category=cleaned.get("forward_category") or "",
            planned_start=cleaned.get("planned_start"),
            planned_completion=cleaned.get("planned_completion"),
            host_agency_id=self.host_agency_id(),
            total_budget=cleaned.get("total_budget"),
        )
        problems = registration.basic_data_problems(
            draft,
            co_agencies=cleaned.get("co_agencies") or [],
            tenders=cleaned.get("tenders") or [],
        )
        for field, messages in problems.items():
            if field in self.fields:
                self.add_error(field, messages)
        return cleaned

    def related(self) -> dict:
        """What the services save beside the project row."""
        return {
            "co_agencies": list(self.cleaned_data["co_agencies"]),
            "districts": list(self.cleaned_data["districts"]),
            "tenders": self.cleaned_data["tenders"],
        }


class AllocationForm(forms.Form):
    """One year's allocation (年度經費分配), the year in the ROC calendar."""

    year = forms.IntegerField(
        label=_("年度（民國）"),
        required=False,
        min_value=1,
        max_value=300,
        error_messages={
            "invalid": _("請以阿拉伯數字輸入民國年度，例如 114。"),
            "min_value": _("請以阿拉伯數字輸入民國年度，例如 114。"),
            "max_value": _("請以民國年輸入年度，例如 114（不是西元 2025）。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    amount = MoneyField(label=_("分配數（元）"), required=False)

    def clean(self):
        cleaned = super().clean()
        year, amount = cleaned.get("year"), cleaned.get("amount")
        if year is None and amount is not None and "year" not in self.errors:
            self.add_error("year", _("請填寫年度。"))
        if amount is None and year is not None and "amount" not in self.errors:
            self.add_error("amount", _("請填寫分配數。"))
        return cleaned


class BaseAllocationFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[int, int]]:
        """The filled rows as (Gregorian year, amount); blank rows are left out."""
        return [
            (form.cleaned_data["year"] + ROC_OFFSET, form.cleaned_data["amount"])
            for form in self.forms
            if form.cleaned_data.get("year") is not None
        ]


AllocationFormSet = forms.formset_factory(
    AllocationForm, formset=BaseAllocationFormSet, extra=2, max_num=30
)


def allocation_initial(project: Project | None) -> list[dict]:
    if project is None or project.pk is None:
        return []
    return [{"year": a.year - ROC_OFFSET, "amount": a.amount} for a in project.allocations.all()]


class CheckpointForm(forms.ModelForm):
    """A checkpoint (檢核點): what is to be done, by when."""

    planned_date = ROCDateField(
        label=_("預定完成日期"), error_messages={"required": _("請輸入預定完成日期。")}
    )

    class Meta:
        model = Milestone
        fields = ["name", "planned_date", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        error_messages = {"name": {"required": _("請填寫檢核點名稱。")}}
        labels = {"name": _("檢核點名稱")}

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["planned_date"].help_text = _("須在預定期程（{period}）內。").format(
            period=registration.period_label(project)
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") is not None:
            problems = registration.checkpoint_problems(
                self.project,
                name=cleaned.get("name") or "",
                planned_date=cleaned.get("planned_date"),
                exclude=self.instance.pk,
            )
            for field, messages in problems.items():
                self.add_error(field, messages)
        return cleaned
