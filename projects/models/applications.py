"""Applications a bureau makes to the commission about a project (變更申請), and their trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.choices import ApplicationKind, ApplicationState
from projects.models.core import Project, ProjectChildQuerySet
from tainan_rdec.models import StatusLogEntry

# An application still in the bureau's or the commission's hands.
OPEN_STATES = (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.RETURNED)


class ApplicationQuerySet(ProjectChildQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Application(models.Model):
    """A bureau's application to the commission about one of its projects (申請列管, and in
    time 變更預定進度, 暫緩列管, 解除列管, 主辦機關移撥, 檢核點達成): drafted by the bureau's
    staff, sent by its manager, approved or returned with a reason by a reviewer. A returned
    application is corrected and sent again; its steps keep every turn."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="applications"
    )
    kind = models.CharField(_("申請類別"), max_length=20, choices=ApplicationKind.choices)
    state = models.CharField(
        _("狀態"), max_length=12, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    reason = models.TextField(_("申請說明"), blank=True, max_length=2000)
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
            # manager, finds the first one instead of opening a parallel case.
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_application_per_kind",
            )
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
