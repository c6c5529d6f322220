"""Forms of the applications (變更申請): what the bureau writes with each kind of application
(the reason, the kind's own fields, an attachment), a re-plan's checkpoints, and the
reviewer's decision. They read what was typed; the rules are ``projects.applications``'s and
``projects.attachments``'s, each message shown next to the field it is about."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from projects.choices import ApplicationKind, MilestoneStatus
from projects.forms.reports import MoneyField
from tainan_rdec.forms import ROCDateField
from tainan_rdec.models import Agency
from tainan_rdec.roc import format_roc_date

ACCEPTED_FILES = ",".join(
    [
        ".pdf",
        ".xlsx",
        ".docx",
        ".jpg",
        ".jpeg",
        ".png",
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]
)


def _limit_mb() -> str:
    return f"{settings.APPLICATION_ATTACHMENT_MAX_BYTES / 1024 / 1024:g}"


class ApplicationForm(forms.Form):
    """What the bureau writes with its application: the reason and, optionally, a document or
    photo to attach (one a save; save again to attach another)."""

    SAVE = "save"
    SUBMIT = "submit"

    reason_help = _("向研考會說明申請的理由，例如計畫核定文號、總經費與預定期程的依據。")

    reason = forms.CharField(
        label=_("申請說明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
        error_messages={
            "empty": _("上傳的檔案是空的，請重新選擇檔案。"),
            "invalid": _("請選擇要上傳的檔案。"),
        },
    )

    #: the application's fields this form fills beside the reason
    detail_fields: tuple[str, ...] = ()

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["reason"].help_text = self.reason_help
        self.fields["attachment"].help_text = format_lazy(
            _("PDF、Excel（xlsx）、Word（docx）、JPEG或PNG，每個檔案不超過{limit}MB。"),
            limit=_limit_mb(),
        )

    @classmethod
    def initial_from(cls, application) -> dict:
        if application is None:
            return {}
        initial = {"reason": application.reason}
        for name in cls.detail_fields:
            initial[name] = getattr(application, name)
        return initial

    def details(self) -> dict:
        """The kind's fields as cleaned, for the service."""
        return {name: self.cleaned_data.get(name) for name in self.detail_fields}


class ListingForm(ApplicationForm):
    pass


class ReplanForm(ApplicationForm):
    """變更預定進度: the reason, a new completion date (left blank: unchanged); the curve is
    edited on its own page, the checkpoints in the table below the form."""

    reason_help = _("說明變更的原因及依據，例如工期展延的核定文號。")
    detail_fields = ("proposed_completion",)

    proposed_completion = ROCDateField(label=_("變更後預定完工日期"), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["proposed_completion"].help_text = _(
            "目前預定完工日期為{date}；不變更請留空。"
        ).format(date=format_roc_date(project.planned_completion))


class SuspensionForm(ApplicationForm):
    reason_help = _("說明須暫緩列管的特殊原因，例如用地取得、經費未到位或上級政策調整。")


class DelistingForm(ApplicationForm):
    """解除列管 on completion: the actual completion date and the settlement amount."""

    reason_help = _("說明完工、驗收及結算情形。")
    detail_fields = ("actual_completion", "settlement_amount")

    actual_completion = ROCDateField(label=_("實際完工日期"), required=False)
    settlement_amount = MoneyField(
        label=_("結算金額（元）"), required=False, help_text=_("新臺幣元，工程結算的總金額。")
    )


class TransferForm(ApplicationForm):
    """主辦機關移撥: the agency taking the project over."""

    reason_help = _("說明移撥的原因及依據，例如業務調整的核定文號。")
    detail_fields = ("to_agency",)

    to_agency = forms.ModelChoiceField(
        label=_("移入機關"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("移撥後由此機關主辦、按月填報；兩個機關都能檢視本申請。"),
        error_messages={"invalid_choice": _("請從清單中選擇移入機關。")},
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["to_agency"].queryset = (
            Agency.objects.active().exclude(pk=project.host_agency_id).order_by("code")
        )


class CheckpointDoneForm(ApplicationForm):
    """檢核點達成: the date it was reached; the evidence is the attachment."""

    reason_help = _("說明達成情形，例如完成的工項及查驗結果。")
    detail_fields = ("achieved_on",)

    achieved_on = ROCDateField(label=_("實際達成日期"), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.fields["attachment"].label = _("佐證資料")
        self.fields["attachment"].help_text = format_lazy(
            _(
                "照片或文件（PDF、xlsx、docx、JPEG、PNG），每個檔案不超過{limit}MB；送出時至少一個。"
            ),
            limit=_limit_mb(),
        )


FORMS: dict[str, type[ApplicationForm]] = {
    ApplicationKind.LISTING: ListingForm,
    ApplicationKind.REPLAN: ReplanForm,
    ApplicationKind.SUSPENSION: SuspensionForm,
    ApplicationKind.DELISTING: DelistingForm,
    ApplicationKind.TRANSFER: TransferForm,
    ApplicationKind.CHECKPOINT: CheckpointDoneForm,
}


# -- a re-plan's checkpoints --------------------------------------------------------------------


class ReplanCheckpointForm(forms.Form):
    """One checkpoint of a re-plan: an existing one (its name fixed, its date changeable) or a
    new one (a blank row)."""

    milestone = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("檢核點名稱"), max_length=200, required=False)
    planned_date = ROCDateField(label=_("預定完成日期"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("milestone"):
            # An existing checkpoint keeps its name; whatever is posted for it is ignored.
            self.fields["name"].disabled = True
            self.fields["milestone"].disabled = True

    @property
    def is_existing(self) -> bool:
        return bool(self.initial.get("milestone"))

    def clean(self):
        cleaned = super().clean()
        name, day = (cleaned.get("name") or "").strip(), cleaned.get("planned_date")
        if name and day is None and "planned_date" not in self.errors:
            self.add_error("planned_date", _("請輸入預定完成日期。"))
        if day is not None and not name:
            self.add_error("name", _("請填寫檢核點名稱。"))
        return cleaned


class BaseReplanCheckpointFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[int | None, str, object]]:
        """``(milestone id or None, name, planned date)`` of the filled rows, in order."""
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if data.get("planned_date") is None:
                continue
            rows.append(
                (data.get("milestone"), (data.get("name") or "").strip(), data["planned_date"])
            )
        return rows


ReplanCheckpointFormSet = forms.formset_factory(
    ReplanCheckpointForm, formset=BaseReplanCheckpointFormSet, extra=2, max_num=60
)


def replan_checkpoint_initial(project, application) -> list[dict]:
    """The table's rows: what the re-plan proposed so far, else the project's checkpoints not
    reached yet (those reached are shown beside, not changed)."""
    if application is not None and application.pk and application.proposed_checkpoints.exists():
        return [
            {"milestone": c.milestone_id, "name": c.name, "planned_date": c.planned_date}
            for c in application.proposed_checkpoints.all()
        ]
    return [
        {"milestone": m.pk, "name": m.name, "planned_date": m.planned_date}
        for m in project.milestones.filter(status=MilestoneStatus.SCHEDULED)
    ]


class DecisionForm(forms.Form):
    """A reviewer's decision on a sent application: 同意, or 退回 with the reason."""

    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("審查結果"),
        choices=[(APPROVE, _("同意")), (RETURN, _("退回"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("請選擇同意或退回。")},
    )
    reason = forms.CharField(
        label=_("審查意見"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("退回時必填，說明需要修正的地方。"),
    )

    @property
    def approves(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
