"""Project control's registers: projects, milestones, S-curves, monthly reports, directives.

Projects are found by 列管編號 and agencies by code in every file. The figures go through the
edit form's own fields (``PercentField``, ``MoneyField``) and the filing rules of
``projects.services``; status changes are recorded with who imported them, as the pages do.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import registration, services
from projects.choices import (
    ControlStatus,
    DirectiveStatus,
    ExecutionPhase,
    ForwardCategory,
    FundingSource,
    MilestoneStatus,
    ProjectKind,
    ReportState,
    StatusField,
)
from projects.forms.reports import MoneyField, PercentField
from projects.models import (
    Directive,
    Milestone,
    MonthlyReport,
    PlannedPoint,
    Project,
    StatusChange,
    TenderNumber,
)
from tainan_rdec.importing import Column, ImportProblem, RegisterResource, register
from tainan_rdec.importing.widgets import (
    LIST_JOINER,
    LIST_SEPARATORS,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    FormFieldWidget,
    IntegerWidget,
    MonthWidget,
    NaturalKeyListWidget,
    NaturalKeyWidget,
    cell_text,
    normalize,
)
from tainan_rdec.models import District
from tainan_rdec.months import month_start
from tainan_rdec.resources import agency_list_widget, agency_widget
from tainan_rdec.roc import format_roc_month

IMPORT_REASON = _("批次匯入")


def project_widget():
    return NaturalKeyWidget(
        Project,
        "control_number",
        label=_("列管編號"),
        scope="editable",
        hint=_("已建立的列管案件編號。"),
    )


def money(**kwargs):
    return FormFieldWidget(
        MoneyField(**kwargs), format_hint=_("新臺幣元，整數，可含千分位逗號，例如 1,234,567。")
    )


def percent(**kwargs):
    return FormFieldWidget(
        PercentField(**kwargs), format_hint=_("累計百分比 0–100，最多2位小數，例如 45.5。")
    )


# -- projects ----------------------------------------------------------------------------------


class TenderNumbersColumn(Column):
    """標案案號: the project's PCC tender numbers in one cell (``1130001、1130002``). Kept on
    the instance until the project is saved, then the project's tender rows are made to match."""

    def clean(self, row, **kwargs):
        text = cell_text(row.get(self.column_name))
        numbers = []
        for part in LIST_SEPARATORS.split(text):
            part = normalize(part)
            if part and part not in numbers:
                numbers.append(part)
        return numbers

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance._tender_numbers = self.clean(row)

    def get_value(self, instance):
        if hasattr(instance, "_tender_numbers"):
            return sorted(instance._tender_numbers)
        if instance.pk is None:
            return []
        return sorted(t.number for t in instance.tenders.all())

    def export(self, instance, **kwargs):
        return LIST_JOINER.join(self.get_value(instance))


# The lifecycle a file may move an existing project along (the services' own steps). A new
# project arrives 新增, or 解除列管 with its final figures (a closed record from the former
# system); 列管中 or 暫緩列管 only with what listing needs (below).
_STEPS = {(start, end) for start_set, end in services.LIFECYCLE.values() for start in start_set}
# Statuses a new row may not arrive in without meeting the listing rules: both mean the project
# is (or was, until suspended) under control with its checkpoints and curve.
_LISTED_ON_ARRIVAL = frozenset({ControlStatus.LISTED, ControlStatus.SUSPENDED})
_NEW_PROJECT_ROUTE = _(
    "新案件請先以「新增」匯入，再匯入檢核點及預定進度，然後改為「列管中」；"
    "已解除列管的歷史案件可直接以「解除列管」匯入。"
)


@register("projects", label=_("列管案件"), order=40)
class ProjectResource(RegisterResource):
    """One row per controlled project (列管案件)."""

    control_number = Column(
        "control_number", "列管編號", required=True, example="P113-0001", help=_("唯一的列管編號。")
    )
    name = Column("name", "案件名稱", required=True, example="範例：運河北岸自行車道改善工程")
    host_agency = Column(
        "host_agency",
        "主辦機關代碼",
        agency_widget(label=_("主辦機關代碼")),
        required=True,
        example="B06",
    )
    co_agencies = Column(
        "co_agencies",
        "協辦機關代碼",
        agency_list_widget(label=_("協辦機關代碼")),
        example="B07",
    )
    kind = Column("kind", "列管類別", ChoiceWidget(ProjectKind), required=True, example="重大建設")
    forward_category = Column(
        "forward_category",
        "前瞻計畫類別",
        ChoiceWidget(ForwardCategory),
        help=_("列管類別為前瞻基礎建設時必填。"),
    )
    districts = Column(
        "districts",
        "行政區",
        NaturalKeyListWidget(District, "name", also=("code",), label=_("行政區")),
        example="安平區、中西區",
    )
    total_budget = Column(
        "total_budget", "總核定經費（元）", money(), required=True, example=120_000_000
    )
    funding_source = Column(
        "funding_source",
        "經費來源",
        ChoiceWidget(FundingSource, default=FundingSource.CITY),
        example="市府自籌",
    )
    summary = Column("summary", "計畫內容摘要", example="改善自行車道鋪面與照明")
    planned_start = Column(
        "planned_start", "預定開工日期", DateWidget(), required=True, example="113/01/15"
    )
    planned_completion = Column(
        "planned_completion", "預定完工日期", DateWidget(), required=True, example="114/06/30"
    )
    actual_completion = Column("actual_completion", "實際完工日期", DateWidget())
    phase = Column(
        "phase",
        "執行階段",
        ChoiceWidget(ExecutionPhase, default=ExecutionPhase.PLANNING),
        example="施工中",
    )
    control_status = Column(
        "control_status",
        "列管狀態",
        ChoiceWidget(ControlStatus, default=ControlStatus.NEW),
        example="新增",
        help=_(
            "已有的案件只能依列管流程變更（新增→列管中→暫緩列管／解除列管），並留下匯入紀錄。"
            "新案件以「新增」匯入，補齊檢核點及預定進度後再改為「列管中」；"
            "已結案的歷史案件可直接以「解除列管」匯入。"
        ),
    )
    in_annual_evaluation = Column(
        "in_annual_evaluation", "納入年度考評", BooleanWidget(default=True), example="是"
    )
    stop_reason = Column("stop_reason", "停工或異常原因")
    planned_resumption = Column("planned_resumption", "預定復工日期", DateWidget())
    tenders = TenderNumbersColumn(
        "tenders",
        "標案案號",
        example="1130001",
        help=_("工程會標案管理系統的標案案號，多個以「、」分隔。"),
    )

    export_select_related = ("host_agency",)
    export_prefetch_related = ("co_agencies", "districts", "tenders")
    unvalidated_fields = ("created_by",)

    class Meta:
        model = Project
        fields = (
            "control_number",
            "name",
            "host_agency",
            "co_agencies",
            "kind",
            "forward_category",
            "districts",
            "total_budget",
            "funding_source",
            "summary",
            "planned_start",
            "planned_completion",
            "actual_completion",
            "phase",
            "control_status",
            "in_annual_evaluation",
            "stop_reason",
            "planned_resumption",
            "tenders",
        )
        import_id_fields = ("control_number",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: the tender numbers the file names: number → (project pk, 列管編號) of the project
        #: holding it, and project pk → the numbers it holds (see before_import)
        self._tender_holders: dict[str, tuple[int, str]] = {}
        self._tenders_held: dict[int, set[str]] = {}

    def _hold_tenders(self, project, numbers) -> None:
        """``project`` now holds ``numbers`` and no other: those it gave up are free for the
        rows below."""
        for number in self._tenders_held.pop(project.pk, set()) - set(numbers):
            self._tender_holders.pop(number, None)
        self._tenders_held[project.pk] = set(numbers)
        for number in numbers:
            self._tender_holders[number] = (project.pk, project.control_number)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # Who holds each tender number the file names, read once for the file (a query a row
        # was a tenth of a big file's time) and kept up to date as rows are saved.
        self._tender_holders, self._tenders_held = {}, {}
        column = self.fields["tenders"]
        if column.column_name not in dataset.headers:
            return
        numbers = {n for row in dataset.dict for n in column.clean(row)}
        ordered = sorted(numbers)
        for start in range(0, len(ordered), 1000):
            taken = TenderNumber.objects.filter(number__in=ordered[start : start + 1000])
            for number, project_id, control_number in taken.values_list(
                "number", "project_id", "project__control_number"
            ):
                self._tender_holders[number] = (project_id, control_number)
                self._tenders_held.setdefault(project_id, set()).add(number)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored_status = (instance.control_status, instance.phase) if not new else None

    def check_row(self, instance, row):
        # The edit form's rules of the basic data (dates, forward-looking category).
        errors = {
            field: " ".join(messages)
            for field, messages in registration.basic_data_problems(instance).items()
        }
        stored = getattr(instance, "_stored_status", None)
        if stored is not None and instance.control_status:
            old = stored[0]
            new = instance.control_status
            if old != new and (old, new) not in _STEPS:
                errors["control_status"] = _(
                    "列管狀態不能從「{old}」改為「{new}」，請依列管流程在案件頁面辦理。"
                ).format(old=ControlStatus(old).label, new=ControlStatus(new).label)
            elif old != new and new == ControlStatus.LISTED and old == ControlStatus.NEW:
                problems = services.listing_problems(instance)
                if problems:
                    errors["control_status"] = " ".join(str(p) for p in problems)
        elif stored is None and instance.control_status in _LISTED_ON_ARRIVAL:
            # A new row that would arrive listed: the listing rules hold on this path too. It
            # has no checkpoint or curve yet (other registers), so it is refused with the
            # rules and the way round; a project already closed may arrive as it ended.
            problems = services.listing_problems(instance)
            if problems:
                errors["control_status"] = " ".join([*problems, str(_NEW_PROJECT_ROUTE)])
        clashes = [
            f"{number}（{holder[1]}）"
            for number in getattr(instance, "_tender_numbers", [])
            if (holder := self._tender_holders.get(number)) is not None
            and (instance.pk is None or holder[0] != instance.pk)
        ]
        if clashes:
            errors["tenders"] = _("標案案號已屬於其他列管案件：{list}。").format(
                list="、".join(clashes)
            )
        if errors:
            raise ValidationError(errors)

    def complete_instance(self, instance, row):
        if instance.pk is None:
            instance.created_by = self.user

    def save_m2m(self, instance, row, **kwargs):
        if not self.is_new:
            return super().save_m2m(instance, row, **kwargs)
        # A project just created has no co-agency nor district yet: one INSERT for each list,
        # where set() would first read what is there and then what is missing.
        for name in ("co_agencies", "districts"):
            column = self.fields[name]
            if column.column_name not in row:
                continue
            field = Project._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            through.objects.bulk_create(
                through(**{source: instance, target: related}) for related in column.clean(row)
            )

    def after_save_instance(self, instance, row, **kwargs):
        stored = getattr(instance, "_stored_status", None) or ("", "")
        for field, old, new in (
            (StatusField.CONTROL_STATUS, stored[0], instance.control_status),
            (StatusField.PHASE, stored[1], instance.phase),
        ):
            # A new project's first status is recorded too, unless it is the default.
            default = (
                ControlStatus.NEW
                if field == StatusField.CONTROL_STATUS
                else ExecutionPhase.PLANNING
            )
            if old != new and (old or new != default):
                StatusChange.objects.create(
                    project=instance,
                    field=field,
                    old_value=old,
                    new_value=new,
                    reason=IMPORT_REASON,
                    by=self.user,
                )
        instance._stored_status = (instance.control_status, instance.phase)
        numbers = getattr(instance, "_tender_numbers", None)
        if numbers is not None:
            if self.is_new:
                existing = set()  # a project just created holds no tender yet
            else:
                instance.tenders.exclude(number__in=numbers).delete()
                existing = set(instance.tenders.values_list("number", flat=True))
            TenderNumber.objects.bulk_create(
                TenderNumber(project=instance, number=n) for n in numbers if n not in existing
            )
            self._hold_tenders(instance, numbers)


# -- milestones --------------------------------------------------------------------------------


@register("milestones", label=_("檢核點"), order=41)
class MilestoneResource(RegisterResource):
    """A project's checkpoints (檢核點), one per row, found by 列管編號 and name."""

    project = Column("project", "列管編號", project_widget(), required=True, example="P113-0001")
    name = Column("name", "檢核點", required=True, example="範例：細部設計完成")
    planned_date = Column(
        "planned_date", "預定完成日期", DateWidget(), required=True, example="113/03/31"
    )
    actual_date = Column("actual_date", "實際完成日期", DateWidget())
    status = Column(
        "status",
        "達成情形",
        ChoiceWidget(MilestoneStatus, default=MilestoneStatus.SCHEDULED),
        example="預定",
    )
    note = Column("note", "說明")

    export_select_related = ("project",)

    class Meta:
        model = Milestone
        fields = ("project", "name", "planned_date", "actual_date", "status", "note")
        import_id_fields = ("project", "name")

    def check_row(self, instance, row):
        done = (MilestoneStatus.MET, MilestoneStatus.MET_LATE)
        if instance.status in done and instance.actual_date is None:
            raise ValidationError(
                {
                    "actual_date": _("達成情形為「{status}」時，請填實際完成日期。").format(
                        status=instance.get_status_display()
                    )
                }
            )


# -- S-curves ----------------------------------------------------------------------------------


@register("scurves", label=_("預定進度"), order=42)
class PlannedCurveResource(RegisterResource):
    """Planned S-curves: one row per project and month. The rows of one project are its whole
    curve; it becomes the project's current curve through ``services.create_baseline`` (a new
    version when it differs from the current one, with the reason; nothing when the same)."""

    project = Column("_project", "列管編號", project_widget(), required=True, example="P113-0001")
    month = Column("month", "月份", MonthWidget(), required=True, example="113/01")
    planned_percent = Column(
        "planned_percent",
        "預定進度",
        percent(),
        required=True,
        example="8.5",
        aliases=("預定累計進度（%）", "預定進度（%）", "預定累計進度"),
    )
    planned_allocation = Column(
        "planned_allocation",
        "預定累計分配數（元）",
        money(required=False),
        example=10_000_000,
        aliases=("預定分配數（元）",),
        default=0,
    )
    reason = Column(
        "_reason",
        "修正原因",
        help=_("已有預定進度的案件改用新的曲線時必填（同一案件填在任一列即可）。"),
    )
    version = Column("_version", "版次", IntegerWidget(), readonly=True)

    class Meta:
        model = PlannedPoint
        fields = ("project", "month", "planned_percent", "planned_allocation", "reason", "version")
        import_id_fields = ("project", "month")
        force_init_instance = True  # a curve is replaced as a whole, never edited in place
        skip_unchanged = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._curves = defaultdict(list)  # project pk -> [(row number, point)]

    def get_queryset(self):
        return PlannedPoint.objects.all()

    def export_queryset(self, queryset=None):
        queryset = PlannedPoint.objects.all() if queryset is None else queryset
        projects = Project.objects.all()
        if self.user is not None:
            projects = projects.visible_to(self.user)
        return (
            queryset.filter(baseline__is_current=True, baseline__project__in=projects)
            .select_related("baseline__project")
            .order_by("baseline__project__control_number", "month")
        )

    def dehydrate_project(self, point):
        return point.baseline.project.control_number

    def dehydrate_reason(self, point):
        return point.baseline.reason

    def dehydrate_version(self, point):
        return point.baseline.version

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The point's own figures only: its version (baseline) is made when the curve is.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, "baseline"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        self._curves[instance._project.pk].append((self.row_number, instance))

    def save_m2m(self, instance, row, **kwargs):
        pass

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_validation_errors() or result.has_errors():
            return
        new = updated = unchanged = 0
        for rows in self._curves.values():
            project = rows[0][1]._project
            points = [(p.month, p.planned_percent, p.planned_allocation or 0) for _n, p in rows]
            reasons = [cell_text(getattr(p, "_reason", "")) for _n, p in rows]
            reason = next((r for r in reasons if r), "")
            current = project.current_baseline()
            if current is not None and sorted(points) == sorted(
                current.points.values_list("month", "planned_percent", "planned_allocation")
            ):
                unchanged += len(rows)
                continue
            try:
                services.create_baseline(project, points, by=self.user, reason=reason)
            except ValidationError as error:
                self._curve_problems(rows, error)
                continue
            if current is None:
                new += len(rows)
            else:
                updated += len(rows)
        result.totals["new"] = new
        result.totals["update"] = updated
        result.totals["skip"] = unchanged

    def _curve_problems(self, rows, error):
        numbers = [n for n, _p in rows]
        project = rows[0][1]._project.control_number
        by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for field, messages in by_field.items():
            column = "修正原因" if field == "reason" else None
            for message in messages:
                self.extra_problems.append(
                    ImportProblem(
                        _(
                            "列管編號「{project}」的預定進度（第{first}至{last}列）：{message}"
                        ).format(
                            project=project, first=min(numbers), last=max(numbers), message=message
                        ),
                        row=min(numbers),
                        column=column,
                    )
                )


# -- monthly reports ---------------------------------------------------------------------------

REPORT_FIGURES = services.FILER_FIELDS


@register("reports", label=_("每月填報"), order=43)
class MonthlyReportResource(RegisterResource):
    """Monthly reports (每月填報) by 列管編號 and month. A new report's planned % is taken from
    the S-curve unless the file gives the figure it was filed with; figures are checked by the
    filing form's fields and rules. A report already submitted or accepted is never changed by
    a file (the review pages do that), and states change only on the pages."""

    project = Column("project", "列管編號", project_widget(), required=True, example="P113-0001")
    period = Column("period", "填報月份", MonthWidget(), required=True, example="113/03")
    planned_percent = Column(
        "planned_percent",
        "預定進度",
        percent(required=False),
        aliases=("預定累計進度（%）", "預定進度（%）", "預定累計進度"),
        help=_("不填時依預定進度（S曲線）帶入。"),
        saves_null_values=False,
    )
    actual_percent = Column(
        "actual_percent",
        "實際進度",
        percent(),
        required=True,
        example="25.5",
        aliases=("實際累計進度（%）", "實際進度（%）", "實際累計進度"),
    )
    allocated_to_date = Column(
        "allocated_to_date", "累計分配數（元）", money(), required=True, example=30_000_000
    )
    paid = Column("paid", "實支數（元）", money(), required=True, example=20_000_000)
    payable_unpaid = Column(
        "payable_unpaid", "應付未付數（元）", money(), required=True, example=5_000_000
    )
    savings = Column("savings", "節餘數（元）", money(), required=True, example=0)
    progress_text = Column("progress_text", "目前辦理情形", example="範例：路面鋪設中，已完成北段")
    lag_reasons = Column("lag_reasons", "落後原因", help=_("進度落後或停工時必填。"))
    remedies = Column("remedies", "解決對策", help=_("進度落後或停工時必填。"))
    help_needed = Column("help_needed", "需協助事項")
    decrease_explanation = Column(
        "decrease_explanation", "進度下修說明", help=_("實際進度低於上次審核通過的數值時必填。")
    )
    state = Column(
        "state",
        "狀態",
        ChoiceWidget(ReportState, default=ReportState.DRAFT),
        example="草稿",
        help=_("新的填報可為任一狀態（移入舊資料）；已有的填報狀態須在審核頁面變更。"),
    )
    is_late = Column("is_late", "逾期填報", BooleanWidget(default=False), example="否")
    return_count = Column("return_count", "退回次數", IntegerWidget(), example=0, default=0)
    reviewer_comment = Column("reviewer_comment", "管考建議")
    difference = Column("difference", "差異（百分點）", readonly=True)

    export_select_related = ("project",)
    # A draft may be saved without its narrative; check_row asks for it once sent.
    unvalidated_fields = ("created_by", "baseline", "progress_text")
    scope = "visible"  # which reports may change is the filing rules' question (check_row)

    class Meta:
        model = MonthlyReport
        fields = (
            "project",
            "period",
            "planned_percent",
            "actual_percent",
            "allocated_to_date",
            "paid",
            "payable_unpaid",
            "savings",
            "progress_text",
            "lag_reasons",
            "remedies",
            "help_needed",
            "decrease_explanation",
            "state",
            "is_late",
            "return_count",
            "reviewer_comment",
            "difference",
        )
        import_id_fields = ("project", "period")

    def before_import(self, dataset, **kwargs):
        # The filing rules compare a month with the months before it: import in month order.
        if "列管編號" in dataset.headers and "填報月份" in dataset.headers:
            month = MonthWidget()

            def order(row):
                try:
                    period = month.clean(row["填報月份"])
                except ValueError:
                    period = None
                return (normalize(cell_text(row["列管編號"])), period is None, period or 0)

            rows = sorted(dataset.dict, key=order)
            headers = dataset.headers
            dataset.wipe()
            dataset.headers = headers
            for row in rows:
                dataset.append([row[h] for h in headers])

    def export_queryset(self, queryset=None):
        return super().export_queryset(queryset).order_by("project__control_number", "period")

    def dehydrate_difference(self, report):
        return report.difference

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored = None if new else MonthlyReport.objects.get(pk=instance.pk)

    def complete_instance(self, instance, row):
        if instance.project_id is None or instance.period is None:
            return
        baseline, planned, _allocation = services.planned_for(instance.project, instance.period)
        if instance.pk is None:
            instance.baseline = baseline
            if instance.planned_percent is None:
                instance.planned_percent = planned

    def check_row(self, instance, row):
        if instance.progress_text:
            # Left out of the model's validation only so that a draft may leave it blank; its
            # length limit holds like every other narrative's.
            try:
                MonthlyReport._meta.get_field("progress_text").run_validators(
                    instance.progress_text
                )
            except ValidationError as error:
                raise ValidationError({"progress_text": error.messages}) from None
        if instance.project_id is None or instance.period is None:
            return
        stored = instance._stored
        month = format_roc_month(instance.period)
        if stored is not None:
            changed = [
                name
                for name in (*REPORT_FIGURES, "planned_percent", "is_late", "return_count")
                if getattr(stored, name) != getattr(instance, name)
            ]
            if stored.state != instance.state:
                raise ValidationError(
                    {
                        "state": _(
                            "{month}的填報目前為「{old}」，狀態須在填報審核頁面變更，不能以匯入改為「{new}」。"
                        ).format(
                            month=month,
                            old=stored.get_state_display(),
                            new=instance.get_state_display(),
                        )
                    }
                )
            if changed and stored.state not in (ReportState.DRAFT, ReportState.RETURNED):
                raise ValidationError(
                    _("{month}的填報已「{state}」，匯入不能修改已送出或已審核的填報。").format(
                        month=month, state=stored.get_state_display()
                    )
                )
        today = timezone.localdate()
        if instance.period > month_start(today):
            raise ValidationError(
                {"period": _("{month}尚未開始，不能預先填報。").format(month=month)}
            )
        if instance.period < month_start(instance.project.planned_start):
            raise ValidationError(
                {"period": _("{month}早於預定開工月份，不必填報。").format(month=month)}
            )
        if any(getattr(instance, name) is None for name in REPORT_FIGURES[:5]):
            return  # the figure's own message is already there
        problems = services.report_problems(instance)
        if instance.state == ReportState.DRAFT:
            # A draft may be saved before the narrative is written (as the filing page allows).
            problems.pop("lag_reasons", None)
            problems.pop("remedies", None)
        elif not instance.progress_text.strip():
            problems.setdefault("progress_text", []).append(_("請填寫目前辦理情形。"))
        if problems:
            raise ValidationError(problems)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.created_by = self.user


# -- directives --------------------------------------------------------------------------------


@register("directives", label=_("管制事項"), order=44)
class DirectiveResource(RegisterResource):
    """Follow-up directives (管制事項), found by project, agency, due date and text. Closing
    one in the file records who closed it; reopening clears that, as the pages do."""

    project = Column(
        "project",
        "列管編號",
        NaturalKeyWidget(Project, "control_number", label=_("列管編號"), scope="visible"),
        example="P113-0001",
        help=_("與列管案件無關的事項可空白。"),
    )
    responsible_agency = Column(
        "responsible_agency",
        "辦理機關代碼",
        agency_widget(label=_("辦理機關代碼")),
        required=True,
        example="B06",
    )
    text = Column("text", "管制事項", required=True, example="範例：請於下次會議前提出趕工計畫")
    due_date = Column("due_date", "辦理期限", DateWidget(), required=True, example="113/04/30")
    status = Column(
        "status",
        "狀態",
        ChoiceWidget(DirectiveStatus, default=DirectiveStatus.OPEN),
        example="追蹤中",
    )
    closing_note = Column("closing_note", "解除追蹤說明")

    export_select_related = ("project", "responsible_agency")
    unvalidated_fields = ("raised_by", "closed_by")

    class Meta:
        model = Directive
        fields = ("project", "responsible_agency", "text", "due_date", "status", "closing_note")
        import_id_fields = ("project", "responsible_agency", "due_date", "text")

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        instance._stored_status = None if new else instance.status

    def check_row(self, instance, row):
        agency = instance.responsible_agency if instance.responsible_agency_id else None
        if agency is not None and not agency.active and instance.pk is None:
            raise ValidationError(
                {"responsible_agency": _("辦理機關「{name}」已停用。").format(name=agency.name)}
            )
        if instance.status == DirectiveStatus.OPEN and instance.closing_note.strip():
            raise ValidationError({"closing_note": _("追蹤中的管制事項不填解除追蹤說明。")})

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            instance.raised_by = self.user
        if instance.status != getattr(instance, "_stored_status", None):
            if instance.status == DirectiveStatus.CLOSED:
                instance.closed_by, instance.closed_at = self.user, timezone.now()
            else:
                instance.closed_by, instance.closed_at = None, None
