"""Problem groups (重複陳情歸併): one problem reported by several callers."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from petitions.choices import OPEN_STATUSES
from petitions.models.cases import Case
from petitions.models.catalogue import Category
from tainan_rdec.models import Agency
from tainan_rdec.scoping import ScopedQuerySet, is_commission


class ProblemGroupQuerySet(ScopedQuerySet):
    agency_path = "handling_agency"
    # A group lists its cases, which name their petitioners: senior officials read the
    # statistics (calls and problems), never the groups.
    personal_data = True

    def agency_q(self, agency_id: int) -> Q:
        """A bureau sees the groups its own cases are in, whoever handles the first call."""
        return Q(handling_agency=agency_id) | Q(
            Exists(Case.objects.filter(problem_group=OuterRef("pk"), handling_agency=agency_id))
        )

    def editable_by(self, user):
        """Splitting and merging groups is the commission's (its reviewers decide what one
        problem is); the agencies read their groups."""
        return self.all() if is_commission(user) else self.none()

    def open(self):
        """Groups with a case still open: a problem not yet solved."""
        return self.filter(
            Exists(Case.objects.filter(problem_group=OuterRef("pk"), status__in=OPEN_STATUSES))
        )


class ProblemGroup(models.Model):
    """One problem reported by several callers (一案多報): cases of one category, at one place,
    within a few working days, whose descriptions say the same thing (重複陳情歸併). A case
    alone is a problem of its own and has no group; a group has two cases or more.

    Made by the grouping (petitions/grouping.py), or by a reviewer splitting or merging groups
    (``kept``: regrouping never undoes a reviewer's decision)."""

    category = models.ForeignKey(
        Category, verbose_name=_("案件類別"), on_delete=models.PROTECT, related_name="+"
    )
    # The first call (the earliest received; of two at one moment the one registered first):
    # the problem is counted once, on its day, for its agency and category; the others are
    # repeat calls (Rollup.repeat_calls). Kept by petitions/grouping.py whenever the cases of a
    # group change.
    first_case = models.ForeignKey(
        "petitions.Case",
        verbose_name=_("首件案件"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The agency handling the group's first case: the group's owner for scoping.
    handling_agency = models.ForeignKey(
        Agency, verbose_name=_("承辦機關"), on_delete=models.PROTECT, related_name="+"
    )
    first_received_at = models.DateTimeField(_("首次受理時間"))
    last_received_at = models.DateTimeField(_("最近受理時間"))
    case_count = models.PositiveIntegerField(_("案件數"))
    # Where the first case is.
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True)
    longitude = models.DecimalField(_("經度"), max_digits=9, decimal_places=6, null=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    kept = models.BooleanField(_("人工調整"), default=False)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    objects = ProblemGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("問題群組")
        verbose_name_plural = _("問題群組")
        ordering = ["-last_received_at", "-pk"]
        indexes = [models.Index(fields=["category", "first_received_at"])]

    def __str__(self):
        return f"{self.category}（{self.case_count}）"
