"""Forms of the awards pages. Dates are typed in the ROC calendar (113.3.26). The rules (who
may register for which agency, the natural key, the evidence file's type and size, the year and
date agreeing) live in ``awards.models`` and ``awards.services``; these forms read what was
typed and say in Chinese what is wrong with it."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from awards.choices import AwardClass
from awards.models import MIN_ROC_YEAR, Award, current_roc_year
from awards.services import MAX_EVIDENCE_BYTES, MEGABYTE
from projects.models import Project
from tainan_rdec.forms import ROCDateField
from tainan_rdec.models import Agency
from tainan_rdec.scoping import is_admin, is_commission

# The widest range the summary page accepts, in years (the chart stays readable).
MAX_SUMMARY_YEARS = 30


class AwardForm(forms.ModelForm):
    """Register or correct an award. Bureau users register for their own agency (no agency
    field); reviewers and admins choose the agency; only an admin moves an award to another
    agency. The related project is typed as its control number (列管編號)."""

    award_date = ROCDateField(
        label=_("獲獎日期"),
        help_text=_("頒獎或公布日期，以民國年輸入，例如 113.3.26。"),
    )
    project_number = forms.CharField(
        label=_("相關列管案件編號"),
        required=False,
        max_length=40,
        help_text=_("選填。獎項與列管案件相關時填寫其列管編號，例如 113-B06-0001。"),
    )
    evidence_file = forms.FileField(
        label=_("佐證檔案"),
        required=False,
        help_text=format_lazy(
            _("PDF、JPEG或PNG，{limit}MB以內。佐證檔案與佐證連結至少擇一。"),
            limit=MAX_EVIDENCE_BYTES // MEGABYTE,
        ),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    evidence_url = forms.URLField(
        label=_("佐證連結"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("獲獎新聞或頒獎單位公告的網址。"),
        error_messages={"invalid": _("請輸入有效的網址，例如 https://www.ndc.gov.tw/。")},
    )
    remove_evidence_file = forms.BooleanField(label=_("刪除已上傳的佐證檔案"), required=False)

    class Meta:
        model = Award
        fields = [
            "agency",
            "roc_year",
            "award_date",
            "name",
            "awarding_body",
            "award_class",
            "is_top",
            "evidence_url",
            "note",
        ]
        widgets = {
            "roc_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "roc_year": _("獎項所屬年度（民國年），例如 112。年度獎項於次年頒發者，填所屬年度。"),
            "awarding_body": _("例如：國家發展委員會、行政院公共工程委員會。"),
            "award_class": _("依本府獎項統計表的九類擇一。"),
        }
        error_messages = {
            "name": {"required": _("請填寫獎項名稱。")},
            "awarding_body": {"required": _("請填寫頒獎單位。")},
            "award_class": {"required": _("請選擇獎項類別。")},
            "roc_year": {
                "required": _("請填寫獎項年度。"),
                "invalid": _("獎項年度請填民國年的數字，例如 112。"),
                "min_value": format_lazy(_("獎項年度不可早於{year}年。"), year=MIN_ROC_YEAR),
            },
            "agency": {"required": _("請選擇獲獎機關。")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        creating = self.instance.pk is None
        if creating and not is_commission(user):
            self.instance.agency = user.agency
        if is_admin(user) or (creating and is_commission(user)):
            self.fields["agency"].queryset = Agency.objects.active()
            self.fields["agency"].empty_label = _("請選擇")
        else:
            del self.fields["agency"]
        if creating:
            self.fields["roc_year"].initial = current_roc_year() - 1
            del self.fields["remove_evidence_file"]
        else:
            if self.instance.project_id:
                self.fields["project_number"].initial = self.instance.project.control_number
            if not self.instance.evidence_file:
                del self.fields["remove_evidence_file"]
        self.fields["award_class"].choices = [("", _("請選擇")), *AwardClass.choices]

    def clean_project_number(self):
        number = self.cleaned_data["project_number"].strip()
        if not number:
            return None
        project = Project.objects.visible_to(self.user).filter(control_number=number).first()
        if project is None:
            raise forms.ValidationError(
                _("查無列管編號「{number}」的案件，請確認編號。").format(number=number)
            )
        return project

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project_number")
        # Not a field of the form's model fields: set it so that Award.clean() checks it
        # belongs to the award's agency.
        self.instance.project = project
        has_file = bool(cleaned.get("evidence_file")) or (
            bool(self.instance.evidence_file) and not cleaned.get("remove_evidence_file")
        )
        if not has_file and not cleaned.get("evidence_url") and "evidence_url" not in self.errors:
            self.add_error("evidence_url", _("請上傳佐證檔案或填寫佐證連結（至少擇一）。"))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # Award.clean() reports a project of another agency under "project", which is typed in
        # "project_number" here.
        if "project" in self.errors:
            self.add_error("project_number", self.errors.pop("project"))

    def service_kwargs(self) -> dict:
        """What ``register_award`` / ``update_award`` take, from the cleaned form."""
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "roc_year",
                "award_date",
                "name",
                "awarding_body",
                "award_class",
                "is_top",
                "evidence_url",
                "note",
            )
        }
        kwargs["project"] = data.get("project_number")
        kwargs["evidence_file"] = data.get("evidence_file") or None
        if "agency" in self.fields:
            kwargs["agency"] = data["agency"]
        if "remove_evidence_file" in self.fields:
            kwargs["remove_evidence_file"] = data.get("remove_evidence_file", False)
        return kwargs


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("請說明須補正之處，例如：佐證文件不足、獎項類別有誤。"),
        error_messages={"required": _("請填寫退回原因。")},
    )


class SummaryRangeForm(forms.Form):
    """The summary's ROC years, from one to another (both included)."""

    start_year = forms.IntegerField(
        label=_("起始年度（民國）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("年度請填民國年的數字，例如 108。")},
    )
    end_year = forms.IntegerField(
        label=_("結束年度（民國）"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("年度請填民國年的數字，例如 112。")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        this_year = current_roc_year()
        for name, year in (("start_year", start), ("end_year", end)):
            if year is not None and not MIN_ROC_YEAR <= year <= this_year:
                self.add_error(
                    name,
                    _("年度須介於{first}年至{last}年之間。").format(
                        first=MIN_ROC_YEAR, last=this_year
                    ),
                )
        if start is not None and end is not None and not self.errors:
            if end < start:
                self.add_error("end_year", _("結束年度不可早於起始年度。"))
            elif end - start + 1 > MAX_SUMMARY_YEARS:
                self.add_error(
                    "end_year",
                    _("查詢期間最多{n}個年度。").format(n=MAX_SUMMARY_YEARS),
                )
        return cleaned
