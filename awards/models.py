"""The awards registry (獎項登錄): every award and evaluation result an agency won."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from awards.choices import AwardClass, AwardState
from tainan_rdec.models import Agency
from tainan_rdec.roc import format_roc_date, to_roc_year
from tainan_rdec.scoping import ScopedQuerySet, is_active_user, is_admin, is_commission

# ROC years a registry row may carry: the city's records start long after 民國元年.
MIN_ROC_YEAR = 80
MAX_ROC_YEAR = 200


def current_roc_year() -> int:
    return to_roc_year(timezone.localdate().year)


def is_historical_year(roc_year: int | None) -> bool:
    """Whether awards of ``roc_year`` are history, registered long after the fact: the year
    is over, and so is the next, in which its awards may still be presented (see
    ``Award.clean``). In 114 the awards of 112 and before are history; those of 113 and 114 are
    new. A historical award may be registered without its evidence, marked as awaiting it
    (``AwardQuerySet.awaiting_evidence``); a new one needs it."""
    return roc_year is not None and roc_year + 1 < current_roc_year()


class AwardQuerySet(ScopedQuerySet):
    """Bureau users see and change their own agency's awards (other agencies' are 404); the
    commission sees every award. Only confirmed awards count in the published summary."""

    agency_path = "agency"

    def counted(self):
        """The awards the summary counts: confirmed by a reviewer."""
        return self.filter(state=AwardState.CONFIRMED)

    def awaiting_evidence(self):
        """Awards without an evidence file or link: historical awards imported without them
        (``is_historical_year``) until their agency adds them on the award's page."""
        return self.filter(evidence_file="", evidence_url="")

    def get_by_natural_key(self, agency_code: str, roc_year: int, name: str, awarding_body: str):
        """The award a bulk import row names (see ``Award.natural_key``)."""
        return self.get(
            agency__code=agency_code, roc_year=roc_year, name=name, awarding_body=awarding_body
        )

    def in_years(self, first: int, last: int):
        return self.filter(roc_year__gte=first, roc_year__lte=last)

    def editable_by(self, user):
        """Admins change any award; a bureau changes its own until a reviewer confirms it
        (a confirmed award is a published figure: a reviewer returns it first)."""
        if not is_active_user(user):
            return self.none()
        if is_admin(user):
            return self.all()
        if is_commission(user) or user.agency_id is None:
            return self.none()
        return self.filter(agency=user.agency_id).exclude(state=AwardState.CONFIRMED)

    def reviewable_by(self, user):
        """Awards ``user`` may confirm or return: the commission's reviewers and admins."""
        return self.all() if is_commission(user) else self.none()


class Award(models.Model):
    """One award or evaluation result an agency won (獎項), as the city reports it: by ROC year,
    in one of the nine classes. It counts in the summary once a reviewer confirms it."""

    roc_year = models.PositiveSmallIntegerField(
        _("獎項年度（民國）"),
        validators=[MinValueValidator(MIN_ROC_YEAR), MaxValueValidator(MAX_ROC_YEAR)],
    )
    award_date = models.DateField(_("獲獎日期"), null=True, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("獲獎機關"), on_delete=models.PROTECT, related_name="awards"
    )
    name = models.CharField(_("獎項名稱"), max_length=200)
    awarding_body = models.CharField(_("頒獎單位"), max_length=100)
    award_class = models.CharField(_("獎項類別"), max_length=16, choices=AwardClass.choices)
    is_top = models.BooleanField(
        _("首獎及卓越成績"),
        default=False,
        help_text=_("首獎、特優、金獎、第1名或同等的卓越成績。"),
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("相關列管案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awards",
    )
    evidence_file = models.FileField(
        _("佐證檔案"), upload_to="awards/evidence/%Y/", blank=True, max_length=200
    )
    evidence_name = models.CharField(_("佐證檔案原檔名"), max_length=200, blank=True)
    evidence_url = models.URLField(
        _("佐證連結"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    note = models.TextField(_("備註"), blank=True)
    state = models.CharField(
        _("狀態"), max_length=12, choices=AwardState.choices, default=AwardState.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登錄者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登錄時間"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認或退回者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("確認或退回時間"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("獎項")
        verbose_name_plural = _("獎項")
        ordering = ["-roc_year", "-award_date", "-pk"]
        constraints = [
            # The natural key a bulk import matches rows on.
            models.UniqueConstraint(
                fields=["agency", "roc_year", "name", "awarding_body"],
                name="one_award_per_agency_year_name_body",
                violation_error_message=_("本機關同一年度已登錄同名、同頒獎單位的獎項。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=AwardState.RETURNED) | ~Q(return_reason=""),
                name="returned_award_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state=AwardState.CONFIRMED) | Q(reviewed_at__isnull=False),
                name="confirmed_award_has_review_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "roc_year"]),
            models.Index(fields=["agency", "roc_year"]),
        ]

    def __str__(self):
        return f"{self.roc_year}年 {self.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.state == AwardState.CONFIRMED

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file) or bool(self.evidence_url)

    @property
    def is_historical(self) -> bool:
        return is_historical_year(self.roc_year)

    def natural_key(self):
        return (self.agency.code, self.roc_year, self.name, self.awarding_body)

    def clean(self):
        super().clean()
        errors = {}
        this_year = current_roc_year()
        if self.roc_year and self.roc_year > this_year:
            errors["roc_year"] = _("獎項年度不可晚於今年（{year}年）。").format(year=this_year)
        if self.award_date and self.roc_year:
            try:
                date_year = to_roc_year(self.award_date.year)
            except ValueError:
                date_year = None
            # A year's award is often presented early the next year (e.g. 112年度 in 113.1).
            if date_year not in (self.roc_year, self.roc_year + 1):
                errors["award_date"] = _(
                    "獲獎日期 {date} 與獎項年度 {year}年 不符：日期須在該年度或次一年度內。"
                ).format(date=format_roc_date(self.award_date), year=self.roc_year)
        if self.project_id and self.agency_id:
            project = self.project
            # Host agency first: the co-agency lookup costs a query.
            if (
                project.host_agency_id != self.agency_id
                and not project.co_agencies.filter(pk=self.agency_id).exists()
            ):
                errors["project"] = _("列管案件「{project}」不是{agency}主辦或協辦的案件。").format(
                    project=project.control_number, agency=self.agency.name
                )
        if self.agency_id and self.roc_year and self.name and self.awarding_body:
            duplicate = (
                Award.objects.filter(
                    agency=self.agency_id,
                    roc_year=self.roc_year,
                    name=self.name,
                    awarding_body=self.awarding_body,
                )
                .exclude(pk=self.pk)
                .exists()
            )
            if duplicate:
                errors["name"] = _(
                    "{agency}已登錄{year}年「{name}」（{body}），請勿重複登錄。"
                ).format(
                    agency=self.agency.name,
                    year=self.roc_year,
                    name=self.name,
                    body=self.awarding_body,
                )
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # The natural key is checked in clean() with a message naming the award.
        exclude = set(exclude or ()) | {"agency", "roc_year", "name", "awarding_body"}
        super().validate_constraints(exclude=exclude)

    def timeline(self) -> list[dict]:
        """The award's steps from its history (登錄, 修改, 確認, 退回, 重新登錄), oldest first,
        each with when, who and (for a return) the reason."""
        records = self.history.select_related("history_user").order_by("history_date", "pk")
        events = []
        previous = None
        for record in records:
            reason = ""
            if previous is None:
                action = _("登錄")
            elif record.state != previous.state:
                if record.state == AwardState.CONFIRMED:
                    action = _("確認")
                elif record.state == AwardState.RETURNED:
                    action = _("退回")
                    reason = record.return_reason
                else:
                    action = _("補正後重新登錄")
            else:
                action = _("修改")
            events.append(
                {
                    "at": record.history_date,
                    "by": record.history_user,
                    "action": action,
                    "reason": reason,
                }
            )
            previous = record
        return events
