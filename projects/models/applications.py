"""Applications a bureau makes to the commission about a project (變更申請), their trail, and
what each carries: a re-plan's proposed curve and checkpoints, and the attached documents."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.choices import ApplicationKind, ApplicationState, AttachmentType
from projects.models.core import (
    PERCENT_VALIDATORS,
    Milestone,
    MonthlyReport,
    Project,
    ProjectScopedQuerySet,
)
from tainan_rdec.models import Agency, StatusLogEntry

# An application still in the bureau's or the commission's hands.
OPEN_STATES = (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.RETURNED)


class ApplicationQuerySet(ProjectScopedQuerySet):
    """Applications, and rows that belong to one (``application_path`` leads to it): the
    project's host and co-agencies see them; a transfer's application is seen by both the
    agency that hands the project over and the one that takes it (主辦機關移撥), before and
    after the decision. Only the project's host agency changes them."""

    application_path = ""

    @property
    def project_path(self):
        return f"{self.application_path}project__"

    def agency_q(self, agency_id):
        a = self.application_path
        return (
            super().agency_q(agency_id)
            | Q(**{f"{a}from_agency": agency_id})
            | Q(**{f"{a}to_agency": agency_id})
        )

    def open(self):
        return self.filter(**{f"{self.application_path}state__in": OPEN_STATES})

    def waiting(self):
        """Sent and not decided yet (審查中)."""
        return self.filter(**{f"{self.application_path}state": ApplicationState.SUBMITTED})


class ApplicationChildQuerySet(ApplicationQuerySet):
    application_path = "application__"


class Application(models.Model):
    """A bureau's application to the commission about one of its projects (申請列管, 變更預定進度,
    暫緩列管, 解除列管, 主辦機關移撥, 檢核點達成): drafted by the bureau's staff, sent by its
    manager, approved or returned with a reason by a reviewer. A returned application is
    corrected and sent again; its steps keep every turn.

    Beside the reason, each kind fills the fields it is about (the others stay empty): a
    re-plan its new completion date, curve (``proposed_points``) and checkpoints
    (``proposed_checkpoints``); a delisting the actual completion date, the settlement amount
    and the last accepted report; a transfer the agency taking the project over; a checkpoint
    reached the checkpoint and its date, with the evidence among the attachments."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="applications"
    )
    kind = models.CharField(_("申請類別"), max_length=20, choices=ApplicationKind.choices)
    state = models.CharField(
        _("狀態"), max_length=12, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    reason = models.TextField(_("申請說明"), blank=True, max_length=2000)
    proposed_completion = models.DateField(_("變更後預定完工日期"), null=True, blank=True)
    actual_completion = models.DateField(_("實際完工日期"), null=True, blank=True)
    settlement_amount = models.BigIntegerField(
        _("結算金額（元）"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    final_report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("最後審核通過的填報"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_agency = models.ForeignKey(
        Agency,
        verbose_name=_("移出機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("移入機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("檢核點"),
        null=True,
        blank=True,
        # A checkpoint with an application about it is kept, unless its project goes too.
        on_delete=models.RESTRICT,
        related_name="applications",
    )
    achieved_on = models.DateField(_("實際達成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建立者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審查者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("審查時間"), null=True, blank=True)
    decision_reason = models.TextField(_("審查意見"), blank=True, max_length=2000)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("列管申請")
        verbose_name_plural = _("列管申請")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open application of a kind per project: a second click on 送出, or a second
            # manager, finds the first one instead of opening a parallel case. Checkpoints are
            # reported one by one, each with an open application of its own at most.
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(state__in=OPEN_STATES) & ~Q(kind=ApplicationKind.CHECKPOINT),
                name="one_open_application_per_kind",
            ),
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(state__in=OPEN_STATES) & Q(kind=ApplicationKind.CHECKPOINT),
                name="one_open_application_per_checkpoint",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self):
        return f"{self.project.control_number} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_submitted(self) -> bool:
        return self.state == ApplicationState.SUBMITTED


class ApplicationStep(StatusLogEntry, models.Model):
    """One turn of an application (送出, 同意, 退回), with who, when and the comment. A decision's
    notice to the applicant is keyed on its step, so each return is notified once."""

    no_user_label = _("（不明）")

    application = models.ForeignKey(
        Application, verbose_name=_("列管申請"), on_delete=models.CASCADE, related_name="steps"
    )
    from_state = models.CharField(_("原狀態"), max_length=12, choices=ApplicationState.choices)
    to_state = models.CharField(_("新狀態"), max_length=12, choices=ApplicationState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("處理者"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("時間"), auto_now_add=True)
    comment = models.TextField(_("說明"), blank=True)

    class Meta:
        verbose_name = _("申請處理紀錄")
        verbose_name_plural = _("申請處理紀錄")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def from_label(self) -> str:
        return self.get_from_state_display()

    @property
    def to_label(self) -> str:
        return self.get_to_state_display()

    @property
    def note(self) -> str:
        return self.comment


class ProposedPoint(models.Model):
    """One month of the S-curve a re-plan proposes (變更後預定進度): it becomes a new version of
    the project's curve when the commission approves."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("列管申請"),
        on_delete=models.CASCADE,
        related_name="proposed_points",
    )
    month = models.DateField(_("月份"), help_text=_("該月1日"))
    planned_percent = models.DecimalField(
        _("預定累計進度（%）"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    planned_allocation = models.BigIntegerField(
        _("預定累計分配數（元）"), default=0, validators=[MinValueValidator(0)]
    )

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("變更後預定進度")
        verbose_name_plural = _("變更後預定進度")
        ordering = ["application", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "month"], name="one_proposed_point_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="proposed_point_month_is_first_day"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.planned_percent}%"


class ProposedCheckpoint(models.Model):
    """A checkpoint as a re-plan proposes it: an existing one with its new planned date
    (``milestone`` set), or a new one."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("列管申請"),
        on_delete=models.CASCADE,
        related_name="proposed_checkpoints",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("原檢核點"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    name = models.CharField(_("檢核點"), max_length=200)
    planned_date = models.DateField(_("預定完成日期"))
    position = models.PositiveSmallIntegerField(_("序號"), default=0)

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("變更後檢核點")
        verbose_name_plural = _("變更後檢核點")
        ordering = ["application", "position", "pk"]

    def __str__(self):
        return self.name


class ApplicationAttachment(models.Model):
    """A document or photo attached to an application (附件): the approval letter of a plan, a
    settlement record, the evidence that a checkpoint was reached. Kept under MEDIA_ROOT and
    served only to those who see the application (``projects.views.applications``)."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("列管申請"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("檔案"), upload_to="applications/%Y/%m/", max_length=200)
    name = models.CharField(_("檔名"), max_length=200)
    content_type = models.CharField(_("檔案類型"), max_length=100, choices=AttachmentType.choices)
    size = models.PositiveIntegerField(_("大小（位元組）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上傳者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    objects = ApplicationChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("申請附件")
        verbose_name_plural = _("申請附件")
        ordering = ["application", "uploaded_at", "pk"]

    def __str__(self):
        return self.name
