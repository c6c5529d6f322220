from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tainan_rdec.choices import (
    BUREAU_ROLES,
    AgencyKind,
    CalendarExceptionKind,
    ReminderState,
    Role,
)
from tainan_rdec.scoping import ScopedQuerySet, is_admin, is_commission, is_official


class AgencyQuerySet(ScopedQuerySet):
    agency_path = "pk"

    def visible_to(self, user):
        # Every signed-in user may read the list of agencies (pickers, tables of results).
        return self.all() if user is not None and user.is_authenticated else self.none()

    def editable_by(self, user):
        return self.all() if is_admin(user) else self.none()

    def active(self):
        return self.filter(active=True)


class Agency(models.Model):
    """A city agency (機關): a bureau, a second-tier agency, a district office, the 1999 centre."""

    code = models.CharField(_("機關代碼"), max_length=20, unique=True)
    name = models.CharField(_("機關名稱"), max_length=100, unique=True)
    short_name = models.CharField(_("簡稱"), max_length=30, blank=True)
    kind = models.CharField(_("機關類別"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上級機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("使用中"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    head_contact_name = models.CharField(_("首長聯絡窗口"), max_length=50, blank=True)
    head_contact_email = models.EmailField(_("首長聯絡窗口電子郵件"), blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("機關")
        verbose_name_plural = _("機關")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.short_name or self.name

    def natural_key(self):
        return (self.code,)


class PortalUserManager(UserManager.from_queryset(ScopedQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A bureau role needs an agency; `createsuperuser` makes a system administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: bureau staff, a bureau manager, an RDEC reviewer, an admin or a
    senior official (長官, read only)."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("所屬機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(
        _("角色"), max_length=20, choices=Role.choices, default=Role.BUREAU_STAFF
    )
    title = models.CharField(_("職稱"), max_length=50, blank=True)
    phone = models.CharField(_("聯絡電話"), max_length=30, blank=True)

    # Who changed a user's role, agency or active flag, and when (admin: 歷史紀錄). The password
    # hash is never copied; a sign-in, which saves only last_login, adds no row (see save()).
    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = PortalUserManager()

    class Meta:
        verbose_name = _("使用者")
        verbose_name_plural = _("使用者")
        constraints = [
            # A bureau filer or manager acts for exactly one agency.
            models.CheckConstraint(
                condition=~Q(role__in=[Role.BUREAU_STAFF, Role.BUREAU_MANAGER])
                | Q(agency__isnull=False),
                name="bureau_roles_have_agency",
            ),
            # A senior official reads every agency and acts for none: an agency would give
            # them that agency's own rights (its drafts, its petitioners' personal data).
            models.CheckConstraint(
                condition=~Q(role=Role.OFFICIAL) | Q(agency__isnull=True),
                name="officials_have_no_agency",
            ),
        ]

    def __str__(self):
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @property
    def display_name(self):
        return str(self)

    @property
    def is_commission(self):
        return is_commission(self)

    @property
    def is_portal_admin(self):
        return is_admin(self)

    @property
    def is_official(self):
        return is_official(self)

    @property
    def is_bureau(self):
        return self.is_active and self.role in BUREAU_ROLES and not self.is_superuser

    def save(self, *args, **kwargs):
        # The admin site is for system administrators: the role decides, not a separate flag.
        self.is_staff = self.is_superuser or self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            self.skip_history_when_saving = True
            try:
                super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
            return
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.role in BUREAU_ROLES and self.agency_id is None:
            raise ValidationError({"agency": _("局處填報人員與局處主管必須指定所屬機關。")})
        if self.role == Role.OFFICIAL and self.agency_id is not None:
            raise ValidationError(
                {"agency": _("長官／首長閱覽全市資料，不屬於任何機關，請勿指定所屬機關。")}
            )


class District(models.Model):
    """One of Tainan's 37 administrative districts (行政區), for projects' and cases' locations."""

    code = models.CharField(_("代碼"), max_length=10, unique=True)
    name = models.CharField(_("行政區"), max_length=10, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行政區")
        verbose_name_plural = _("行政區")
        ordering = ["sort_order"]

    def __str__(self):
        return self.name


class StatusLogEntry:
    """Mixed into a status log's model (a case's, a project's, a monthly report's) so that a
    view can hand a queryset of its rows to templates/includes/status_history.html as it is.

    The include reads ``at`` and ``by_name``, ``from_label`` ("" for a record's first status) and
    ``to_label``; and where the page asks for them, ``item`` (which of the record's statuses
    changed) and ``note`` (the reason or comment). The model has the ``at`` and ``by`` fields and
    its own labels; select ``by`` with the rows."""

    # What ``by_name`` says of a change without a user: what that means differs by log (the
    # system did it, or the user was since deleted); "" shows as "—".
    no_user_label = ""

    @property
    def by_name(self) -> str:
        """Who made the change, as the page shows it."""
        return self.by.display_name if self.by else self.no_user_label


class CalendarException(models.Model):
    """A local exception to the national office calendar (e.g. a typhoon day off, a correction)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("類別"), max_length=20, choices=CalendarExceptionKind.choices)
    reason = models.CharField(_("事由"), max_length=100)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("辦公日曆例外")
        verbose_name_plural = _("辦公日曆例外")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.reason}"

    @property
    def is_day_off(self):
        return self.kind == CalendarExceptionKind.DAY_OFF


class ReminderQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own reminders: the notifications list shows nobody else's."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Reminder(models.Model):
    """One reminder or urge (提醒、稽催) to one person about one thing for one period.

    The unique key (kind, recipient, subject object, period) is what makes sending idempotent:
    the row is written before the e-mail goes out and marked sent after, so a re-run, a retry or a
    second beat process finds the row and sends nothing more.
    """

    kind = models.CharField(_("類別"), max_length=40)
    recipient = models.ForeignKey(
        User, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="reminders"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    period = models.DateField(_("期別"))
    subject = models.CharField(_("主旨"), max_length=200)
    body = models.TextField(_("內容"))
    html_body = models.TextField(_("HTML內容"), blank=True)
    link = models.CharField(_("連結"), max_length=300, blank=True)
    state = models.CharField(
        _("寄送狀態"),
        max_length=16,
        choices=ReminderState.choices,
        default=ReminderState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("寄送次數"), default=0)
    last_error = models.TextField(_("最近錯誤"), blank=True)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("開始寄送時間"), null=True, blank=True)
    sent_at = models.DateTimeField(_("寄送時間"), null=True, blank=True)
    read_at = models.DateTimeField(_("閱讀時間"), null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒通知")
        verbose_name_plural = _("提醒通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "content_type", "object_id", "period"],
                name="one_reminder_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["state", "claimed_at"]),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_portal_only(self) -> bool:
        """Not e-mailed (the recipient has no address): the notifications page is its delivery."""
        return self.state == ReminderState.PORTAL_ONLY
