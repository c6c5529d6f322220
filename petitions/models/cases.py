"""Cases (案件), their transfers and status history, and the events the 1999 desk watches."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from petitions.choices import OPEN_STATUSES, CaseStatus, Channel
from petitions.models.catalogue import Category, Subcategory
from tainan_rdec.models import Agency, District, StatusLogEntry
from tainan_rdec.scoping import ScopedQuerySet
from tainan_rdec.workdays import TAIPEI


class Event(models.Model):
    """A city event watched by the 1999 desk (專案), e.g. 2024台灣燈會."""

    name = models.CharField(_("專案名稱"), max_length=100, unique=True)
    start_date = models.DateField(_("開始日期"))
    end_date = models.DateField(_("結束日期"))
    area = models.CharField(_("範圍說明"), max_length=200, blank=True)
    districts = models.ManyToManyField(District, verbose_name=_("行政區"), blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("關注類別"), blank=True)

    class Meta:
        verbose_name = _("專案")
        verbose_name_plural = _("專案")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    def received_cases(self, cases=None):
        """The cases **received in the event's dates and districts** (all districts when the
        event names none), whatever their event tag: the desk may not have tagged every case
        yet, and a citizen's report near the venue matters whether tagged or not. ``cases``
        narrows a queryset (e.g. the ones a user may see); by default every case."""
        cases = Case.objects.all() if cases is None else cases
        cases = cases.filter(
            received_at__gte=start_of_day(self.start_date),
            received_at__lt=start_of_day(self.end_date + timedelta(days=1)),
        )
        district_ids = [d.pk for d in self.districts.all()]
        if district_ids:
            cases = cases.filter(district_id__in=district_ids)
        return cases


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in Taipei."""
    return datetime.combine(day, time.min, tzinfo=TAIPEI)


class CaseQuerySet(ScopedQuerySet):
    agency_path = "handling_agency"
    # A case names its petitioner: senior officials read the statistics, never the cases.
    personal_data = True

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def published(self):
        """The cases the open data (the Open311 API) may show: all but those withheld."""
        return self.filter(published=True)


class Case(models.Model):
    """One 1999 dispatch or petition case (案件) and how it was handled."""

    case_number = models.CharField(_("案件編號"), max_length=30, unique=True)
    channel = models.CharField(_("受理管道"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("受理時間"))
    subcategory = models.ForeignKey(
        Subcategory, verbose_name=_("案件細項"), on_delete=models.PROTECT, related_name="cases"
    )
    # Denormalised from the subcategory so statistics group by category without a join.
    category = models.ForeignKey(
        Category, verbose_name=_("案件類別"), on_delete=models.PROTECT, related_name="cases"
    )
    district = models.ForeignKey(
        District, verbose_name=_("行政區"), null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("經度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    description = models.TextField(_("案情描述"))
    # No index of its own: the (handling_agency, status, due_date) index serves its lookups,
    # and every index costs each of the millions of rows an import writes.
    handling_agency = models.ForeignKey(
        Agency,
        verbose_name=_("承辦機關"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    # The agency that received the case, kept at its first transfer (改分); empty while the
    # case was never transferred (then it is the handling agency). Statistics count receipts
    # for it without reading the transfer history.
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("受理機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("處理期限"))
    first_response_at = models.DateTimeField(_("首次回應時間"), null=True, blank=True)
    closed_at = models.DateTimeField(_("結案時間"), null=True, blank=True)
    status = models.CharField(
        _("處理狀態"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    processing_days = models.DecimalField(
        _("處理工作天數"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    closed_on_time = models.BooleanField(_("依限結案"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("重新開啟次數"), default=0)
    satisfaction = models.PositiveSmallIntegerField(
        _("滿意度（1–5）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # No index of its own: the (event, received_at) index serves its lookups.
    event = models.ForeignKey(
        Event,
        verbose_name=_("專案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,
    )
    # Personal data (個人資料保護法): shown only to the handling agency and the commission;
    # never exported or published.
    petitioner_name = models.CharField(_("陳情人姓名"), max_length=50, blank=True)
    petitioner_phone = models.CharField(_("陳情人電話"), max_length=30, blank=True)
    petitioner_email = models.EmailField(_("陳情人電子郵件"), blank=True)
    # Open data publishes every case, its text redacted (tainan_rdec/redaction.py); a case whose
    # story would name its petitioner even so is withheld. The database default keeps the case
    # import's COPY (petitions/bulk.py), which does not name this column, publishing.
    published = models.BooleanField(
        _("公開於開放資料"),
        default=True,
        db_default=True,
        help_text=_("取消勾選則本案不出現在 Open311 開放資料（例如案情足以辨識陳情人）。"),
    )
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)
    # The problem this case reports with other callers' cases (重複陳情歸併); empty while it is
    # a problem of its own. Set by petitions/grouping.py, or by a reviewer's split or merge,
    # which ``group_kept`` marks so that regrouping leaves the case where the reviewer put it.
    # Its database default keeps the case import's COPY, which names neither, working.
    problem_group = models.ForeignKey(
        "ProblemGroup",
        verbose_name=_("問題群組"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,  # a partial index below: most cases belong to no group
    )
    group_kept = models.BooleanField(_("人工歸併"), default=False, db_default=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["handling_agency", "status", "due_date"]),
            models.Index(fields=["received_at"]),
            models.Index(fields=["closed_at"]),
            models.Index(fields=["event", "received_at"]),
            # The open cases (a few thousand of the 1.5 million) by due date: the agency view
            # and the digest read them without touching the closed ones.
            models.Index(
                fields=["due_date", "received_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="open_cases_by_due_date",
            ),
            # A group's cases; the import writes no entry for the many cases in no group.
            models.Index(
                fields=["problem_group"],
                condition=models.Q(problem_group__isnull=False),
                name="cases_by_problem_group",
            ),
        ]

    def __str__(self):
        return self.case_number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseTransfer(models.Model):
    """A case moved from one handling agency to another (改分), kept as history."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("原承辦機關"), on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name=_("新承辦機關"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("改分原因"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("改分時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("改分紀錄")
        verbose_name_plural = _("改分紀錄")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case}: {self.from_agency} → {self.to_agency}"


class CaseStatusChange(StatusLogEntry, models.Model):
    """A change of a case's status made in the portal (受理 → 處理中 → 已結案 …), with who and
    when: the audit trail of a case. Bulk imports load cases as they stand and write none."""

    # A change without a user was the system's: imports and tasks call the services with by=None.
    no_user_label = _("（系統）")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("原狀態"), max_length=12, choices=CaseStatus.choices, blank=True
    )
    to_status = models.CharField(_("新狀態"), max_length=12, choices=CaseStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("處理人員"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件狀態紀錄")
        verbose_name_plural = _("案件狀態紀錄")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self):
        return f"{self.case}: {self.from_status} → {self.to_status}"

    @property
    def from_label(self) -> str:
        """The status before, "" for the case's first."""
        return self.get_from_status_display() if self.from_status else ""

    @property
    def to_label(self) -> str:
        """The status after."""
        return self.get_to_status_display()
