"""Projects, their plans and monthly reports, and the control settings."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import (
    ApplicationState,
    ControlStatus,
    ExecutionPhase,
    ForwardCategory,
    FundingSource,
    MilestoneStatus,
    ProjectKind,
    ReportState,
    StatusField,
)
from tainan_rdec import workdays
from tainan_rdec.models import Agency, District, StatusLogEntry
from tainan_rdec.scoping import ScopedQuerySet, is_active_user, is_commission, is_official

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
# A monthly report's narrative boxes: enough for a page of text each, and a bound on what the
# meeting packet must lay out. Validated on the model, so the filing form and the import agree.
NARRATIVE_MAX_LENGTH = 2000
NARRATIVE = {
    "max_length": NARRATIVE_MAX_LENGTH,
    "validators": [MaxLengthValidator(NARRATIVE_MAX_LENGTH)],
}


class ControlSettings(models.Model):
    """The commission's adjustable rules for project control (one row; DOMAIN.md *defaults*)."""

    major_threshold = models.BigIntegerField(_("重大建設門檻（元）"), default=50_000_000)
    filing_deadline_day = models.PositiveSmallIntegerField(
        _("每月填報期限（次月幾日）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    behind_points = models.DecimalField(
        _("落後門檻（實際低於預定超過幾個百分點）"), max_digits=5, decimal_places=2, default=0
    )
    seriously_behind_points = models.DecimalField(
        _("嚴重落後門檻（百分點）"), max_digits=5, decimal_places=2, default=10
    )
    consecutive_behind_months = models.PositiveSmallIntegerField(_("連續落後月數"), default=3)
    remind_days_before = models.PositiveSmallIntegerField(_("填報期限前幾個工作天提醒"), default=3)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("逾期後再過幾個工作天陳報首長與研考會"), default=5
    )
    directive_remind_days_before = models.PositiveSmallIntegerField(
        _("管制事項期限前幾個工作天提醒"), default=3
    )
    low_execution_rate = models.DecimalField(
        _("執行率偏低門檻（%）"), max_digits=5, decimal_places=2, default=80
    )
    weight_progress = models.PositiveSmallIntegerField(_("權重：進度達成"), default=40)
    weight_budget = models.PositiveSmallIntegerField(_("權重：經費執行"), default=30)
    weight_filing = models.PositiveSmallIntegerField(_("權重：填報時效及品質"), default=20)
    weight_milestone = models.PositiveSmallIntegerField(_("權重：檢核點達成"), default=10)
    filing_return_penalty = models.DecimalField(
        _("填報時效及品質：每份退回2次以上的填報扣分"), max_digits=4, decimal_places=2, default=5
    )
    adjustment_limit = models.DecimalField(
        _("審查人員加減分上限"), max_digits=4, decimal_places=2, default=5
    )
    steep_curve_points = models.DecimalField(
        _("配當失衡：完工前數月內預定進度增加超過幾個百分點"),
        max_digits=5,
        decimal_places=2,
        default=40,
    )
    steep_curve_months = models.PositiveSmallIntegerField(_("配當失衡：完工前月數"), default=3)
    checkpoint_due_days = models.PositiveSmallIntegerField(_("檢核點即將到期（日內）"), default=30)
    # The hours the PCC feed saves: each figure pre-filled spares the bureau this much typing
    # and checking (the briefing's "2,916 hours a year" is reported this way).
    pcc_minutes_per_figure = models.PositiveSmallIntegerField(
        _("工程會資料帶入：每項數字節省分鐘數"), default=15
    )

    # Thresholds and weights decide lag status and scores: who changed them, and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("列管參數")
        verbose_name_plural = _("列管參數")

    def __str__(self):
        return str(_("列管參數"))

    @classmethod
    def get(cls) -> "ControlSettings":
        obj, created = cls.objects.get_or_create(pk=1)
        if created:
            # A new row holds the Python defaults (10, not Decimal("10.00")); read it back as
            # the database typed it, as every later call will.
            obj.refresh_from_db()
        return obj

    def filing_deadline(self, period: date) -> date:
        """The deadline for the report of ``period`` (a month): this day of the next month,
        moved to the next working day when it falls on a day off (行政程序法第48條)."""
        if period.month == 12:
            nominal = date(period.year + 1, 1, self.filing_deadline_day)
        else:
            nominal = date(period.year, period.month + 1, self.filing_deadline_day)
        return workdays.add_working_days(nominal, 0)


class ProjectScopedQuerySet(ScopedQuerySet):
    """Rows that belong to a project: the host agency sees and edits them; co-host agencies
    see them too. ``project_path`` leads from the row to the project ("" for Project)."""

    project_path = ""

    def agency_q(self, agency_id):
        p = self.project_path
        return Q(**{f"{p}host_agency": agency_id}) | Q(**{f"{p}co_agencies": agency_id})

    def visible_to(self, user):
        qs = super().visible_to(user)
        # The co-agency join can repeat a row.
        return qs if is_commission(user) or not is_active_user(user) else qs.distinct()

    def editable_by(self, user):
        # Officials have no agency; the check says so here too rather than lean on that.
        if (
            not is_active_user(user)
            or is_commission(user)
            or is_official(user)
            or user.agency_id is None
        ):
            return super().editable_by(user)
        return self.filter(**{f"{self.project_path}host_agency": user.agency_id})


class ProjectQuerySet(ProjectScopedQuerySet):
    def listed(self):
        return self.filter(control_status=ControlStatus.LISTED)

    def drafting(self):
        """Projects the bureau is still drafting (新增): not listed yet, and no application
        about them waiting for the commission (what was sent is reviewed as it was sent)."""
        return self.filter(control_status=ControlStatus.NEW).exclude(
            applications__state=ApplicationState.SUBMITTED
        )


class Project(models.Model):
    """A project the commission controls (列管案件): one row per controlled case."""

    control_number = models.CharField(_("列管編號"), max_length=30, unique=True)
    name = models.CharField(_("案件名稱"), max_length=200)
    host_agency = models.ForeignKey(
        Agency, verbose_name=_("主辦機關"), on_delete=models.PROTECT, related_name="projects"
    )
    co_agencies = models.ManyToManyField(
        Agency, verbose_name=_("協辦機關"), blank=True, related_name="co_projects"
    )
    kind = models.CharField(_("列管類別"), max_length=20, choices=ProjectKind.choices)
    forward_category = models.CharField(
        _("前瞻計畫類別"), max_length=20, choices=ForwardCategory.choices, blank=True
    )
    districts = models.ManyToManyField(District, verbose_name=_("行政區"), blank=True)
    total_budget = models.BigIntegerField(_("總核定經費（元）"), validators=[MinValueValidator(0)])
    funding_source = models.CharField(
        _("經費來源"), max_length=20, choices=FundingSource.choices, default=FundingSource.CITY
    )
    summary = models.TextField(_("計畫內容摘要"), blank=True)
    planned_start = models.DateField(_("預定開工日期"))
    planned_completion = models.DateField(_("預定完工日期"))
    actual_completion = models.DateField(_("實際完工日期"), null=True, blank=True)
    # The final cost once the works are settled (結算金額), given when the project is delisted
    # on completion (申請解除列管).
    settlement_amount = models.BigIntegerField(
        _("結算金額（元）"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    phase = models.CharField(
        _("執行階段"),
        max_length=24,
        choices=ExecutionPhase.choices,
        default=ExecutionPhase.PLANNING,
    )
    control_status = models.CharField(
        _("列管狀態"), max_length=12, choices=ControlStatus.choices, default=ControlStatus.NEW
    )
    in_annual_evaluation = models.BooleanField(_("納入年度考評"), default=True)
    stop_reason = models.TextField(_("停工或異常原因"), blank=True)
    planned_resumption = models.DateField(_("預定復工日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建立者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    # Every edit of the basic data, budget, status or phase, also one made in the admin site
    # (StatusChange keeps the reasons for the status changes made through the portal).
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("列管案件")
        verbose_name_plural = _("列管案件")
        ordering = ["control_number"]
        indexes = [models.Index(fields=["control_status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_completion__gte=models.F("planned_start")),
                name="project_completion_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ProjectKind.FORWARD) | ~Q(forward_category=""),
                name="forward_project_has_category",
            ),
        ]

    def __str__(self):
        return f"{self.control_number} {self.name}"

    @property
    def is_listed(self):
        return self.control_status == ControlStatus.LISTED

    @property
    def is_stopped(self):
        return self.phase in {ExecutionPhase.STOPPED, ExecutionPhase.TERMINATED}

    def current_baseline(self):
        return self.baselines.filter(is_current=True).first()


class TenderNumber(models.Model):
    """A PCC tender number (標案案號) under which part of a project was tendered."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="tenders"
    )
    number = models.CharField(_("標案案號"), max_length=50, unique=True)
    title = models.CharField(_("標案名稱"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("標案案號")
        verbose_name_plural = _("標案案號")

    def __str__(self):
        return self.number


class BudgetAllocation(models.Model):
    """A project's budget allocated to one ROC year (年度分配數)."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="allocations"
    )
    year = models.PositiveSmallIntegerField(_("年度（西元）"))
    amount = models.BigIntegerField(_("分配數（元）"), validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度經費分配")
        verbose_name_plural = _("年度經費分配")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="one_allocation_per_year")
        ]

    def __str__(self):
        return f"{self.year}: {self.amount}"


class ProjectChildQuerySet(ProjectScopedQuerySet):
    project_path = "project__"


class Milestone(models.Model):
    """A checkpoint (檢核點) of a project with its planned and actual date."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("檢核點"), max_length=200)
    # The order the bureau gives its checkpoints (序號); 0 for rows from before the drafting
    # pages, which then keep their planned-date order.
    position = models.PositiveSmallIntegerField(_("序號"), default=0)
    planned_date = models.DateField(_("預定完成日期"))
    actual_date = models.DateField(_("實際完成日期"), null=True, blank=True)
    status = models.CharField(
        _("達成情形"),
        max_length=12,
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.SCHEDULED,
    )
    note = models.TextField(_("說明"), blank=True)

    history = HistoricalRecords()
    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("檢核點")
        verbose_name_plural = _("檢核點")
        ordering = ["position", "planned_date", "pk"]

    def __str__(self):
        return self.name

    def is_overdue(self, today: date) -> bool:
        """Planned before ``today`` and not done by then: still scheduled, or done after it
        (a past day's packet sees the checkpoint as it stood)."""
        if self.planned_date >= today:
            return False
        return self.status == MilestoneStatus.SCHEDULED or (
            self.actual_date is not None and self.actual_date > today
        )


class PlanBaseline(models.Model):
    """One version of a project's planned S-curve (預定進度). A re-plan adds a version; the
    original baseline stays as it was, for comparison."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="baselines"
    )
    version = models.PositiveSmallIntegerField(_("版次"))
    is_current = models.BooleanField(_("目前採用"), default=True)
    reason = models.TextField(_("修正原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("預定進度版次")
        verbose_name_plural = _("預定進度版次")
        ordering = ["project", "version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="one_baseline_version"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="one_current_baseline"
            ),
        ]

    def __str__(self):
        return _("第{version}版").format(version=self.version)


class PlannedPoint(models.Model):
    """One month on a planned S-curve: cumulative planned % and cumulative planned allocation."""

    baseline = models.ForeignKey(
        PlanBaseline,
        verbose_name=_("預定進度版次"),
        on_delete=models.CASCADE,
        related_name="points",
    )
    month = models.DateField(_("月份"), help_text=_("該月1日"))
    planned_percent = models.DecimalField(
        _("預定累計進度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    planned_allocation = models.BigIntegerField(
        _("預定累計分配數（元）"), default=0, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("預定進度")
        verbose_name_plural = _("預定進度")
        ordering = ["baseline", "month"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "month"], name="one_point_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="point_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.planned_percent}%"


class MonthlyReportQuerySet(ProjectChildQuerySet):
    def editable_by(self, user):
        # Filers change drafts and returned reports only; what was sent stays as sent.
        return super().editable_by(user).filter(state__in=[ReportState.DRAFT, ReportState.RETURNED])


class MonthlyReport(models.Model):
    """One bureau's monthly progress filing for one listed project (每月填報)."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.DateField(_("填報月份"), help_text=_("該月1日"))
    baseline = models.ForeignKey(
        PlanBaseline,
        verbose_name=_("依據預定進度版次"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    planned_percent = models.DecimalField(
        _("預定累計進度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    actual_percent = models.DecimalField(
        _("實際累計進度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    allocated_to_date = models.BigIntegerField(
        _("累計分配數（元）"), default=0, validators=[MinValueValidator(0)]
    )
    paid = models.BigIntegerField(_("實支數（元）"), default=0, validators=[MinValueValidator(0)])
    payable_unpaid = models.BigIntegerField(
        _("應付未付數（元）"), default=0, validators=[MinValueValidator(0)]
    )
    savings = models.BigIntegerField(
        _("節餘數（元）"), default=0, validators=[MinValueValidator(0)]
    )
    progress_text = models.TextField(_("目前辦理情形"), **NARRATIVE)
    lag_reasons = models.TextField(_("落後原因"), blank=True, **NARRATIVE)
    remedies = models.TextField(_("解決對策"), blank=True, **NARRATIVE)
    help_needed = models.TextField(_("需協助事項"), blank=True, **NARRATIVE)
    decrease_explanation = models.TextField(_("進度下修說明"), blank=True, **NARRATIVE)
    reviewer_comment = models.TextField(_("管考建議"), blank=True)
    state = models.CharField(
        _("狀態"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT
    )
    is_late = models.BooleanField(_("逾期填報"), default=False)
    return_count = models.PositiveSmallIntegerField(_("退回次數"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("送出者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("送出時間"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審核者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("審核時間"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at"])
    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("每月填報")
        verbose_name_plural = _("每月填報")
        ordering = ["project", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="one_report_per_month"),
            models.CheckConstraint(condition=Q(period__day=1), name="report_period_is_first_day"),
        ]
        indexes = [models.Index(fields=["state", "period"])]

    def __str__(self):
        return f"{self.project.control_number} {self.period:%Y-%m}"

    @property
    def difference(self) -> Decimal:
        """差異 = 實際 − 預定, in percentage points."""
        return self.actual_percent - self.planned_percent

    @property
    def execution_rate(self) -> Decimal | None:
        """執行率 = (實支 + 應付未付 + 節餘) ÷ 累計分配, in %; None when nothing is allocated."""
        if not self.allocated_to_date:
            return None
        spent = self.paid + self.payable_unpaid + self.savings
        return (Decimal(spent) * 100 / Decimal(self.allocated_to_date)).quantize(Decimal("0.01"))


class ReportTransition(StatusLogEntry, models.Model):
    """One step of a report's life (送出, 退回, 審核), with who, when and the comment."""

    # Every step is a person's; one without a user is one whose user was since deleted.
    no_user_label = _("（不明）")

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("每月填報"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(_("原狀態"), max_length=12, choices=ReportState.choices)
    to_state = models.CharField(_("新狀態"), max_length=12, choices=ReportState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("處理者"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("時間"), auto_now_add=True)
    comment = models.TextField(_("意見"), blank=True)

    class Meta:
        verbose_name = _("填報處理紀錄")
        verbose_name_plural = _("填報處理紀錄")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def from_label(self) -> str:
        """The state before the step."""
        return self.get_from_state_display()

    @property
    def to_label(self) -> str:
        """The state after the step."""
        return self.get_to_state_display()

    @property
    def note(self) -> str:
        """The reviewer's or filer's comment."""
        return self.comment


class StatusChange(StatusLogEntry, models.Model):
    """A change of a project's control status or execution phase, with who, when and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="status_changes"
    )
    field = models.CharField(_("項目"), max_length=20, choices=StatusField.choices)
    old_value = models.CharField(_("原狀態"), max_length=24, blank=True)
    new_value = models.CharField(_("新狀態"), max_length=24)
    reason = models.TextField(_("原因"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("異動者"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("異動時間"), auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("狀態異動紀錄")
        verbose_name_plural = _("狀態異動紀錄")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_field_display()}: {self.old_label} → {self.new_label}"

    def value_label(self, value):
        if self.field == StatusField.HOST_AGENCY:
            # A transfer (主辦機關移撥) keeps the agencies' codes: a renamed agency reads under
            # its name of today.
            name = Agency.objects.filter(code=value).values_list("name", flat=True).first()
            return name or value
        choices = ControlStatus if self.field == StatusField.CONTROL_STATUS else ExecutionPhase
        return dict(choices.choices).get(value, value)

    @property
    def old_label(self):
        return self.value_label(self.old_value) if self.old_value else ""

    @property
    def new_label(self):
        return self.value_label(self.new_value)

    from_label = old_label  # the names StatusLogEntry's include reads
    to_label = new_label

    @property
    def item(self) -> str:
        """Which status changed: 列管狀態 or 執行階段."""
        return self.get_field_display()

    @property
    def note(self) -> str:
        """Why it changed."""
        return self.reason
