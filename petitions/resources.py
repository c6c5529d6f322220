"""Citizen-service registers: categories, subcategories and cases.

Cases are the OPEN1999 dispatch format with Chinese headers (the Open311 field names are
accepted as headers too). A case import only adds cases: a case number already registered is
skipped when the row says the same, and refused when it differs (a registered case changes
through the case pages, which keep its history and rollups). Each new case gets what
``petitions.services.register_case`` and ``close_case`` would give it — the category from the
subcategory, the due date in working days, processing days and the on-time flag — and the
daily rollups of every day the file touched are rebuilt before the import commits.

Personal data (個人資料保護法): the petitioner's name, phone and e-mail are not columns of this
register, so no export can carry them.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from petitions.choices import CaseStatus, Channel
from petitions.models import Case, Category, Event, Subcategory
from tainan_rdec.importing import Column, RegisterResource, register
from tainan_rdec.importing.widgets import (
    BooleanWidget,
    ChoiceWidget,
    DateTimeWidget,
    FormFieldWidget,
    IntegerWidget,
    NaturalKeyWidget,
    cell_text,
    normalize,
)
from tainan_rdec.models import District
from tainan_rdec.resources import agency_widget
from tainan_rdec.roc import format_roc_date_export
from tainan_rdec.scoping import is_commission
from tainan_rdec.workdays import due_date as working_due_date
from tainan_rdec.workdays import processing_working_days, to_local_date

# Cases are records of this century; a 2-digit year typed as ROC lands before it.
CASES_FROM = datetime.date(2000, 1, 1)


def _coordinate_field(limit: int):
    """A latitude (``limit`` 90) or longitude (180) in decimal degrees."""
    return forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, required=False
    )


@register("categories", label=_("案件類別"), order=60)
class CategoryResource(RegisterResource):
    """Service categories (OPEN1999 ``service_name``) with their time limit in working days."""

    name = Column("name", "案件類別", required=True, example="範例：公園維護")
    time_limit_days = Column(
        "time_limit_days",
        "處理期限（工作天）",
        IntegerWidget(),
        required=True,
        example=6,
        help=_("1 至 30 個工作天。"),
    )
    active = Column("active", "使用中", BooleanWidget(default=True), example="是")
    sort_order = Column("sort_order", "排序", IntegerWidget(), example=100, default=0)

    scope = None

    class Meta:
        model = Category
        fields = ("name", "time_limit_days", "active", "sort_order")
        import_id_fields = ("name",)


@register("subcategories", label=_("案件細項"), order=61)
class SubcategoryResource(RegisterResource):
    """Subcategories (OPEN1999 ``subproject``) by their Open311 service code."""

    code = Column(
        "code", "細項代碼", required=True, example="1001", help=_("Open311 的 service_code。")
    )
    category = Column(
        "category",
        "案件類別",
        NaturalKeyWidget(Category, "name", label=_("案件類別")),
        required=True,
        example="範例：公園維護",
    )
    name = Column("name", "細項", required=True, example="範例：遊具損壞")
    time_limit_days = Column(
        "time_limit_days",
        "處理期限（工作天）",
        IntegerWidget(),
        help=_("空白時依案件類別的期限。"),
    )
    active = Column("active", "使用中", BooleanWidget(default=True), example="是")

    scope = None
    export_select_related = ("category",)

    class Meta:
        model = Subcategory
        fields = ("code", "category", "name", "time_limit_days", "active")
        import_id_fields = ("code",)


class SubcategoryWidget(NaturalKeyWidget):
    """細項 by name within the row's 案件類別 (``路面坑洞`` under ``道路維修``), or by code."""

    def __init__(self, **kwargs):
        super().__init__(Subcategory, "code", label=_("細項"), **kwargs)

    def cell_key(self, value, row):
        key = super().cell_key(value, row)
        category = (row or {}).get("案件類別")
        if key is None or not isinstance(category, str | None):
            return None
        return (*key, category)

    def clean(self, value, row=None, **kwargs):
        if value is None or not cell_text(value):
            return None
        text = normalize(cell_text(value))
        category = normalize(cell_text((row or {}).get("案件類別")))
        key = f"{category}\x00{text}"
        if key not in self._cache:
            queryset = Subcategory.objects.select_related("category")
            found = None
            if category:
                found = queryset.filter(category__name=category, name=text).first()
            self._cache[key] = found or queryset.filter(code=text).first()
        found = self._cache[key]
        if found is None:
            if category:
                raise ValueError(
                    _("案件類別「{category}」沒有細項「{text}」。").format(
                        category=category, text=text
                    )
                )
            raise ValueError(_("找不到細項「{text}」，請一併填寫案件類別。").format(text=text))
        return found

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


@register("cases", label=_("陳情及1999案件"), order=62)
class CaseResource(RegisterResource):
    """Cases (案件), one row each, by 案件編號. See the module docstring."""

    case_number = Column(
        "case_number",
        "案件編號",
        required=True,
        example="UN202403260001",
        aliases=("service_request_id",),
    )
    channel = Column(
        "channel",
        "受理管道",
        ChoiceWidget(Channel, aliases={"1999": Channel.HOTLINE_1999}),
        required=True,
        example="1999專線",
    )
    received_at = Column(
        "received_at",
        "受理時間",
        DateTimeWidget(earliest=CASES_FROM),
        required=True,
        example="113/03/26 09:30",
        aliases=("requested_datetime",),
    )
    category = Column(
        "category",
        "案件類別",
        NaturalKeyWidget(Category, "name", label=_("案件類別")),
        required=True,
        example="道路維修",
        aliases=("service_name",),
    )
    subcategory = Column(
        "subcategory",
        "細項",
        SubcategoryWidget(),
        required=True,
        example="路面坑洞",
        aliases=("subproject",),
    )
    district = Column(
        "district",
        "行政區",
        NaturalKeyWidget(District, "name", also=("code",), label=_("行政區")),
        example="東區",
        aliases=("area",),
    )
    address = Column(
        "address", "地址", example="臺南市東區中華東路一段100號", aliases=("address_string",)
    )
    latitude = Column(
        "latitude",
        "緯度",
        FormFieldWidget(_coordinate_field(90), format_hint=_("十進位度數，例如 22.991")),
        aliases=("lat",),
    )
    longitude = Column(
        "longitude",
        "經度",
        FormFieldWidget(_coordinate_field(180), format_hint=_("十進位度數，例如 120.227")),
        aliases=("long",),
    )
    description = Column(
        "description",
        "案情描述",
        required=True,
        example="範例：路面坑洞，機車行經危險",
        aliases=("description",),
    )
    handling_agency = Column(
        "handling_agency",
        "承辦機關代碼",
        agency_widget(label=_("承辦機關代碼")),
        required=True,
        example="B06",
        aliases=("agency",),
    )
    status = Column(
        "status",
        "處理狀態",
        ChoiceWidget(CaseStatus, default=CaseStatus.RECEIVED),
        example="受理",
        aliases=("status",),
    )
    first_response_at = Column(
        "first_response_at", "首次回應時間", DateTimeWidget(earliest=CASES_FROM)
    )
    closed_at = Column(
        "closed_at",
        "結案時間",
        DateTimeWidget(earliest=CASES_FROM),
        help=_("處理狀態為「已結案」時必填。"),
    )
    satisfaction = Column("satisfaction", "滿意度（1–5）", IntegerWidget(), aliases=("滿意度",))
    reopened_count = Column("reopened_count", "重新開啟次數", IntegerWidget(), default=0, example=0)
    event = Column("event", "專案", NaturalKeyWidget(Event, "name", label=_("專案")))
    # Derived by the services' rules; exported for reading, never taken from a file.
    due_date = Column("due_date", "處理期限", readonly=True)
    processing_days = Column("processing_days", "處理工作天數", readonly=True)
    closed_on_time = Column("closed_on_time", "依限結案", BooleanWidget(), readonly=True)

    export_select_related = ("category", "subcategory", "district", "handling_agency", "event")
    # CSV files of cases (five years are 1.5 million rows) go through the streamed path, which
    # reads and checks every row with this resource's own columns and rules.
    fast_path = "petitions.bulk.import_cases_csv"
    # Derived from the subcategory; when that cell is wrong, its own message says so.
    unvalidated_fields = ("due_date",)

    class Meta:
        model = Case
        fields = (
            "case_number",
            "channel",
            "received_at",
            "category",
            "subcategory",
            "district",
            "address",
            "latitude",
            "longitude",
            "description",
            "handling_agency",
            "status",
            "first_response_at",
            "closed_at",
            "satisfaction",
            "reopened_count",
            "event",
            "due_date",
            "processing_days",
            "closed_on_time",
        )
        import_id_fields = ("case_number",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._new: list[int] = []  # the new cases, grouped after the import

    def dehydrate_due_date(self, case):
        return format_roc_date_export(case.due_date)

    def complete_instance(self, instance, row):
        """What ``register_case`` and ``close_case`` derive, for a new case."""
        if instance.pk is not None:
            return
        subcategory = instance.subcategory if instance.subcategory_id else None
        if subcategory is not None:
            instance.category = subcategory.category
        if instance.received_at is None or subcategory is None:
            return
        instance.due_date = working_due_date(instance.received_at, subcategory.effective_time_limit)
        if instance.status == CaseStatus.CLOSED and instance.closed_at is not None:
            try:
                instance.processing_days = processing_working_days(
                    instance.received_at, instance.closed_at
                )
            except ValueError:
                return  # check_row says why
            instance.closed_on_time = to_local_date(instance.closed_at) <= instance.due_date

    def check_row(self, instance, row):
        if instance.pk is not None:
            raise ValidationError(
                _(
                    "案件編號「{number}」已登錄，內容與檔案不同；案件匯入只新增案件，"
                    "已登錄的案件請在案件頁面處理。"
                ).format(number=instance.case_number)
            )
        errors = {}
        user = self.user
        if (
            user is not None
            and instance.handling_agency_id is not None
            and not is_commission(user)
            and user.agency_id != instance.handling_agency_id
        ):
            errors["handling_agency"] = _("只有承辦機關或研考會可以登錄此案件。")
        received = instance.received_at
        if instance.status == CaseStatus.CLOSED:
            if instance.closed_at is None:
                errors["closed_at"] = _("處理狀態為「已結案」時，請填結案時間。")
            elif received is not None and to_local_date(instance.closed_at) < to_local_date(
                received
            ):
                errors["closed_at"] = _("結案時間不可早於受理時間。")
        else:
            if instance.closed_at is not None:
                errors["closed_at"] = _(
                    "未結案的案件不填結案時間；已結案請把處理狀態填「已結案」。"
                )
            if instance.satisfaction is not None:
                errors["satisfaction"] = _("滿意度於結案時填寫。")
        if (
            instance.first_response_at is not None
            and received is not None
            and instance.first_response_at < received
        ):
            errors["first_response_at"] = _("回應時間不可早於受理時間。")
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        self._new.append(instance.pk)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if (
            self._new
            and not kwargs.get("dry_run")
            and not (result.has_errors() or result.has_validation_errors())
        ):
            from petitions import grouping
            from petitions.rollups import Additions

            # The new cases are added to the rollups and join the calls of their problem
            # (重複陳情歸併), as the fast path does; the repeat-call marks the grouping changed
            # are added too.
            grouping.hold_lock()
            with Additions() as additions:
                additions.cases(self._new)
                rows = Case.objects.filter(pk__in=self._new).values_list(*grouping.FIELDS)
                arrived = grouping.Arrivals().add(list(rows))
                additions.repeat_changes(arrived.changes)
                additions.merge()
