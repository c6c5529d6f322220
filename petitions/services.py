"""Verbs on cases (案件) that keep the daily rollups current.

Every verb runs in one transaction, locks the case row, and updates the rollups by the
difference between the case's contributions before and after the change, so the rollups always
equal what ``petitions.rollups.rebuild_rollups`` computes from the case table.

What a case contributes, keyed by day, agency, category, channel and district (each key counts
in twenty-four rollup rows, sixteen on a day of a month that is over: see ``rollup_rows``):

- ``received``: on its receipt date, for the agency that received it (the handling agency
  before any transfer). Receipt is history: a transfer does not move it.
- ``fell_due`` (and ``fell_due_closed_on_time`` once closed on time): on its due date, for the
  agency handling it now.
- the closing measures (``closed``, ``closed_on_time``, processing days and their histogram,
  satisfaction): on its closing date, for the agency handling it now.

The outcome of a case belongs to whoever holds it, so a transfer (改分) moves the due and the
closing contributions to the new agency; the numerator and the denominator of the 屆期依限結案率
stay with the same agency.

Reopening (重新開啟): a reopened case keeps its first due date and "counts again when closed": the
reopen removes the earlier close from the rollups and the final close is counted, measured from
the original receipt against the original due date. A case closed twice therefore counts once,
with the figures of its last close; counting both closes would report more closed cases than
exist and let an agency close a case on time, reopen it and keep the on-time credit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from petitions import grouping
from petitions.choices import CaseStatus, RollupDimension
from petitions.models import (
    ALL_AGENCIES,
    Case,
    CaseStatusChange,
    CaseTransfer,
    DailyRollup,
    MonthlyRollup,
    PetitionSettings,
    ProblemGroup,
    YearlyRollup,
)
from tainan_rdec.scoping import is_active_user, is_commission
from tainan_rdec.workdays import due_date as working_due_date
from tainan_rdec.workdays import processing_working_days, to_local_date

COUNTERS = (
    "received",
    "repeat_calls",
    "closed",
    "closed_on_time",
    "fell_due",
    "fell_due_closed_on_time",
    "fell_due_closed",
    "processing_days_sum",
    "satisfaction_sum",
    "satisfaction_count",
    "satisfaction_satisfied",
)


# A rating of 4 (滿意) or 5 (非常滿意) counts as satisfied (DOMAIN.md, 滿意度).
SATISFIED_FROM = 4


def histogram_key(days: Decimal) -> str:
    """The histogram key of a processing time: "0.5" for a same-day close, else whole days."""
    days = Decimal(days)
    if days == days.to_integral_value():
        return str(int(days))
    return str(days.normalize())


@dataclass
class Delta:
    """A change to one DailyRollup row."""

    received: int = 0
    repeat_calls: int = 0
    closed: int = 0
    closed_on_time: int = 0
    fell_due: int = 0
    fell_due_closed_on_time: int = 0
    fell_due_closed: int = 0
    processing_days_sum: Decimal = Decimal(0)
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    satisfaction_satisfied: int = 0
    histogram: Counter = field(default_factory=Counter)

    def add(self, other: Delta, sign: int = 1) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))
        for key, n in other.histogram.items():
            self.histogram[key] += sign * n

    def is_zero(self) -> bool:
        return not any(getattr(self, name) for name in COUNTERS) and not any(
            self.histogram.values()
        )


def rollup_key(case: Case, day, agency_id: int) -> tuple:
    district_code = case.district.code if case.district_id else ""
    return (day, agency_id, case.category_id, case.channel, district_code)


def outcome_contributions(case: Case) -> dict[tuple, Delta]:
    """The due and closing contributions of ``case`` as it stands (receipt excluded)."""
    result: dict[tuple, Delta] = {}

    def at(day) -> Delta:
        key = rollup_key(case, day, case.handling_agency_id)
        return result.setdefault(key, Delta())

    closed = case.status == CaseStatus.CLOSED
    on_time = closed and bool(case.closed_on_time)
    due = at(case.due_date)
    due.fell_due += 1
    due.fell_due_closed_on_time += int(on_time)
    due.fell_due_closed += int(closed)
    if closed:
        row = at(to_local_date(case.closed_at))
        row.closed += 1
        row.closed_on_time += int(on_time)
        row.processing_days_sum += Decimal(case.processing_days)
        row.histogram[histogram_key(case.processing_days)] += 1
        if case.satisfaction is not None:
            row.satisfaction_sum += case.satisfaction
            row.satisfaction_count += 1
            row.satisfaction_satisfied += int(case.satisfaction >= SATISFIED_FROM)
    return result


def _difference(before: dict[tuple, Delta], after: dict[tuple, Delta]) -> dict[tuple, Delta]:
    result: dict[tuple, Delta] = {}
    for sign, side in ((-1, before), (1, after)):
        for key, delta in side.items():
            result.setdefault(key, Delta()).add(delta, sign)
    return {key: delta for key, delta in result.items() if not delta.is_zero()}


def rollup_rows(key: tuple, daily_from: date | None = None) -> list[tuple]:
    """The rows a contribution at ``key`` (day, agency pk, category pk, channel, district
    code) counts in: (grain, period, dimension, agency_key, value) for the three grains (only
    the monthly and yearly ones for a day before ``daily_from``: see ``daily_rollups_from``),
    the agency and the city (``ALL_AGENCIES``), and the four dimensions."""
    day, agency_id, category_id, channel, district_code = key
    values = (
        (RollupDimension.TOTAL, ""),
        (RollupDimension.CATEGORY, str(category_id)),
        (RollupDimension.CHANNEL, channel),
        (RollupDimension.DISTRICT, district_code),
    )
    grains = [("month", day.replace(day=1)), ("year", day.replace(month=1, day=1))]
    if kept_on(day, daily_from) == ("day", day):
        grains.insert(0, ("day", day))
    return [
        (grain, period, str(dimension), agency_key, value)
        for grain, period in grains
        for agency_key in (agency_id, ALL_AGENCIES)
        for dimension, value in values
    ]


# The rollup tables, finest first: a contribution counts in a row of each (a day of a month
# that is over in the monthly and yearly rows only); a writer changes them in this order.
GRAINS = {
    "day": (DailyRollup, "day"),
    "month": (MonthlyRollup, "month"),
    "year": (YearlyRollup, "year"),
}


def kept_on(day: date, daily_from: date | None) -> tuple[str, date]:
    """(grain, period) of the finest row a contribution on ``day`` is kept in: the day, or,
    before ``daily_from`` (``daily_rollups_from``), the month (its first day)."""
    if daily_from is not None and day < daily_from:
        return "month", day.replace(day=1)
    return "day", day


def daily_rollups_from() -> date | None:
    """The first day the rollups keep daily rows of (``PetitionSettings.daily_rollups_from``):
    the months before it are over, and the statistics read them from their monthly rows only
    (``petitions.stats``), so their days are kept in monthly rows only. None: every day."""
    return PetitionSettings.objects.values_list("daily_rollups_from", flat=True).first()


def roll_up(deltas: dict[tuple, Delta], daily_from: date | None = None) -> dict[tuple, Delta]:
    """Contributions keyed by case key, summed into the rollup rows they count in (daily rows
    from ``daily_from`` on)."""
    result: dict[tuple, Delta] = {}
    for key, delta in deltas.items():
        for row in rollup_rows(key, daily_from):
            result.setdefault(row, Delta()).add(delta)
    return {row: delta for row, delta in result.items() if not delta.is_zero()}


def apply_deltas(deltas: dict[tuple, Delta]) -> None:
    """Add contributions (keyed by case key) to every rollup row they count in, creating rows
    as needed and deleting rows left empty: a fixed handful of queries per grain.

    Rows are locked in key order (one ``SELECT … FOR UPDATE … ORDER BY``), so two transactions
    touching the same rows cannot deadlock; a row another transaction created meanwhile makes
    the insert fail and the step is retried with that row locked."""
    rolled = roll_up(deltas, daily_rollups_from())
    for grain, (model, period_field) in GRAINS.items():
        changes = {
            (dimension, agency_key, value, period): delta
            for (g, period, dimension, agency_key, value), delta in rolled.items()
            if g == grain
        }
        # A row another transaction created meanwhile is locked on the next try; an insert
        # that fails again (a counter below zero: rollups out of step with the cases) raises.
        attempt = 1
        while changes and not _apply_grain(model, period_field, changes, last=attempt == 3):
            attempt += 1


def _apply_grain(model, period_field: str, changes: dict[tuple, Delta], *, last=False) -> bool:
    def key_of(row) -> tuple:
        return (row.dimension, row.agency_key, row.value, getattr(row, period_field))

    match = Q()
    for dimension, agency_key, value, period in changes:
        match |= Q(
            dimension=dimension, agency_key=agency_key, value=value, **{period_field: period}
        )
    existing = {
        key_of(row): row
        for row in model.objects.select_for_update()
        .filter(match)
        .order_by("dimension", "agency_key", "value", period_field)
    }
    new_rows = []
    for key, delta in changes.items():
        row = existing.get(key)
        if row is None:
            dimension, agency_key, value, period = key
            row = model(dimension=dimension, agency_key=agency_key, value=value)
            setattr(row, period_field, period)
            new_rows.append(row)
        for name in COUNTERS:
            setattr(row, name, getattr(row, name) + getattr(delta, name))
        histogram = Counter(row.histogram)
        histogram.update(delta.histogram)
        row.histogram = {k: n for k, n in sorted(histogram.items()) if n}
    if new_rows:
        try:
            with transaction.atomic():
                model.objects.bulk_create(new_rows)
        except IntegrityError:
            if last:
                raise
            return False  # created meanwhile by another transaction: lock it and start over
    if existing:
        _save_figures(model, existing.values())
        # An empty row would not exist after a rebuild; drop it so both agree row for row.
        model.objects.filter(
            pk__in=[r.pk for r in existing.values()], received=0, closed=0, fell_due=0
        ).delete()
    return True


def _save_figures(model, rows) -> None:
    """Write the figures of locked rows back: one UPDATE statement, run for each row
    (``executemany``: on PostgreSQL, psycopg sends them together). Django's ``bulk_update``
    would build a ``CASE WHEN id = … THEN …`` for every figure of every row; for the 24 rows
    of one verb that took longer than the verb's queries (``tests/perf/bench_case_verbs.py``)."""
    fields = [model._meta.get_field(name) for name in (*COUNTERS, "histogram")]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    pk = connection.ops.quote_name(model._meta.pk.column)
    params = [
        [*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields), row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", params)


def _may_handle(case: Case, by) -> bool:
    """The commission and the case's handling agency act on a case; ``by=None`` is the system
    (imports, tasks)."""
    if by is None:
        return True
    if not is_active_user(by):
        return False
    return is_commission(by) or (
        by.agency_id is not None and by.agency_id == case.handling_agency_id
    )


def _check_may_handle(case: Case, by) -> None:
    if not _may_handle(case, by):
        raise PermissionDenied(_("只有承辦機關或研考會可以處理此案件"))


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("district").get(pk=case.pk)


def _log_status(case: Case, before: str, by) -> None:
    """Record a status change (who and when); nothing when the status stayed."""
    if case.status != before:
        CaseStatusChange.objects.create(case=case, from_status=before, to_status=case.status, by=by)


def _copy_back(locked: Case, case: Case) -> None:
    """Let the caller's instance see the saved state without another query."""
    if locked is case:
        return
    for f in Case._meta.concrete_fields:
        setattr(case, f.attname, getattr(locked, f.attname))


@transaction.atomic
def register_case(*, by=None, **fields) -> Case:
    """Register a new case: the category comes from the subcategory and the due date is the
    subcategory's limit in working days counted from the working day after receipt. ``by``
    must be the commission (the 1999 desk) or the handling agency itself."""
    subcategory = fields["subcategory"]
    fields["category"] = subcategory.category
    fields["due_date"] = working_due_date(fields["received_at"], subcategory.effective_time_limit)
    case = Case(**fields)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("新案件不可直接登錄為已結案，請登錄後再結案"))
    _check_may_handle(case, by)
    case.full_clean()
    case.save()
    _log_status(case, "", by)
    deltas = outcome_contributions(case)
    received = deltas.setdefault(
        rollup_key(case, to_local_date(case.received_at), case.handling_agency_id), Delta()
    )
    received.received += 1
    apply_deltas(deltas)
    _group_arrival(case)
    return case


def _group_arrival(case: Case) -> None:
    """Group a new case with the calls of its problem (重複陳情歸併) as it arrives. While an
    import or the full regrouping holds the grouping, the case is left to the nightly run
    rather than keep the desk waiting."""
    if not grouping.hold_lock(wait=False):
        return
    row = [getattr(case, name) for name in grouping.FIELDS]
    arrivals = grouping.Arrivals(categories={case.category_id})
    apply_repeat_changes(arrivals.add([row]).changes)


def apply_repeat_changes(changes: list[grouping.RepeatChange]) -> None:
    """Put the cases whose repeat-call mark changed into the rollups: ``repeat_calls`` on each
    one's receipt day, for the agency that received it (as ``received`` counts it)."""
    if not changes:
        return
    marks = {change.pk: change.repeat for change in changes}
    deltas: dict[tuple, Delta] = {}
    for case in Case.objects.filter(pk__in=marks).select_related("district"):
        agency = case.receiving_agency_id or case.handling_agency_id
        key = rollup_key(case, to_local_date(case.received_at), agency)
        deltas.setdefault(key, Delta()).repeat_calls += 1 if marks[case.pk] else -1
    apply_deltas({key: delta for key, delta in deltas.items() if not delta.is_zero()})


def _check_may_regroup(group: ProblemGroup, by) -> None:
    if not ProblemGroup.objects.editable_by(by).filter(pk=group.pk).exists():
        raise PermissionDenied(_("只有研考會可以調整問題群組"))
    if not grouping.hold_lock(wait=False):
        raise ValidationError(_("問題群組正在重新歸併（案件匯入或每日重新歸併），請稍後再試。"))


@transaction.atomic
def take_case_out_of_group(case: Case, *, by) -> ProblemGroup | None:
    """A reviewer says a case is not the group's problem (拆分): the case leaves the group and
    stays alone on regrouping (``group_kept``). The rest of a group the grouping made is
    regrouped by the rule (without the case, its callers may be two problems); a reviewer's
    group keeps its other cases. Returns the group the case was in, None when that group was
    left with one case and dissolved."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    group = ProblemGroup.objects.filter(pk=locked.problem_group_id).first()
    if group is None:
        raise ValidationError(_("本案不屬於任何問題群組"))
    _check_may_regroup(group, by)
    before = grouping.repeat_marks([group.pk])
    locked.problem_group = None
    locked.group_kept = True
    locked.save(update_fields=["problem_group", "group_kept", "updated_at"])
    groups = [group.pk]
    if not group.kept:
        groups += grouping.regroup_members(group)
    dissolved = grouping.refresh_groups(groups)
    released = []
    if group.kept and group.pk in dissolved:
        # The one case left of a reviewer's group goes back to the grouping.
        released = list(Case.objects.filter(pk__in=before, group_kept=True).exclude(pk=case.pk))
        Case.objects.filter(pk__in=[c.pk for c in released]).update(group_kept=False)
    after = grouping.repeat_marks([g for g in groups if g not in dissolved])
    changes = grouping.changes_between(before, after)
    if released:
        rows = Case.objects.filter(pk__in=[c.pk for c in released]).values_list(*grouping.FIELDS)
        changes += grouping.Arrivals().add(list(rows)).changes
    apply_repeat_changes(changes)
    _copy_back(locked, case)
    return None if group.pk in dissolved else ProblemGroup.objects.get(pk=group.pk)


@transaction.atomic
def merge_groups(group: ProblemGroup, other: ProblemGroup, *, by) -> ProblemGroup:
    """A reviewer says two groups are one problem (合併): ``other``'s cases join ``group``,
    and the group and all its cases are the reviewer's from now on (``kept``: regrouping
    leaves them together)."""
    if group.pk == other.pk:
        raise ValidationError(_("不能與同一個群組合併"))
    _check_may_regroup(group, by)
    _check_may_regroup(other, by)
    if group.category_id != other.category_id:
        raise ValidationError(_("只能合併同一案件類別的問題群組"))
    before = grouping.repeat_marks([group.pk, other.pk])
    Case.objects.filter(problem_group__in=[group.pk, other.pk]).update(
        problem_group=group, group_kept=True
    )
    ProblemGroup.objects.filter(pk=other.pk).delete()
    ProblemGroup.objects.filter(pk=group.pk).update(kept=True)
    grouping.refresh_groups([group.pk])
    apply_repeat_changes(grouping.changes_between(before, grouping.repeat_marks([group.pk])))
    return ProblemGroup.objects.get(pk=group.pk)


@transaction.atomic
def transfer_case(case: Case, to_agency, *, by, reason: str = "") -> CaseTransfer:
    """Move an open case to another agency (改分), keeping the history row and the due date."""
    locked = _lock(case)
    _check_may_handle(locked, by)
    if locked.status == CaseStatus.CLOSED:
        raise ValidationError(_("已結案的案件不可改分，請先重新開啟"))
    if to_agency.pk == locked.handling_agency_id:
        raise ValidationError(_("新承辦機關與原承辦機關相同"))
    before = outcome_contributions(locked)
    status = locked.status
    transfer = CaseTransfer.objects.create(
        case=locked,
        from_agency_id=locked.handling_agency_id,
        to_agency=to_agency,
        reason=reason,
        by=by,
    )
    if locked.receiving_agency_id is None:
        locked.receiving_agency_id = locked.handling_agency_id
    locked.handling_agency = to_agency
    if locked.status == CaseStatus.RECEIVED:
        locked.status = CaseStatus.ASSIGNED
    locked.save(update_fields=["receiving_agency", "handling_agency", "status", "updated_at"])
    _log_status(locked, status, by)
    apply_deltas(_difference(before, outcome_contributions(locked)))
    _copy_back(locked, case)
    return transfer


@transaction.atomic
def record_first_response(case: Case, *, at, by=None) -> Case:
    """Record the first reply to the citizen; later replies do not move it."""
    locked = _lock(case)
    _check_may_handle(locked, by)
    if at < locked.received_at:
        raise ValidationError(_("回應時間不可早於受理時間"))
    if locked.first_response_at is None:
        locked.first_response_at = at
    status = locked.status
    if locked.status in (CaseStatus.RECEIVED, CaseStatus.ASSIGNED):
        locked.status = CaseStatus.IN_PROGRESS
    locked.save(update_fields=["first_response_at", "status", "updated_at"])
    _log_status(locked, status, by)
    _copy_back(locked, case)
    return case


@transaction.atomic
def close_case(case: Case, *, at, by=None, satisfaction: int | None = None) -> Case:
    """Close a case (結案): processing days from receipt, on time when closed by the due date."""
    locked = _lock(case)
    _check_may_handle(locked, by)
    if locked.status == CaseStatus.CLOSED:
        raise ValidationError(_("案件已結案"))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError(_("滿意度須為 1 到 5"))
    try:
        days = processing_working_days(locked.received_at, at)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    before = outcome_contributions(locked)
    status = locked.status
    locked.closed_at = at
    locked.processing_days = days
    locked.closed_on_time = to_local_date(at) <= locked.due_date
    locked.satisfaction = satisfaction
    locked.status = CaseStatus.CLOSED
    locked.save(
        update_fields=[
            "closed_at",
            "processing_days",
            "closed_on_time",
            "satisfaction",
            "status",
            "updated_at",
        ]
    )
    _log_status(locked, status, by)
    apply_deltas(_difference(before, outcome_contributions(locked)))
    _copy_back(locked, case)
    return case


@transaction.atomic
def reopen_case(case: Case, *, by=None) -> Case:
    """Reopen a closed case (重新開啟): its close is withdrawn from the statistics and the case
    keeps its first due date; it counts again when closed."""
    locked = _lock(case)
    _check_may_handle(locked, by)
    if locked.status != CaseStatus.CLOSED:
        raise ValidationError(_("只有已結案的案件可以重新開啟"))
    before = outcome_contributions(locked)
    status = locked.status
    locked.closed_at = None
    locked.processing_days = None
    locked.closed_on_time = None
    locked.satisfaction = None
    locked.status = CaseStatus.REOPENED
    locked.reopened_count += 1
    locked.save(
        update_fields=[
            "closed_at",
            "processing_days",
            "closed_on_time",
            "satisfaction",
            "status",
            "reopened_count",
            "updated_at",
        ]
    )
    _log_status(locked, status, by)
    apply_deltas(_difference(before, outcome_contributions(locked)))
    _copy_back(locked, case)
    return case
