"""Recording service-quality work: telephone tests and audits scored against their year's
rubric, audit photos, and the improvement items (改善事項) — an audit's (agency reports back,
reviewer verifies or returns) and the petitions-timeliness follow-through's (agency files a plan,
reviewer accepts or returns it, agency reports the results; ``evaluations.timeliness`` raises
and closes those). Government Service Award coaching steps are in ``evaluations.coaching``,
the annual evaluation in ``evaluations.evaluation``.

Every verb runs in one transaction and checks who may do it, so a page, an import and a task
that call it get the same answer. The commission (reviewers and admins) records and corrects;
an agency's bureau staff and managers file the report-back on their own improvement items.

**Scoring** (``score_points``): a record is scored on the items of the groups that apply to it
(every group for an audit; for a call, the groups its route reaches: through the switchboard
both 總機 and 業務單位, a direct or 1999 call 業務單位 only). Each applicable item needs points
between 0 and its maximum, in steps of 0.1. total = Σ points; max_total = Σ maxima of the
applicable items; score = total ÷ max_total × 100, rounded half up to 2 decimals (the 百分制
figure that the annual evaluation averages, so a direct call out of 55 and a switchboard call
out of 100 weigh the same).

A record of a year whose evaluation is final (確定) can no longer be added or changed: the
published ranking and its drill-down must keep showing the records it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import reminders
from evaluations.choices import (
    GROUPS_BY_KIND,
    GROUPS_BY_ROUTE,
    CallRoute,
    ImprovementSource,
    ImprovementStatus,
    RubricKind,
)
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditPhoto,
    AuditScore,
    AuditTarget,
    ImprovementItem,
    PhoneTest,
    PhoneTestScore,
    Rubric,
    RubricItem,
)
from tainan_rdec.choices import BUREAU_ROLES
from tainan_rdec.photos import clean_caption, clean_photo
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import is_active_user, is_admin, is_commission

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def require_commission(user) -> None:
    if not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以執行此項作業。"))


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# -- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """A record's scores: the points per applicable item and the figures computed from them."""

    points: dict[RubricItem, Decimal]
    total: Decimal
    max_total: Decimal
    score: Decimal


def percent(total: Decimal, max_total: Decimal) -> Decimal:
    return (total / max_total * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def applicable_groups(kind: str, route: str | None = None) -> tuple[str, ...]:
    if kind == RubricKind.PHONE:
        return GROUPS_BY_ROUTE[CallRoute(route)]
    return GROUPS_BY_KIND[RubricKind(kind)]


def score_points(
    rubric: Rubric, points: Mapping[str, object], *, route: str | None = None
) -> Scored:
    """Check ``points`` (item code → points) against ``rubric`` and compute the score (see the
    module docstring). Raises ValidationError naming each item that is wrong."""
    groups = applicable_groups(rubric.kind, route)
    items = [i for i in rubric.items.all() if i.group in groups]
    if not items:
        raise ValidationError(_("評分表沒有適用的評分項目，請先設定評分表。"))
    codes = {i.code for i in items}
    errors: dict[str, list[str]] = {}
    for code in points:
        if code not in codes and points[code] not in (None, ""):
            errors.setdefault(code, []).append(
                _("項目 {code} 不適用於此次評核，請勿給分。").format(code=code)
            )
    given: dict[RubricItem, Decimal] = {}
    for item in items:
        raw = points.get(item.code)
        if raw in (None, ""):
            errors.setdefault(item.code, []).append(
                _("請輸入「{label}」的得分。").format(label=item.label)
            )
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            errors.setdefault(item.code, []).append(_("得分須為數字。"))
        elif not 0 <= value <= item.max_points:
            errors.setdefault(item.code, []).append(
                _("「{label}」的得分須介於0到{max}分。").format(
                    label=item.label, max=f"{item.max_points.normalize():f}"
                )
            )
        elif value != value.quantize(TENTH):
            errors.setdefault(item.code, []).append(_("得分最多到小數點後一位。"))
        else:
            given[item] = value.quantize(TENTH)
    if errors:
        raise ValidationError(errors)
    total = sum(given.values(), Decimal(0))
    max_total = sum((i.max_points for i in items), Decimal(0))
    return Scored(given, total, max_total, percent(total, max_total))


# -- checks ------------------------------------------------------------------------------------


def check_year_open(year: int) -> None:
    """Refuse changes to a year whose evaluation is final."""
    if AnnualEvaluation.objects.filter(year=year, finalized_at__isnull=False).exists():
        raise ValidationError(
            _("{year}年度服務效能評比已確定，該年度的評核紀錄不能再新增或修改。").format(
                year=year - ROC_OFFSET
            )
        )


def _check_rubric(rubric: Rubric, kind: str, day: date, field: str) -> None:
    if rubric.kind != kind:
        raise ValidationError(_("評分表類別不符。"))
    if day.year != rubric.year:
        raise ValidationError(
            {
                field: _("日期須在{year}年度內（本紀錄使用{year}年度評分表）。").format(
                    year=rubric.roc_year
                )
            }
        )


def _next_reference(model, prefix: str, width: int) -> str:
    last = (
        model.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:0{width}d}"


def _create_with_reference(model, prefix: str, width: int, **fields):
    """Create a record with the next free reference (``TEL-114-0001``); two reviewers saving
    at once both get one (the loser of the race retries with the next number)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return model.objects.create(
                    reference=_next_reference(model, prefix, width), **fields
                )
        except IntegrityError:
            continue
    raise ValidationError(_("無法產生編號，請稍後再試。"))


# -- telephone tests ---------------------------------------------------------------------------

PHONE_FIELDS = (
    "agency",
    "unit",
    "route",
    "phone_number",
    "extension",
    "tested_on",
    "tested_at",
    "tester",
    "rings",
    "seconds_to_answer",
    "notes",
    "recording_ref",
)


OPTIONAL_TEXT = frozenset({"extension", "notes", "recording_ref", "findings"})


def _values(names, fields: dict) -> dict:
    """The record's fields from ``fields``; an optional text left out is stored as ""."""
    values = {name: fields.get(name) for name in names}
    for name in OPTIONAL_TEXT & set(values):
        values[name] = (values[name] or "").strip()
    return values


def _check_phone(fields: dict) -> None:
    if fields.get("rings") is None and fields.get("seconds_to_answer") is None:
        raise ValidationError({"rings": _("請填寫響鈴聲數或接聽秒數（至少一項）。")})
    _required_text(fields.get("unit"), "unit", _("請填寫受測單位。"))
    _required_text(fields.get("tester"), "tester", _("請填寫測試人員。"))
    _required_text(fields.get("phone_number"), "phone_number", _("請填寫電話號碼。"))


def _write_scores(score_model, owner_field: str, owner, scored: Scored) -> None:
    score_model.objects.filter(**{owner_field: owner}).delete()
    score_model.objects.bulk_create(
        score_model(**{owner_field: owner}, item=item, points=value)
        for item, value in scored.points.items()
    )


@transaction.atomic
def record_phone_test(*, by, rubric: Rubric, points: Mapping[str, object], **fields) -> PhoneTest:
    """Record a telephone courtesy test scored with ``rubric`` (its year's version)."""
    require_commission(by)
    fields = _values(PHONE_FIELDS, fields)
    _check_rubric(rubric, RubricKind.PHONE, fields["tested_on"], "tested_on")
    check_year_open(rubric.year)
    _check_phone(fields)
    scored = score_points(rubric, points, route=fields["route"])
    test = _create_with_reference(
        PhoneTest,
        f"TEL-{rubric.roc_year}-",
        4,
        rubric=rubric,
        total=scored.total,
        max_total=scored.max_total,
        score=scored.score,
        recorded_by=by,
        **fields,
    )
    _write_scores(PhoneTestScore, "test", test, scored)
    return test


@transaction.atomic
def update_phone_test(test: PhoneTest, *, by, points: Mapping[str, object], **fields) -> PhoneTest:
    """Correct a test: its details and scores; the rubric version stays the one it was scored
    with (so the date must stay in that year)."""
    require_commission(by)
    test = PhoneTest.objects.select_for_update().get(pk=test.pk)
    check_year_open(test.rubric.year)
    fields = _values(PHONE_FIELDS, fields)
    _check_rubric(test.rubric, RubricKind.PHONE, fields["tested_on"], "tested_on")
    _check_phone(fields)
    scored = score_points(test.rubric, points, route=fields["route"])
    for name, value in fields.items():
        setattr(test, name, value)
    test.total, test.max_total, test.score = scored.total, scored.max_total, scored.score
    test._change_reason = _("修正測試紀錄")
    test.save()
    _write_scores(PhoneTestScore, "test", test, scored)
    return test


# -- audits ------------------------------------------------------------------------------------

AUDIT_FIELDS = ("agency", "counter", "visited_on", "auditor", "findings")


def _check_audit(fields: dict) -> None:
    _required_text(fields.get("counter"), "counter", _("請填寫受稽核櫃台。"))
    _required_text(fields.get("auditor"), "auditor", _("請填寫稽核人員。"))


def _target_for(agency, year: int) -> AuditTarget | None:
    return AuditTarget.objects.filter(agency=agency, year=year).first()


@transaction.atomic
def record_audit(*, by, rubric: Rubric, points: Mapping[str, object], **fields) -> Audit:
    """Record a mystery-shopper audit scored with ``rubric``; it is linked to the agency's entry
    on that year's target list when there is one."""
    require_commission(by)
    fields = _values(AUDIT_FIELDS, fields)
    _check_rubric(rubric, RubricKind.AUDIT, fields["visited_on"], "visited_on")
    check_year_open(rubric.year)
    _check_audit(fields)
    scored = score_points(rubric, points)
    audit = _create_with_reference(
        Audit,
        f"AUD-{rubric.roc_year}-",
        4,
        rubric=rubric,
        total=scored.total,
        max_total=scored.max_total,
        score=scored.score,
        recorded_by=by,
        target=_target_for(fields["agency"], rubric.year),
        **fields,
    )
    _write_scores(AuditScore, "audit", audit, scored)
    return audit


@transaction.atomic
def update_audit(audit: Audit, *, by, points: Mapping[str, object], **fields) -> Audit:
    """Correct an audit's details and scores (same rubric version, same year)."""
    require_commission(by)
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    check_year_open(audit.rubric.year)
    fields = _values(AUDIT_FIELDS, fields)
    _check_rubric(audit.rubric, RubricKind.AUDIT, fields["visited_on"], "visited_on")
    _check_audit(fields)
    scored = score_points(audit.rubric, points)
    for name, value in fields.items():
        setattr(audit, name, value)
    audit.target = _target_for(audit.agency, audit.rubric.year)
    audit.total, audit.max_total, audit.score = scored.total, scored.max_total, scored.score
    audit._change_reason = _("修正稽核紀錄")
    audit.save()
    _write_scores(AuditScore, "audit", audit, scored)
    return audit


@transaction.atomic
def add_audit_photo(audit: Audit, file, caption: str = "", *, by) -> AuditPhoto:
    """Attach a photo to an audit (the commission's auditors take them)."""
    require_commission(by)
    caption = clean_caption(caption)
    image = clean_photo(file)
    return AuditPhoto.objects.create(audit=audit, image=image, caption=caption, uploaded_by=by)


# -- improvement items -------------------------------------------------------------------------
#
# One mechanism for every item, whatever raised it: the agency's bureau staff and managers (or
# an admin for them) do the agency's steps (``may_report``), the commission's reviewers the
# reviews; each step is a history row with its reason; the agency is told of a new item and of
# a return at once, and urged after a due date (``evaluations.reminders``).


@transaction.atomic
def raise_improvement(audit: Audit, *, by, description: str, due_date: date) -> ImprovementItem:
    """列管改善事項: something the audited agency must fix and report back on by ``due_date``."""
    require_commission(by)
    description = _required_text(description, "description", _("請填寫改善事項。"))
    if due_date < audit.visited_on:
        raise ValidationError({"due_date": _("回復期限不可早於稽核日期。")})
    item = ImprovementItem.objects.create(
        source=ImprovementSource.AUDIT,
        audit=audit,
        agency_id=audit.agency_id,
        description=description,
        due_date=due_date,
        raised_by=by,
    )
    reminders.notify_raised(item)
    return item


def may_report(item: ImprovementItem, user) -> bool:
    """The item's agency's own bureau staff and managers do its steps; an admin may for it."""
    if not is_active_user(user):
        return False
    if is_admin(user):
        return True
    return user.role in BUREAU_ROLES and user.agency_id == item.agency_id


def require_agency(item: ImprovementItem, user) -> None:
    if not may_report(item, user):
        raise PermissionDenied(_("只有被列管的機關可以辦理此改善事項。"))


def _lock(item: ImprovementItem) -> ImprovementItem:
    # Only the item's row: its audit is optional, and PostgreSQL locks no outer-joined row.
    return (
        ImprovementItem.objects.select_for_update(of=("self",))
        .select_related("audit")
        .get(pk=item.pk)
    )


def _earliest_due(item: ImprovementItem) -> tuple[date, str]:
    """The earliest due date the item may be given, and the message when one is earlier."""
    if item.audit_id:
        return item.audit.visited_on, _("回復期限不可早於稽核日期。")
    return timezone.localtime(item.raised_at).date(), _("回復期限不可早於列管日期。")


def _save(item: ImprovementItem, reason: str) -> ImprovementItem:
    item._change_reason = reason
    item.save()
    return item


@transaction.atomic
def file_plan(
    item: ImprovementItem, *, by, causes: str, measures: str, target_date: date | None
) -> ImprovementItem:
    """The agency's improvement plan (改善計畫) on a timeliness item: why its cases were late,
    what it will do, and by when; it then waits for the reviewer."""
    item = _lock(item)
    require_agency(item, by)
    if item.status != ImprovementStatus.PLAN_DUE:
        raise ValidationError(_("此改善事項目前不需提出改善計畫。"))
    errors = {}
    causes, measures = (causes or "").strip(), (measures or "").strip()
    if not causes:
        errors["causes"] = _("請填寫原因分析。")
    if not measures:
        errors["measures"] = _("請填寫改善措施。")
    raised_on = timezone.localtime(item.raised_at).date()
    if target_date is None:
        errors["target_date"] = _("請填寫預定完成日期。")
    elif target_date < raised_on:
        errors["target_date"] = _("預定完成日期不可早於列管日期。")
    if errors:
        raise ValidationError(errors)
    item.causes, item.measures, item.target_date = causes, measures, target_date
    item.status = ImprovementStatus.PLAN_FILED
    item.plan_filed_by = by
    item.plan_filed_at = timezone.now()
    return _save(item, _("機關提出改善計畫"))


@transaction.atomic
def accept_plan(item: ImprovementItem, *, by, note: str = "") -> ImprovementItem:
    """The reviewer accepts the plan (同意): the agency carries it out and reports the results
    by the plan's target date."""
    require_commission(by)
    item = _lock(item)
    if item.status != ImprovementStatus.PLAN_FILED:
        raise ValidationError(_("機關尚未提出改善計畫，或計畫已審查。"))
    item.status = ImprovementStatus.OPEN
    item.due_date = item.target_date
    item.review_note = (note or "").strip()
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    return _save(item, _("同意改善計畫"))


@transaction.atomic
def return_plan(
    item: ImprovementItem, *, by, note: str, due_date: date | None = None
) -> ImprovementItem:
    """The reviewer returns the plan (退回，附理由); the agency files it again, by ``due_date``
    when given."""
    require_commission(by)
    item = _lock(item)
    if item.status != ImprovementStatus.PLAN_FILED:
        raise ValidationError(_("機關尚未提出改善計畫，或計畫已審查。"))
    item.review_note = _required_text(note, "note", _("請說明退回原因。"))
    _set_due_date(item, due_date)
    item.status = ImprovementStatus.PLAN_DUE
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    _save(item, _("退回改善計畫"))
    reminders.notify_returned(item)
    return item


def _set_due_date(item: ImprovementItem, due_date: date | None) -> None:
    if due_date is None:
        return
    earliest, message = _earliest_due(item)
    if due_date < earliest:
        raise ValidationError({"due_date": message})
    item.due_date = due_date


@transaction.atomic
def report_improvement(item: ImprovementItem, *, by, report: str) -> ImprovementItem:
    """The agency's report-back (改善情形, or a plan's results) on an open item; it then waits
    for verification (an audit's item) or for the figures (a timeliness item)."""
    item = _lock(item)
    require_agency(item, by)
    if item.status != ImprovementStatus.OPEN:
        raise ValidationError(_("此改善事項目前不需回復。"))
    item.report = _required_text(report, "report", _("請填寫改善情形。"))
    item.status = ImprovementStatus.REPORTED
    item.reported_by = by
    item.reported_at = timezone.now()
    return _save(item, _("機關回復改善情形"))


def _check_reported(item: ImprovementItem) -> None:
    if item.status != ImprovementStatus.REPORTED:
        raise ValidationError(_("機關尚未回復改善情形，或此事項已確認。"))


@transaction.atomic
def verify_improvement(item: ImprovementItem, *, by, note: str = "") -> ImprovementItem:
    """The reviewer confirms the improvement (已確認改善); the item is closed. A timeliness
    item is closed by its figures instead (``evaluations.timeliness``)."""
    require_commission(by)
    item = _lock(item)
    _check_reported(item)
    if item.is_timeliness:
        raise ValidationError(
            _("陳情案件處理時效的改善事項，於逾期率連續達標後由系統解除列管，無須人工確認。")
        )
    item.status = ImprovementStatus.VERIFIED
    item.review_note = (note or "").strip()
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    return _save(item, _("確認改善"))


@transaction.atomic
def return_improvement(
    item: ImprovementItem, *, by, note: str, due_date: date | None = None
) -> ImprovementItem:
    """The reviewer sends the report back (退回補正) with the reason, optionally with a new due
    date; the agency reports again."""
    require_commission(by)
    item = _lock(item)
    _check_reported(item)
    item.review_note = _required_text(note, "note", _("請說明退回原因。"))
    _set_due_date(item, due_date)
    item.status = ImprovementStatus.OPEN
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    _save(item, _("退回補正"))
    reminders.notify_returned(item)
    return item
