"""Forms of the service-quality pages. Dates are typed in the ROC calendar (113.3.26), years as
ROC years (113). The rules (scores within each item's maximum, the year's rubric, who may do
what) are checked by ``evaluations.services``, ``evaluations.evaluation`` and
``evaluations.coaching``; these forms read what was typed and put the services' errors back
next to the fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from evaluations.choices import AwardCategory, CallRoute, TargetBasis
from evaluations.rubrics import groups_of
from evaluations.services import applicable_groups
from tainan_rdec.forms import ROCDateField
from tainan_rdec.models import Agency
from tainan_rdec.photos import MAX_CAPTION_LENGTH, MAX_PHOTO_BYTES
from tainan_rdec.roc import ROC_OFFSET


def _textarea(rows=4):
    return forms.Textarea(attrs={"rows": rows})


def _agencies():
    return Agency.objects.active().order_by("sort_order", "code")


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest on top). Item
    codes (S1, E2…) name the score fields ``item_S1``…"""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if name in form.fields:
                form.add_error(name, errors)
            elif f"item_{name}" in form.fields:
                form.add_error(f"item_{name}", errors)
            else:
                form.add_error(None, errors)
    else:
        form.add_error(None, exc.messages)


class ROCYearField(forms.IntegerField):
    """A year typed as the users say it (113), or a Gregorian year (2024); cleaned to Gregorian."""

    default_error_messages = {"invalid": _("請輸入民國年，例如 113。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and value > ROC_OFFSET:
            return value - ROC_OFFSET
        return value

    def to_python(self, value):
        year = super().to_python(value)
        if year is None:
            return None
        if year > ROC_OFFSET:
            return year
        if year > 999:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return year + ROC_OFFSET


class ScoredRecordForm(forms.Form):
    """A record's details plus one points field per rubric item (``item_<code>``)."""

    def __init__(self, *args, rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        self.items = list(rubric.items.all())
        for item in self.items:
            self.fields[f"item_{item.code}"] = forms.DecimalField(
                label=format_lazy(
                    _("{code} {label}（{max}分）"),
                    code=item.code,
                    label=item.label,
                    max=f"{item.max_points.normalize():f}",
                ),
                required=False,
                min_value=Decimal(0),
                max_value=item.max_points,
                max_digits=4,
                decimal_places=1,
                widget=forms.NumberInput(
                    attrs={"step": "0.1", "min": "0", "max": f"{item.max_points}"}
                ),
                error_messages={
                    "max_value": format_lazy(
                        _("不得超過配分{max}分。"), max=f"{item.max_points.normalize():f}"
                    ),
                    "min_value": _("得分不可為負數。"),
                    "max_decimal_places": _("得分最多到小數點後一位。"),
                    "invalid": _("得分須為數字。"),
                },
            )

    def score_groups(self) -> list[dict]:
        """The score fields by rubric group, for the template's fieldsets."""
        groups = groups_of(self.rubric, self.items)
        for group in groups:
            group["fields"] = [self[f"item_{item.code}"] for item in group["items"]]
        return groups

    def applicable(self) -> tuple[str, ...]:
        return applicable_groups(self.rubric.kind)

    def points(self) -> dict[str, Decimal | None]:
        """Item code → points, for the items of the groups that apply (the others are
        ignored: the route says they were not scored)."""
        groups = self.applicable()
        return {
            item.code: self.cleaned_data.get(f"item_{item.code}")
            for item in self.items
            if item.group in groups
        }

    def record_fields(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items() if not name.startswith("item_")
        }

    @classmethod
    def initial_from(cls, record) -> dict:
        initial = {f"item_{s.item.code}": s.points for s in record.scores.select_related("item")}
        for name in cls.base_fields:
            initial[name] = getattr(record, name)
        return initial


class PhoneTestForm(ScoredRecordForm):
    agency = forms.ModelChoiceField(label=_("受測機關"), queryset=Agency.objects.none())
    unit = forms.CharField(
        label=_("受測單位"),
        max_length=100,
        help_text=_("例如：養護工程科；測試總機或1999話務中心時填寫「總機」或「話務中心」。"),
    )
    route = forms.ChoiceField(
        label=_("撥打方式"),
        choices=CallRoute.choices,
        widget=forms.RadioSelect,
        help_text=_("經總機轉接時評總機及受話單位兩組項目；直撥或1999話務中心只評業務單位項目。"),
    )
    phone_number = forms.CharField(label=_("電話號碼"), max_length=30)
    extension = forms.CharField(label=_("分機"), max_length=10, required=False)
    tested_on = ROCDateField(label=_("測試日期"))
    tested_at = forms.TimeField(
        label=_("測試時間"),
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": _("例：14:30")}),
        error_messages={"invalid": _("請輸入時間，例如 14:30。")},
    )
    tester = forms.CharField(label=_("測試人員"), max_length=50)
    rings = forms.IntegerField(
        label=_("響鈴聲數"),
        min_value=0,
        max_value=99,
        required=False,
        help_text=_("響鈴聲數或等候秒數至少填一項。"),
    )
    seconds_to_answer = forms.IntegerField(
        label=_("接聽秒數"), min_value=0, max_value=999, required=False
    )
    recording_ref = forms.CharField(label=_("錄音檔編號"), max_length=100, required=False)
    notes = forms.CharField(label=_("備註"), widget=_textarea(3), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()

    def applicable(self) -> tuple[str, ...]:
        route = self.cleaned_data.get("route") or CallRoute.SWITCHBOARD
        return applicable_groups(self.rubric.kind, route)


class AuditForm(ScoredRecordForm):
    agency = forms.ModelChoiceField(label=_("受稽核機關"), queryset=Agency.objects.none())
    counter = forms.CharField(
        label=_("受稽核櫃台"),
        max_length=100,
        help_text=_("例如：戶政及綜合服務櫃台、市府聯合服務中心。"),
    )
    visited_on = ROCDateField(label=_("稽核日期"))
    auditor = forms.CharField(label=_("稽核人員"), max_length=50)
    findings = forms.CharField(label=_("稽核發現"), widget=_textarea(5), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()


class ImprovementForm(forms.Form):
    description = forms.CharField(label=_("改善事項"), widget=_textarea(3))
    due_date = ROCDateField(label=_("回復期限"))


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("改善情形"),
        widget=_textarea(5),
        help_text=_("請具體說明已完成的改善措施及完成日期。"),
    )

    def __init__(self, *args, results=False, **kwargs):
        super().__init__(*args, **kwargs)
        if results:
            self.fields["report"].label = _("執行成效")
            self.fields["report"].help_text = _(
                "請說明改善計畫各項措施的執行情形及成效（例如逾期件數、平均處理天數的變化）。"
            )


class PlanForm(forms.Form):
    """A timeliness item's improvement plan (改善計畫)."""

    causes = forms.CharField(
        label=_("原因分析"),
        widget=_textarea(4),
        help_text=_("例如：案件量增加、人力不足、跨機關會勘耗時等逾期原因。"),
        error_messages={"required": _("請填寫原因分析。")},
    )
    measures = forms.CharField(
        label=_("改善措施"),
        widget=_textarea(5),
        help_text=_("請具體說明各項措施、負責單位及完成時程。"),
        error_messages={"required": _("請填寫改善措施。")},
    )
    target_date = ROCDateField(
        label=_("預定完成日期"),
        help_text=_("改善措施完成、回報執行成效的日期。"),
        error_messages={"required": _("請填寫預定完成日期。")},
    )


class PlanReviewForm(forms.Form):
    """The reviewer's decision on a plan: accept it, or return it with the reason."""

    ACCEPT, RETURN = "accept", "return"

    decision = forms.ChoiceField(
        label=_("審查結果"),
        choices=[(ACCEPT, _("同意改善計畫")), (RETURN, _("退回（附理由）"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("審查意見"), widget=_textarea(3), required=False, help_text=_("退回時必填。")
    )
    due_date = ROCDateField(
        label=_("重新提出期限"),
        required=False,
        help_text=_("退回時可另訂期限；不填則不變。"),
    )


class ReviewForm(forms.Form):
    """The reviewer's decision on a report-back: confirm it, or send it back with the reason."""

    VERIFY, RETURN = "verify", "return"

    decision = forms.ChoiceField(
        label=_("審查結果"),
        choices=[(VERIFY, _("確認改善，解除列管")), (RETURN, _("退回補正"))],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, may_verify=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_verify:
            # A timeliness item is closed by its figures: the reviewer may only send it back.
            self.fields["decision"].choices = [(self.RETURN, _("退回補正"))]

    note = forms.CharField(
        label=_("審查意見"),
        widget=_textarea(3),
        required=False,
        help_text=_("退回補正時必填。"),
    )
    due_date = ROCDateField(
        label=_("新回復期限"), required=False, help_text=_("退回補正時可另訂期限；不填則不變。")
    )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("照片"),
        help_text=format_lazy(
            _("JPEG或PNG格式，每張不超過{limit}MB。"), limit=MAX_PHOTO_BYTES // 1024 // 1024
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        error_messages={
            "required": _("請選擇要上傳的照片。"),
            "empty": _("上傳的檔案是空的，請重新選擇照片。"),
            "invalid": _("請選擇要上傳的照片。"),
        },
    )
    caption = forms.CharField(label=_("照片說明"), max_length=MAX_CAPTION_LENGTH, required=False)


class CoachingForm(forms.Form):
    year = ROCYearField(label=_("年度（民國）"), help_text=_("例如 112。"))
    agency = forms.ModelChoiceField(label=_("受輔導機關"), queryset=Agency.objects.none())
    category = forms.ChoiceField(label=_("參獎類別"), choices=AwardCategory.choices)
    title = forms.CharField(label=_("參獎方案名稱"), max_length=200)
    on_date = ROCDateField(label=_("開始輔導日期"))
    notes = forms.CharField(label=_("備註"), widget=_textarea(3), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies()


class AdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("新階段"), choices=[], widget=forms.RadioSelect)
    on_date = ROCDateField(label=_("日期"))
    note = forms.CharField(label=_("說明"), widget=_textarea(2), required=False)

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(s.value, s.label) for s in stages]


class TargetForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("機關"), queryset=Agency.objects.none())
    basis = forms.ChoiceField(
        label=_("列入原因"),
        choices=TargetBasis.choices,
        initial=TargetBasis.COUNTER,
    )
    note = forms.CharField(label=_("說明"), max_length=200, required=False)

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies().exclude(audit_targets__year=year)
