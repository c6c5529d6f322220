"""The awards register (獎項): one row per award, found by its natural key — the agency's code,
the ROC year, the award's name and the awarding body (``Award.natural_key``).

The rules are the awards form's and services' (``awards.forms``, ``awards.services``,
``Award.clean``): the year and the date must agree, a related project must be one the agency
hosts or co-hosts, a new award names an active agency and carries its evidence — a file cannot
travel in a spreadsheet, so an award needs its 佐證連結 (an award that already has an uploaded
file may leave the link blank). Historical awards (``awards.models.is_historical_year``: the
year and the next, when its awards may still be presented, are over) are the exception: records
brought in long after the fact, whose evidence is often still to be found. They may come
without it and are marked as awaiting it (待補佐證: on the award's page, in the list and its
filter) until the agency adds it on the award's page, whose form requires it.

States (狀態), decided simply:

- an imported award is registered as 待確認, like one a bureau registers on its page;
- the file may say 已確認 when the importer is a named admin (the admin page, or
  ``import_records --user``): the award is then confirmed by the importer, who and when recorded
  as a reviewer's confirmation is (a row already 待確認 may be confirmed so too);
- nothing else moves by file: 退回補正 needs a reviewer's written reason and a confirmed award is
  returned on the review page first, so a file cannot return an award nor un-confirm one;
- a returned award whose content a file changes is registered again (待確認), as the edit page
  does after a correction.

Only confirmed awards count in the summary table (``awards.stats``).
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awards.choices import AwardClass, AwardState
from awards.forms import AwardForm
from awards.models import MAX_ROC_YEAR, MIN_ROC_YEAR, Award, current_roc_year, is_historical_year
from projects.models import Project
from tainan_rdec.importing import Column, RegisterResource, register
from tainan_rdec.importing.widgets import (
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    FormFieldWidget,
    IntegerWidget,
    NaturalKeyWidget,
)
from tainan_rdec.resources import agency_widget
from tainan_rdec.roc import ROC_OFFSET


class RocYearWidget(IntegerWidget):
    """獎項年度 as the form takes it: an ROC year (112). A Gregorian year is named as such."""

    format_hint = _("民國年，例如 112。")

    def to_python(self, value):
        year = super().to_python(value)
        if year > ROC_OFFSET:
            raise ValueError(
                _("「{text}」是西元年，獎項年度請填民國年：{roc}。").format(
                    text=year, roc=year - ROC_OFFSET
                )
            )
        if year < MIN_ROC_YEAR:
            raise ValueError(
                _("獎項年度不可早於{year}年（民國年請寫 2 至 3 位數，例如 112）。").format(
                    year=MIN_ROC_YEAR
                )
            )
        if year > MAX_ROC_YEAR:
            raise ValueError(_("獎項年度「{text}」不正確。").format(text=year))
        return year


# Other words reviewers write for a state.
STATE_ALIASES = {"確認": AwardState.CONFIRMED, "待審": AwardState.REGISTERED}


@register("awards", label=_("獎項"), order=90)
class AwardResource(RegisterResource):
    """Awards (獎項) by agency, ROC year, name and awarding body."""

    agency = Column(
        "agency",
        "獲獎機關代碼",
        agency_widget(label=_("獲獎機關代碼")),
        required=True,
        example="B06",
        aliases=("機關代碼", "獲獎機關"),
    )
    roc_year = Column(
        "roc_year",
        "獎項年度",
        RocYearWidget(),
        required=True,
        example=112,
        aliases=("年度", "獎項年度（民國）"),
        help=_("獎項所屬年度（民國年）。年度獎項於次年頒發者，填所屬年度。"),
    )
    award_date = Column("award_date", "獲獎日期", DateWidget(), required=True, example="112/11/20")
    name = Column("name", "獎項名稱", required=True, example="範例：政府服務獎")
    awarding_body = Column("awarding_body", "頒獎單位", required=True, example="國家發展委員會")
    award_class = Column(
        "award_class",
        "獎項類別",
        ChoiceWidget(AwardClass),
        required=True,
        example="國內大獎",
        help=_("依本府獎項統計表的九類擇一。"),
    )
    is_top = Column(
        "is_top",
        "首獎及卓越成績",
        BooleanWidget(default=False),
        example="是",
        help=_("首獎、特優、金獎、第1名或同等的卓越成績。"),
    )
    project = Column(
        "project",
        "相關列管編號",
        NaturalKeyWidget(Project, "control_number", label=_("列管編號"), scope="visible"),
        aliases=("列管編號", "相關列管案件編號"),
        help=_("選填。獎項與列管案件相關時填寫其列管編號。"),
    )
    evidence_url = Column(
        "evidence_url",
        "佐證連結",
        # The form's own field: the same scheme rules and messages.
        FormFieldWidget(
            copy.deepcopy(AwardForm.base_fields["evidence_url"]),
            format_hint=_("網址，例如 https://www.ndc.gov.tw/。"),
        ),
        example="https://www.ndc.gov.tw/",
        default="",
        help=_(
            "匯入無法附檔，請填佐證連結；已上傳佐證檔案的獎項可空白。今年與去年的獎項必填；"
            "更早年度的歷史獎項可空白，匯入後標示為「待補佐證」，請再到獎項頁面補上。"
        ),
    )
    note = Column("note", "備註")
    state = Column(
        "state",
        "狀態",
        ChoiceWidget(AwardState, aliases=STATE_ALIASES, default=AwardState.REGISTERED),
        example="待確認",
        help=_(
            "空白即「待確認」。系統管理者匯入時可填「已確認」，即以匯入者身分確認；"
            "退回須在審查頁面填寫原因，已確認的獎項也須先在審查頁面退回。"
        ),
    )
    evidence_name = Column("evidence_name", "佐證檔案", readonly=True)

    export_select_related = ("agency", "project")
    unvalidated_fields = ("registered_by", "reviewed_by")

    class Meta:
        model = Award
        fields = (
            "agency",
            "roc_year",
            "award_date",
            "name",
            "awarding_body",
            "award_class",
            "is_top",
            "project",
            "evidence_url",
            "note",
            "state",
            "evidence_name",
        )
        import_id_fields = ("agency", "roc_year", "name", "awarding_body")

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored_state = None if new else instance.state

    def complete_instance(self, instance, row):
        stored = instance._stored_state
        instance._wanted_state = wanted = instance.state
        if instance.pk is None:
            instance.registered_by = self.user
        if wanted == AwardState.CONFIRMED and stored != AwardState.CONFIRMED:
            # Confirmed by the importer, as a reviewer's confirmation (check_row says when not).
            instance.reviewed_by = self.user
            instance.reviewed_at = timezone.now()
            instance.return_reason = ""
        elif stored == AwardState.RETURNED and wanted in (
            AwardState.RETURNED,
            AwardState.REGISTERED,
        ):
            # A changed returned award is registered again (awards.services.update_award).
            instance.state = AwardState.REGISTERED
            instance.return_reason = ""

    def check_row(self, instance, row):
        errors = {}
        stored, wanted = instance._stored_state, instance._wanted_state
        if stored is None and wanted == AwardState.RETURNED:
            errors["state"] = _(
                "匯入的獎項只能是「待確認」或「已確認」；退回須由研考會在審查頁面填寫原因。"
            )
        elif stored == AwardState.CONFIRMED and wanted != AwardState.CONFIRMED:
            errors["state"] = _(
                "此獎項已確認，不能以匯入改為「{state}」；請由研考會在審查頁面退回。"
            ).format(state=AwardState(wanted).label)
        elif stored == AwardState.REGISTERED and wanted == AwardState.RETURNED:
            errors["state"] = _("退回須由研考會在審查頁面填寫退回原因，不能以匯入退回。")
        elif stored == AwardState.RETURNED and wanted == AwardState.CONFIRMED:
            errors["state"] = _(
                "只有待確認的獎項可以確認（目前狀態：退回補正），請先補正後重新登錄。"
            )
        elif wanted == AwardState.CONFIRMED and stored != wanted and self.user is None:
            errors["state"] = _(
                "以系統身分匯入時不能確認獎項；請以系統管理者帳號匯入（import_records --user）。"
            )
        agency = instance.agency if instance.agency_id else None
        if agency is not None and instance.pk is None and not agency.active:
            errors["agency"] = _("獲獎機關「{name}」已停用。").format(name=agency.name)
        year = instance.roc_year  # None when its cell could not be read (its own message)
        if (
            not instance.evidence_url
            and not instance.evidence_file
            and year is not None
            and not is_historical_year(year)
        ):
            # (A historical award may come without: it is then awaiting its evidence.)
            errors["evidence_url"] = _(
                "{year}年的獎項須附佐證：請填佐證連結（匯入無法附檔）。"
                "只有{last}年以前的歷史獎項可先不附，匯入後標示為「待補佐證」。"
            ).format(year=year, last=current_roc_year() - 2)
        if errors:
            raise ValidationError(errors)
