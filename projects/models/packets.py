"""Meeting packets (PDF) built in the background, and photos attached to reports and visits."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.choices import PacketKind, PacketState
from projects.models.core import MonthlyReport, ProjectScopedQuerySet
from projects.models.followup import ReviewMeeting, SiteVisit

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png"]


class Packet(models.Model):
    """A meeting packet PDF: the monthly review agenda or the quarterly promotion packet, with
    its build progress (排隊中 → 製作中 n/N → 已完成)."""

    kind = models.CharField(_("類別"), max_length=20, choices=PacketKind.choices)
    period_start = models.DateField(_("期間起日"))
    period_end = models.DateField(_("期間迄日"))
    meeting = models.ForeignKey(
        ReviewMeeting,
        verbose_name=_("會議"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="packets",
    )
    title = models.CharField(_("名稱"), max_length=200)
    state = models.CharField(
        _("狀態"), max_length=10, choices=PacketState.choices, default=PacketState.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("已完成段數"), default=0)
    progress_total = models.PositiveIntegerField(_("總段數"), default=0)
    file = models.FileField(_("檔案"), upload_to="packets/%Y/", blank=True)
    pages = models.PositiveIntegerField(_("頁數"), default=0)
    error = models.TextField(_("錯誤訊息"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始時間"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("會議資料")
        verbose_name_plural = _("會議資料")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class ReportPhotoQuerySet(ProjectScopedQuerySet):
    """Scoped through the report's project, like the report itself."""

    project_path = "report__project__"


class ReportPhoto(models.Model):
    """A site photo attached to a monthly report (optional)."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("每月填報"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(
        _("照片"),
        upload_to="report-photos/%Y/%m/",
        validators=[FileExtensionValidator(PHOTO_EXTENSIONS)],
    )
    caption = models.CharField(_("說明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    objects = ReportPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("填報照片")
        verbose_name_plural = _("填報照片")
        ordering = ["pk"]

    def __str__(self):
        return self.caption or self.image.name


class SiteVisitPhotoQuerySet(ProjectScopedQuerySet):
    project_path = "visit__project__"

    def editable_by(self, user):
        # Site visits are the commission's records.
        from tainan_rdec.scoping import is_commission

        return self.all() if is_commission(user) else self.none()


class SiteVisitPhoto(models.Model):
    """A photo taken on a site visit."""

    visit = models.ForeignKey(
        SiteVisit, verbose_name=_("實地訪視"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(
        _("照片"),
        upload_to="visit-photos/%Y/%m/",
        validators=[FileExtensionValidator(PHOTO_EXTENSIONS)],
    )
    caption = models.CharField(_("說明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    objects = SiteVisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("訪視照片")
        verbose_name_plural = _("訪視照片")
        ordering = ["pk"]

    def __str__(self):
        return self.caption or self.image.name
