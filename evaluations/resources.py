"""Service-quality registers: telephone courtesy tests (電話禮貌測試), mystery-shopper audits
(神秘客實地稽核) and Government Service Award coaching (政府服務獎輔導).

**Tests and audits: one row per record, one column per rubric item.** A reviewer fills a
spreadsheet the way the paper form reads: the call's or visit's details, then the points of
each item side by side. The item columns are headed by the item's code and the first words of
its label (``S1 接聽速度``, ``E1 環境整潔``); the bare code (``S1``) or the full label is accepted
as the header too. Item codes stay the same from one year's rubric version to the next (a version is
a copy of the one before), so one layout serves every year: the columns are every code of every
version of the kind, latest version's order first, and a cell is left blank where an item does
not apply (a direct call has no 總機 items) or did not exist that year.

Each record is scored with the rubric version of its date's year (created from the year before
when the year has none, as the entry page does); an existing record keeps the version it was
scored with, so its date stays in that year. The points go through ``services.score_points``, the
service the entry form calls: every applicable item needs points between 0 and its maximum in
steps of 0.1, an item that does not apply to the record (another route, another version) must be
blank, and the total, maximum and 百分制 score are computed, never read from the file (the
export shows them). A year whose annual evaluation is final (確定) takes no new or changed record.

**References** (``TEL-113-0001``, ``AUD-113-0001``) are the natural key: a row with an existing
reference corrects that record, a row with a new one adds it under that reference (its year must
be the date's), and a row with the reference left blank is a new record numbered as the entry
page numbers it. A blank-reference row that repeats a record already in the database or earlier
in the file (same agency, unit, date and time for a call; same agency, counter and date for an
audit) is refused: to correct a record, its reference is written. So an export imports back
unchanged, and a second import of the same file with blank references adds nothing.

**Coaching entries** (one row per agency's plan and year, found by 年度, 機關代碼 and
參獎方案名稱): the award's stages are one date column each (輔導日期 … 得獎日期, 未獲獎日期), filled
in order as the entry moved (``evaluations.coaching``: one stage at a time, no date before the
previous stage's). A file may add the later stages of an entry; the stages already recorded
(with their dates) cannot be changed or removed by a file.
"""

from __future__ import annotations

import copy
import datetime
import re
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import services
from evaluations.choices import (
    GROUPS_BY_ROUTE,
    PIPELINE,
    AwardCategory,
    CallRoute,
    CoachingStage,
    RubricKind,
)
from evaluations.forms import PhoneTestForm, ROCYearField
from evaluations.models import (
    Audit,
    AuditScore,
    AuditTarget,
    AwardCoaching,
    CoachingStageChange,
    PhoneTest,
    PhoneTestScore,
    Rubric,
    RubricItem,
)
from evaluations.rubrics import DEFAULT_ITEMS, rubric_for
from tainan_rdec.importing import Column, RegisterResource, register
from tainan_rdec.importing.widgets import (
    ChoiceWidget,
    DateWidget,
    FormFieldWidget,
    PortalWidget,
    TextWidget,
    cell_text,
    is_blank,
    normalize,
    to_decimal,
    unescape_formula,
)
from tainan_rdec.resources import agency_widget
from tainan_rdec.roc import ROC_OFFSET, format_roc_date, format_roc_date_export

IMPORT_REASON = _("批次匯入")
# The entry pages take records from 2000 (民國89年) to next year (evaluations.views.common).
FIRST_RECORD_YEAR = 2000
EARLIEST_RECORD = datetime.date(FIRST_RECORD_YEAR, 1, 1)


def _duplicate_message(first_row: int, headers) -> str:
    names = "".join(f"「{h}」" for h in headers)
    return _("與第{row}列重複（{columns}相同），同一筆資料只能出現一次。").format(
        row=first_row, columns=names
    )


# -- cells ----------------------------------------------------------------------------------


class ReferenceWidget(TextWidget):
    """A record's reference, ``TEL-113-0001``: upper-cased, checked for its form; blank for a
    new record numbered by the system."""

    def __init__(self, prefix: str, **kwargs):
        super().__init__(**kwargs)
        self.prefix = prefix
        self.pattern = re.compile(rf"^{prefix}-(\d{{1,3}})-(\d{{4,6}})$")
        self.format_hint = _("例如 {prefix}-113-0001；新紀錄可留空，由系統依年度編號。").format(
            prefix=prefix
        )

    def clean(self, value, row=None, **kwargs):
        text = normalize(cell_text(value)).upper()
        if text and not self.pattern.match(text):
            raise ValueError(
                _(
                    "編號「{text}」的格式不正確，"
                    "應為 {prefix}-民國年-流水號，例如 {prefix}-113-0001。"
                ).format(text=cell_text(value), prefix=self.prefix)
            )
        return text

    def roc_year(self, reference: str) -> int:
        return int(self.pattern.match(reference)[1])


class TimeWidget(PortalWidget):
    """A time of day: ``14:30`` (also ``14:30:05``, full-width digits, an Excel time cell or
    the fraction of a day Excel stores). Exported as ``14:30``."""

    format_hint = _("時:分（24小時制），例如 14:30。")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.field = forms.TimeField()

    def to_python(self, value):
        if isinstance(value, datetime.datetime):
            return value.time()
        if isinstance(value, datetime.time):
            return value
        number = to_decimal(value)
        if number is not None:
            if 0 <= number < 1:
                seconds = int((number * 86400).to_integral_value())
                return datetime.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
        else:
            text = normalize(unescape_formula(str(value)))
            try:
                return self.field.clean(text)
            except ValidationError:
                pass
        raise ValueError(_("「{text}」不是時間，請填時:分，例如 14:30。").format(text=value))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")


class PointsWidget(PortalWidget):
    """An item's points (``7.5``); whether they are within the item's maximum is the scoring
    service's question, which knows the record's rubric version."""

    format_hint = _("得分：0 至該項配分，最多1位小數；不適用的項目留空。")

    def to_python(self, value):
        number = to_decimal(value)
        if number is None:
            try:
                number = Decimal(normalize(unescape_formula(str(value))).replace(",", ""))
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            raise ValueError(_("「{text}」不是數字，得分須為數字。").format(text=value))
        return number


class ItemColumn(Column):
    """One rubric item's points, by the item's code: kept in ``instance._points`` until the
    row is scored (``ScoredRecordResource.check_row``)."""

    def __init__(self, code: str, header: str, *, aliases, help, example):
        super().__init__(
            f"_item_{code}",
            header,
            PointsWidget(),
            aliases=aliases,
            help=help,
            example=example,
        )
        self.code = code

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance._points[self.code] = self.clean(row)
        instance._from_file.add(self.code)

    def get_value(self, instance):
        points = getattr(instance, "_points", None)
        if points is None:
            points = stored_points(instance)
        return points.get(self.code)


def stored_points(record) -> dict[str, Decimal]:
    """Item code → points of a saved test or audit (from prefetched scores on export)."""
    if record.pk is None:
        return {}
    return {score.item.code: score.points for score in record.scores.all()}


def _short(label: str) -> str:
    """The header words of an item's label: ``接聽速度`` of ``接聽速度：鈴響4聲…``."""
    return re.split(r"[：:（(]", label, maxsplit=1)[0].strip() or label


def item_columns(kind: str, example_groups) -> list[ItemColumn]:
    """A column for every item code of every rubric version of ``kind`` (and of the default
    items), the latest version's order first. ``example_groups``: the groups whose items get an
    example (their maximum) in the template's example row."""
    found: dict[str, list] = {}
    items = (
        RubricItem.objects.filter(rubric__kind=kind)
        .select_related("rubric")
        .order_by("-rubric__year", "order", "code")
    )
    for item in items:
        found.setdefault(item.code, []).append(
            (item.group, item.label, item.max_points, item.rubric.roc_year)
        )
    for group, code, label, max_points in DEFAULT_ITEMS[kind]:
        found.setdefault(code, []).append((group, label, Decimal(max_points), None))
    columns = []
    for code, versions in found.items():
        group, label, max_points, roc_year = versions[0]
        header = f"{code} {_short(label)}"
        aliases = {code, f"{code} {label}", f"{code}{label}"}
        for _g, other, _m, _y in versions:
            aliases |= {f"{code} {other}", f"{code} {_short(other)}"}
        aliases.discard(header)
        if roc_year is None:
            help_text = _("{label}（預設配分{max}分）").format(
                label=label, max=f"{max_points.normalize():f}"
            )
        else:
            help_text = _("{label}（{year}年度評分表配分{max}分）").format(
                label=label, year=roc_year, max=f"{max_points.normalize():f}"
            )
        columns.append(
            ItemColumn(
                code,
                header,
                aliases=sorted(aliases),
                help=help_text,
                example=max_points if group in example_groups else None,
            )
        )
    return columns


# -- tests and audits ---------------------------------------------------------------------------


class ScoredRecordResource(RegisterResource):
    """What the test and the audit registers share: the reference, the item columns, scoring
    with the record's rubric version (see the module docstring)."""

    kind: str = ""
    prefix: str = ""
    date_field: str = ""
    #: the fields that identify a record besides its reference (duplicates of blank references)
    identity: tuple[str, ...] = ()
    #: the item columns go after this column
    items_after: str = ""
    #: the groups whose items the template's example row fills
    example_groups: tuple[str, ...] = ()
    score_model = None
    score_owner = ""

    export_select_related = ("agency",)
    export_prefetch_related = ("scores__item",)
    # Set by the import itself: the reference (blank = numbered at save), the rubric version,
    # the figures the scoring service computes, who recorded it.
    unvalidated_fields = ("reference", "rubric", "total", "max_total", "score", "recorded_by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.point_columns = item_columns(self.kind, self.example_groups)
        for column in self.point_columns:
            self.fields[column.attribute] = column
        self._rubrics: dict[int, Rubric] = {}
        self._identities: dict[tuple, int] = {}

    def _with_items(self, names) -> tuple:
        items = [c.attribute for c in self.point_columns]
        rest = [n for n in names if n not in items]
        at = rest.index(self.items_after) + 1
        return (*rest[:at], *items, *rest[at:])

    def get_export_order(self):
        return self._with_items(super().get_export_order())

    def get_import_order(self):
        return self._with_items(super().get_import_order())

    # -- rows ------------------------------------------------------------------------------

    def reference_column(self) -> Column:
        return self.fields["reference"]

    def before_import(self, dataset, **kwargs):
        # Rows that name their reference first: a blank one then takes the next free number
        # and can never take a number that a later row of the file names.
        header = self.reference_column().column_name
        if header not in dataset.headers:
            return
        rows = sorted(dataset.dict, key=lambda row: is_blank(row[header]))
        headers = dataset.headers
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append([row[h] for h in headers])

    def get_or_init_instance(self, instance_loader, row):
        if is_blank(row.get(self.reference_column().column_name)):
            return self.init_instance(row), True
        return super().get_or_init_instance(instance_loader, row)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        # Item code → points as stored; the item columns the file has replace them.
        instance._points = (
            {} if new else {s.item.code: s.points for s in instance.scores.select_related("item")}
        )
        instance._from_file = set()

    def rubric(self, instance) -> Rubric:
        """The record's rubric version, its items read once per import."""
        if instance.pk is not None:
            key = instance.rubric_id
        else:
            day = getattr(instance, self.date_field)
            key = rubric_for(self.kind, day.year).pk
        if key not in self._rubrics:
            self._rubrics[key] = Rubric.objects.prefetch_related("items").get(pk=key)
        return self._rubrics[key]

    def check_details(self, instance) -> dict:
        """The record kind's own rules (as the entry form's service checks them)."""
        return {}

    def call_route(self, instance) -> str | None:
        """The route a call took (it decides the items scored); None for audits."""
        return None

    def check_row(self, instance, row):
        errors: dict[str, list] = {}

        def add(name, message):
            errors.setdefault(name, []).append(message)

        for name, message in self.check_details(instance).items():
            add(name, message)
        agency = instance.agency if instance.agency_id else None
        if agency is not None and instance.pk is None and not agency.active:
            add("agency", _("機關「{name}」已停用。").format(name=agency.name))
        day = getattr(instance, self.date_field)
        if day is None:  # the date's own message is there
            if errors:
                raise ValidationError(errors)
            return
        label = self.fields[self.date_field].column_name
        if day.year > timezone.localdate().year + 1:
            add(
                self.date_field,
                _("{label}{date}晚於明年，請檢查年份。").format(
                    label=label, date=format_roc_date(day)
                ),
            )
            raise ValidationError(errors)
        rubric = self.rubric(instance)
        if instance.pk is None:
            instance.rubric = rubric
        elif day.year != rubric.year:
            add(
                self.date_field,
                _("日期須在{year}年度內（本紀錄使用{year}年度評分表）。").format(
                    year=rubric.roc_year
                ),
            )
        reference = instance.reference
        if reference and instance.pk is None:
            year = self.reference_column().widget.roc_year(reference)
            if year != rubric.roc_year:
                add(
                    "reference",
                    _(
                        "編號「{reference}」的年度（{year}年）與{label}（{roc}年）不符；"
                        "新紀錄的編號可留空，由系統編號。"
                    ).format(reference=reference, year=year, label=label, roc=rubric.roc_year),
                )
        try:
            services.check_year_open(rubric.year)
        except ValidationError as error:
            for message in error.messages:
                add(NON_FIELD_ERRORS, message)
        self._score(instance, rubric, add)
        if instance.pk is None:
            self._check_duplicate(instance, add)
        if errors:
            raise ValidationError(errors)

    def _score(self, instance, rubric, add) -> None:
        route = self.call_route(instance)
        if self.kind == RubricKind.PHONE and not route:
            return  # the route's own message is there
        # As the entry form does, stored points of items that no longer apply (the call's route
        # changed) are dropped when the file leaves their columns out; points the file gives
        # for such an item are refused by the service.
        groups = services.applicable_groups(rubric.kind, route)
        applicable = {i.code for i in rubric.items.all() if i.group in groups}
        points = {
            code: value
            for code, value in instance._points.items()
            if value is not None and (code in applicable or code in instance._from_file)
        }
        try:
            scored = services.score_points(rubric, points, route=route)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                for message in error.messages:
                    add(NON_FIELD_ERRORS, message)
                return
            for code, messages in error.message_dict.items():
                name = f"_item_{code}" if f"_item_{code}" in self.fields else NON_FIELD_ERRORS
                for message in messages:
                    add(name, message)
            return
        instance._scored = scored
        instance.total, instance.max_total, instance.score = (
            scored.total,
            scored.max_total,
            scored.score,
        )

    def _check_duplicate(self, instance, add) -> None:
        opts = self._meta.model._meta
        values = {
            opts.get_field(name).attname: getattr(instance, opts.get_field(name).attname)
            for name in self.identity
        }
        if any(v in (None, "") for v in values.values()):
            return
        key = tuple(values.values())
        headers = [self.fields[name].column_name for name in self.identity]
        first = self._identities.setdefault(key, self.row_number)
        if first != self.row_number:
            add(NON_FIELD_ERRORS, _duplicate_message(first, headers))
            return
        existing = self._meta.model.objects.filter(**values).order_by("reference").first()
        if existing is not None:
            add(
                NON_FIELD_ERRORS,
                _(
                    "已登錄相同的紀錄 {reference}（{columns}相同）；要修正該筆紀錄，"
                    "請在「{column}」填 {reference}。"
                ).format(
                    reference=existing.reference,
                    columns="".join(f"「{h}」" for h in headers),
                    column=self.reference_column().column_name,
                ),
            )

    # -- saving ----------------------------------------------------------------------------

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.recorded_by = self.user
            if not instance.reference:
                roc = instance.rubric.roc_year
                # The entry page's numbering (the next number of the year).
                instance.reference = services._next_reference(
                    self._meta.model, f"{self.prefix}-{roc}-", 4
                )

    def after_save_instance(self, instance, row, **kwargs):
        scored = instance._scored
        self.score_model.objects.filter(**{self.score_owner: instance}).delete()
        self.score_model.objects.bulk_create(
            self.score_model(**{self.score_owner: instance}, item=item, points=points)
            for item, points in scored.points.items()
        )


def _figure(attribute, header):
    """An export-only figure the scoring computes (the file's value is never read)."""
    return Column(attribute, header, PortalWidget(), readonly=True)


ROUTE_ALIASES = {
    "經總機轉接": CallRoute.SWITCHBOARD,
    "總機轉接": CallRoute.SWITCHBOARD,
    "總機": CallRoute.SWITCHBOARD,
    "直撥": CallRoute.DIRECT,
    "直撥單位": CallRoute.DIRECT,
    "1999": CallRoute.HOTLINE,
    "話務中心": CallRoute.HOTLINE,
}


@register("phone_tests", label=_("電話禮貌測試"), order=70)
class PhoneTestResource(ScoredRecordResource):
    """Telephone courtesy tests (電話禮貌測試), one call per row, scored item by item."""

    kind = RubricKind.PHONE
    prefix = "TEL"
    date_field = "tested_on"
    identity = ("agency", "unit", "tested_on", "tested_at")
    items_after = "seconds_to_answer"
    example_groups = GROUPS_BY_ROUTE[CallRoute.DIRECT]
    score_model = PhoneTestScore
    score_owner = "test"

    reference = Column(
        "reference",
        "編號",
        ReferenceWidget("TEL"),
        help=_("新紀錄可留空，由系統依測試日期的年度編號；填已有的編號即修正該筆紀錄。"),
    )
    agency = Column(
        "agency",
        "受測機關代碼",
        agency_widget(label=_("受測機關代碼")),
        required=True,
        example="B06",
    )
    unit = Column(
        "unit",
        "受測單位",
        required=True,
        example="養護工程科",
        help=_("測試總機或1999話務中心時填寫「總機」或「話務中心」。"),
    )
    route = Column(
        "route",
        "撥打方式",
        ChoiceWidget(CallRoute, aliases=ROUTE_ALIASES),
        required=True,
        example="直撥業務單位",
        help=_("經總機轉接時評總機及受話單位兩組項目；直撥或1999話務中心只評業務單位項目。"),
    )
    phone_number = Column("phone_number", "電話號碼", required=True, example="06-2991111")
    extension = Column("extension", "分機", example="8123")
    tested_on = Column(
        "tested_on",
        "測試日期",
        DateWidget(earliest=EARLIEST_RECORD),
        required=True,
        example="113/03/26",
    )
    tested_at = Column("tested_at", "測試時間", TimeWidget(), required=True, example="10:30")
    tester = Column("tester", "測試人員", required=True, example="陳專員")
    rings = Column(
        "rings",
        "響鈴聲數",
        FormFieldWidget(copy.deepcopy(PhoneTestForm.base_fields["rings"]), format_hint=_("整數。")),
        example=3,
        help=_("響鈴聲數或接聽秒數至少填一項。"),
    )
    seconds_to_answer = Column(
        "seconds_to_answer",
        "接聽秒數",
        FormFieldWidget(
            copy.deepcopy(PhoneTestForm.base_fields["seconds_to_answer"]),
            format_hint=_("整數。"),
        ),
    )
    recording_ref = Column("recording_ref", "錄音檔編號")
    notes = Column("notes", "備註")
    total = _figure("total", "得分")
    max_total = _figure("max_total", "滿分")
    score = _figure("score", "成績（百分制）")

    class Meta:
        model = PhoneTest
        fields = (
            "reference",
            "agency",
            "unit",
            "route",
            "phone_number",
            "extension",
            "tested_on",
            "tested_at",
            "tester",
            "rings",
            "seconds_to_answer",
            "recording_ref",
            "notes",
            "total",
            "max_total",
            "score",
        )
        import_id_fields = ("reference",)

    def check_details(self, instance):
        if instance.rings is None and instance.seconds_to_answer is None:
            return {"rings": _("請填寫響鈴聲數或接聽秒數（至少一項）。")}
        return {}

    def call_route(self, instance):
        return instance.route or None


@register("audits", label=_("神秘客實地稽核"), order=71)
class AuditResource(ScoredRecordResource):
    """Mystery-shopper counter audits (神秘客實地稽核), one visit per row, scored item by item;
    each is linked to its agency's entry on the year's target list, as the entry page does."""

    kind = RubricKind.AUDIT
    prefix = "AUD"
    date_field = "visited_on"
    identity = ("agency", "counter", "visited_on")
    items_after = "auditor"
    example_groups = tuple(group for group, *_rest in DEFAULT_ITEMS[RubricKind.AUDIT])
    score_model = AuditScore
    score_owner = "audit"

    reference = Column(
        "reference",
        "編號",
        ReferenceWidget("AUD"),
        help=_("新紀錄可留空，由系統依稽核日期的年度編號；填已有的編號即修正該筆紀錄。"),
    )
    agency = Column(
        "agency",
        "受稽核機關代碼",
        agency_widget(label=_("受稽核機關代碼")),
        required=True,
        example="D01",
    )
    counter = Column("counter", "受稽核櫃台", required=True, example="戶政及綜合服務櫃台")
    visited_on = Column(
        "visited_on",
        "稽核日期",
        DateWidget(earliest=EARLIEST_RECORD),
        required=True,
        example="113/05/14",
    )
    auditor = Column("auditor", "稽核人員", required=True, example="神秘客A")
    findings = Column("findings", "稽核發現", example="範例：雙語標示不足")
    total = _figure("total", "得分")
    max_total = _figure("max_total", "滿分")
    score = _figure("score", "成績（百分制）")

    class Meta:
        model = Audit
        fields = (
            "reference",
            "agency",
            "counter",
            "visited_on",
            "auditor",
            "findings",
            "total",
            "max_total",
            "score",
        )
        import_id_fields = ("reference",)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance.target = AuditTarget.objects.filter(
            agency=instance.agency_id, year=instance.rubric.year
        ).first()


# -- Government Service Award coaching ----------------------------------------------------------


class RocYearWidget(FormFieldWidget):
    """年度 as the coaching form reads it (``ROCYearField``: 112, or 2023), shown as 112."""

    def __init__(self, **kwargs):
        super().__init__(
            ROCYearField(required=True, error_messages={"required": _("此欄必填。")}),
            format_hint=_("民國年，例如 112。"),
            **kwargs,
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value - ROC_OFFSET


class StageDateColumn(Column):
    """The date an entry reached one stage of the award (blank: not reached)."""

    def __init__(self, stage: CoachingStage, header: str, **kwargs):
        super().__init__(f"_stage_{stage.value}", header, DateWidget(), **kwargs)
        self.stage = stage

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance._stage_dates[self.stage] = self.clean(row)

    def get_value(self, instance):
        dates = getattr(instance, "_stage_dates", None)
        if dates is None:
            dates = stage_dates(instance)
        return dates.get(self.stage)


def stage_dates(entry) -> dict[str, datetime.date]:
    """Stage → the date the entry reached it (from prefetched changes on export)."""
    if entry.pk is None:
        return {}
    return {change.to_stage: change.on_date for change in entry.changes.all()}


# Stages in the order an entry may pass them; 未獲獎 ends one at any stage before the award.
STAGE_ORDER = (*PIPELINE, CoachingStage.NOT_AWARDED)
# The coaching register's first year: the commission's records start long after 民國元年.
EARLIEST_COACHING_ROC_YEAR = 80


@register("coaching", label=_("政府服務獎輔導"), order=72)
class CoachingResource(RegisterResource):
    """Government Service Award coaching entries (政府服務獎輔導) with the date of each stage."""

    year = Column(
        "year",
        "年度",
        RocYearWidget(),
        required=True,
        example=112,
        aliases=("年度（民國）",),
    )
    agency = Column(
        "agency", "機關代碼", agency_widget(), required=True, example="B06", aliases=("受輔導機關",)
    )
    category = Column(
        "category", "參獎類別", ChoiceWidget(AwardCategory), required=True, example="數位創新加值"
    )
    title = Column("title", "參獎方案名稱", required=True, example="範例：道路挖掘一站通")
    coaching_on = StageDateColumn(
        CoachingStage.COACHING,
        "輔導日期",
        required=True,
        example="112/03/01",
        aliases=("開始輔導日期",),
    )
    recommended_on = StageDateColumn(CoachingStage.RECOMMENDED, "推薦日期")
    written_review_on = StageDateColumn(CoachingStage.WRITTEN_REVIEW, "書面初審日期")
    shortlisted_on = StageDateColumn(CoachingStage.SHORTLISTED, "入圍日期")
    site_visit_on = StageDateColumn(CoachingStage.SITE_VISIT, "實地訪視日期")
    awarded_on = StageDateColumn(CoachingStage.AWARDED, "得獎日期")
    not_awarded_on = StageDateColumn(
        CoachingStage.NOT_AWARDED, "未獲獎日期", help=_("在任一階段結束（未獲獎）時填寫。")
    )
    notes = Column("notes", "備註")
    stage = Column("stage", "目前階段", ChoiceWidget(CoachingStage), readonly=True)

    export_select_related = ("agency",)
    export_prefetch_related = ("changes",)
    unvalidated_fields = ("created_by",)

    class Meta:
        model = AwardCoaching
        fields = (
            "year",
            "agency",
            "category",
            "title",
            "coaching_on",
            "recommended_on",
            "written_review_on",
            "shortlisted_on",
            "site_visit_on",
            "awarded_on",
            "not_awarded_on",
            "notes",
            "stage",
        )
        import_id_fields = ("year", "agency", "title")

    def stage_column(self, stage) -> Column:
        return next(
            c for c in self.fields.values() if getattr(c, "stage", None) == CoachingStage(stage)
        )

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored_dates = {} if new else stage_dates(instance)
        instance._stage_dates = dict(instance._stored_dates)

    def check_row(self, instance, row):
        errors = {}

        def column(stage):
            return self.stage_column(stage).attribute

        def label(stage):
            return CoachingStage(stage).label

        if instance.year is not None:
            roc = instance.year - ROC_OFFSET
            this_year = timezone.localdate().year - ROC_OFFSET
            if roc < EARLIEST_COACHING_ROC_YEAR:
                errors["year"] = _(
                    "年度讀作民國{roc}年（西元{year}年），疑似民國年與西元年混用："
                    "民國年請寫 2 至 3 位數（例如 112），西元年請寫 4 位數（例如 2023）。"
                ).format(roc=roc, year=instance.year)
            elif roc > this_year + 1:
                errors["year"] = _("年度（民國{roc}年）晚於明年，請檢查年份。").format(roc=roc)
        agency = instance.agency if instance.agency_id else None
        if agency is not None and instance.pk is None and not agency.active:
            errors["agency"] = _("機關「{name}」已停用。").format(name=agency.name)

        dates = instance._stage_dates
        for stage, day in instance._stored_dates.items():
            if dates.get(stage) != day:
                errors[column(stage)] = _(
                    "已登錄的階段日期（{date}）不能以匯入修改或刪除。"
                ).format(date=format_roc_date_export(day))
        if errors:
            raise ValidationError(errors)
        if not dates.get(CoachingStage.COACHING) and column(CoachingStage.COACHING) not in errors:
            errors[column(CoachingStage.COACHING)] = _("請填寫開始輔導的日期。")
        for index, stage in enumerate(PIPELINE):
            missing = [s for s in PIPELINE[:index] if not dates.get(s)]
            if dates.get(stage) and missing and stage != CoachingStage.COACHING:
                errors[column(stage)] = _(
                    "已填「{stage}」的日期，請一併填寫之前各階段（{missing}）的日期：每個階段須依序經過。"
                ).format(stage=label(stage), missing="、".join(str(label(s)) for s in missing))
        if dates.get(CoachingStage.AWARDED) and dates.get(CoachingStage.NOT_AWARDED):
            errors[column(CoachingStage.NOT_AWARDED)] = _("已得獎的方案不填未獲獎日期。")
        if not errors:
            reached = [(s, dates[s]) for s in STAGE_ORDER if dates.get(s)]
            for (previous, before), (stage, day) in pairwise(reached):
                if day < before:
                    errors[column(stage)] = _(
                        "日期不可早於前一階段「{previous}」的日期（{date}）。"
                    ).format(previous=label(previous), date=format_roc_date_export(before))
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        dates = instance._stage_dates
        reached = [s for s in STAGE_ORDER if dates.get(s)]
        instance.stage = reached[-1]
        instance.reached_level = max(PIPELINE.index(s) for s in reached if s in PIPELINE)
        if instance.pk is None:
            instance.created_by = self.user

    def after_save_instance(self, instance, row, **kwargs):
        dates = instance._stage_dates
        reached = [s for s in STAGE_ORDER if dates.get(s)]
        previous = ""
        new_changes = []
        for stage in reached:
            if stage not in instance._stored_dates:
                new_changes.append(
                    CoachingStageChange(
                        coaching=instance,
                        from_stage=previous,
                        to_stage=stage,
                        on_date=dates[stage],
                        note=str(IMPORT_REASON),
                        by=self.user,
                    )
                )
            previous = stage
        CoachingStageChange.objects.bulk_create(new_changes)
        instance._stored_dates = {s: dates[s] for s in reached}
