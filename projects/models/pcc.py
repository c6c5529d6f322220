"""The PCC tender-system feed (工程會標案管理系統): monthly exports imported, and what each
figure did to the portal's monthly reports ("一處填報、多方運用")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.core import MonthlyReport, Project


class PccImport(models.Model):
    """One PCC monthly export file, imported once: the same file again changes nothing."""

    file_name = models.CharField(_("檔名"), max_length=200)
    sha256 = models.CharField(_("檔案雜湊"), max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("匯入者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("匯入時間"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("資料列數"), default=0)
    matched_rows = models.PositiveIntegerField(_("對應到列管案件的列數"), default=0)
    # [{"row": 5, "tender_number": "...", "title": "..."}]: tender numbers no project has.
    unmatched = models.JSONField(_("未對應標案"), default=list)
    # [{"row": 7, "tender_number": "...", "reason": "..."}]: matched rows not used, and why.
    skipped = models.JSONField(_("未帶入的列"), default=list)

    class Meta:
        verbose_name = _("工程會標案資料匯入")
        verbose_name_plural = _("工程會標案資料匯入")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return self.file_name


class PccOutcome(models.TextChoices):
    PREFILLED = "prefilled", _("已帶入草稿")
    SAME = "same", _("與填報相同")
    DIFFERS = "differs", _("與填報不同")


class PccFigure(models.Model):
    """One figure of one PCC row against the month's report: put into the draft (``PREFILLED``),
    already the same, or different from what the bureau filed (never overwritten: the reviewer
    sees the difference)."""

    pcc_import = models.ForeignKey(
        PccImport, verbose_name=_("匯入批次"), on_delete=models.CASCADE, related_name="figures"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("列管案件"), on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("每月填報"),
        on_delete=models.CASCADE,
        related_name="pcc_figures",
    )
    tender_number = models.CharField(_("標案案號"), max_length=50)
    field = models.CharField(_("欄位"), max_length=30)
    pcc_value = models.CharField(_("工程會資料"), max_length=2000)
    portal_value = models.CharField(_("入口網填報"), max_length=2000, blank=True)
    outcome = models.CharField(_("結果"), max_length=10, choices=PccOutcome.choices)

    class Meta:
        verbose_name = _("工程會資料欄位")
        verbose_name_plural = _("工程會資料欄位")
        ordering = ["pcc_import", "report", "field"]
        indexes = [models.Index(fields=["report", "outcome"])]

    def __str__(self):
        return f"{self.tender_number} {self.field}"
