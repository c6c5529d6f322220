"""Follow-up of projects: review meetings and their agendas, site visits, directives."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import (
    AgendaReason,
    DirectiveStatus,
    MeetingKind,
)
from projects.models.core import Project, ProjectChildQuerySet
from tainan_rdec.models import Agency
from tainan_rdec.scoping import ScopedQuerySet, is_commission


class ReviewMeeting(models.Model):
    """A monthly review meeting (檢討會議) or a quarterly promotion meeting (推動會報)."""

    kind = models.CharField(_("會議類別"), max_length=12, choices=MeetingKind.choices)
    date = models.DateField(_("會議日期"))
    title = models.CharField(_("會議名稱"), max_length=200)
    chair = models.CharField(_("主持人"), max_length=100, blank=True)
    minutes = models.TextField(_("會議紀錄"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("會議")
        verbose_name_plural = _("會議")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return self.title


class AgendaItem(models.Model):
    """A project on a meeting's agenda: proposed automatically (嚴重落後, 停工, 異常) or added
    by a reviewer. A removed automatic item stays as a row marked removed, so a re-proposal
    does not bring it back."""

    meeting = models.ForeignKey(
        ReviewMeeting, verbose_name=_("會議"), on_delete=models.CASCADE, related_name="items"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    reason = models.CharField(_("提案原因"), max_length=20, choices=AgendaReason.choices)
    note = models.TextField(_("說明"), blank=True)
    removed = models.BooleanField(_("已移除"), default=False)
    order = models.PositiveIntegerField(_("順序"), default=0)

    class Meta:
        verbose_name = _("議程案件")
        verbose_name_plural = _("議程案件")
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "project"], name="one_agenda_item_per_project"
            )
        ]

    def __str__(self):
        return f"{self.meeting} {self.project}"


class SiteVisit(models.Model):
    """A site visit (實地訪視) to a project, with participants and findings."""

    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.PROTECT, related_name="site_visits"
    )
    date = models.DateField(_("訪視日期"))
    participants = models.TextField(_("參與人員"))
    findings = models.TextField(_("訪視發現"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("實地訪視")
        verbose_name_plural = _("實地訪視")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.project} {self.date}"


class DirectiveQuerySet(ScopedQuerySet):
    agency_path = "responsible_agency"

    def editable_by(self, user):
        # The commission raises, edits and closes directives; agencies answer them through
        # DirectiveResponse rows, never by editing the directive.
        return self.all() if is_commission(user) else self.none()

    def open(self):
        return self.filter(status=DirectiveStatus.OPEN)


class Directive(models.Model):
    """A follow-up directive (管制事項) raised at a meeting or a site visit, owed by an agency."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("列管案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directives",
    )
    meeting = models.ForeignKey(
        ReviewMeeting,
        verbose_name=_("會議"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directives",
    )
    site_visit = models.ForeignKey(
        SiteVisit,
        verbose_name=_("實地訪視"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directives",
    )
    text = models.TextField(_("管制事項"))
    responsible_agency = models.ForeignKey(
        Agency, verbose_name=_("辦理機關"), on_delete=models.PROTECT, related_name="directives"
    )
    due_date = models.DateField(_("辦理期限"))
    status = models.CharField(
        _("狀態"), max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("列管時間"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("解除追蹤時間"), null=True, blank=True)
    closing_note = models.TextField(_("解除追蹤說明"), blank=True)

    history = HistoricalRecords(excluded_fields=["raised_at"])
    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("管制事項")
        verbose_name_plural = _("管制事項")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return self.text[:40]

    def is_overdue(self, today: date) -> bool:
        return self.status == DirectiveStatus.OPEN and self.due_date < today


class DirectiveResponse(models.Model):
    """The responsible agency's answer to a directive (辦理情形), one row per answer."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("管制事項"), on_delete=models.CASCADE, related_name="responses"
    )
    text = models.TextField(_("辦理情形"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填寫者"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("填寫時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("辦理情形")
        verbose_name_plural = _("辦理情形")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.text[:40]
