"""The annual service-effectiveness evaluation (年度服務效能評比) and the audit target list it
feeds.

For year Y, every agency with at least one telephone test or audit dated in Y is evaluated on
three components, each 0–100 and rounded half up to 2 decimals:

- 電話禮貌測試 = the mean of its tests' scores (百分制, see ``evaluations.services``);
- 神秘客實地稽核 = the mean of its audits' scores;
- 陳情案件處理時效 = its **屆期依限結案率** for Y (cases that fell due in Y and were closed by
  their due date ÷ cases that fell due in Y), from ``petitions.stats.timeliness_by("agency")``
  — the measure the commission itself reports (95% in 2025), and the one that cannot be improved
  by leaving hard cases open (the on-time % of closed cases can). It counts only when the
  agency's row is ``ranked`` (at least ``PetitionSettings.min_cases_for_ranking`` cases closed
  in Y): a rate over a handful of cases says little.

A component without data (no test, no audit, no ranked petition row — an agency without cases,
such as a counter that takes none, is neither rewarded nor penalised) is left out and the
remaining weights are scaled up: total = Σ(weight × score) ÷ Σ(weight of the components that
have data), rounded half up to 2 decimals. So with weights 40/30/30 an agency with only tests
(80) and audits (90) scores (40×80 + 30×90) ÷ 70 = 84.29.

Ranking: by total, highest first; equal totals share a rank (1, 2, 2, 4). An agency needs
improvement (待加強機關) when its total is below the threshold, or it is among the ``bottom_n``
lowest totals (an agency tied with the N-th lowest is included). The weights, the threshold and
N are an admin's settings (``EvaluationSettings``); each year's run keeps the values it used.

A reviewer computes a year as often as needed, then finalizes it (確定): the results are frozen,
agencies see their own line, and next year's mystery-shopper target list gets every agency that
needs improvement besides the district offices (``generate_audit_targets``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.choices import TargetBasis
from evaluations.models import (
    AnnualEvaluation,
    Audit,
    AuditTarget,
    EvaluationResult,
    EvaluationSettings,
    PhoneTest,
)
from petitions.stats import timeliness_by
from tainan_rdec.choices import AgencyKind
from tainan_rdec.models import Agency
from tainan_rdec.roc import ROC_OFFSET
from tainan_rdec.scoping import is_commission

CENT = Decimal("0.01")
COMPONENTS = ("phone", "audit", "petition")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _require_commission(user) -> None:
    if user is not None and not is_commission(user):
        raise PermissionDenied(_("只有研考會審查人員可以執行此項作業。"))


# -- components --------------------------------------------------------------------------------


def mean_scores(model, year: int) -> dict[int, tuple[int, Decimal]]:
    """agency id → (records, mean score) for the records dated in ``year``. The scores are
    added in Python, as Decimals, so SQLite and PostgreSQL give the same figures."""
    sums: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for agency_id, score in model.objects.in_year(year).values_list("agency_id", "score"):
        sums[agency_id][0] += 1
        sums[agency_id][1] += score
    return {a: (n, round2(total / n)) for a, (n, total) in sums.items()}


@dataclass
class PetitionFigure:
    fell_due: int = 0
    on_time: int = 0
    score: Decimal | None = None
    note: str = ""


def petition_figures(year: int, agency_ids, today: date) -> dict[int, PetitionFigure]:
    """agency id → the petition component of ``year`` (see the module docstring)."""
    rows = {
        row.key: row
        for row in timeliness_by(
            "agency",
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            agency_ids=list(agency_ids),
            today=today,
        )
    }
    figures = {}
    for agency_id in agency_ids:
        row = rows.get(agency_id)
        if row is None or not row.fell_due:
            figures[agency_id] = PetitionFigure(note=_("本年度無屆期陳情案件，不列入計分。"))
            continue
        figure = PetitionFigure(row.fell_due, row.fell_due_closed_on_time)
        rate = row.on_time_closure_rate
        if not row.ranked:
            figure.note = _("結案件數未達排名門檻，不列入計分。")
        elif rate is not None:
            figure.score = round2(rate)
        figures[agency_id] = figure
    return figures


def weighted_total(scores: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal | None:
    """Σ(weight × score) ÷ Σ(weight) over the components with a score and a positive weight;
    None when there is none."""
    used = [(weights.get(k, 0), s) for k, s in scores.items() if s is not None]
    used = [(w, s) for w, s in used if w > 0]
    if not used:
        return None
    return round2(sum(Decimal(w) * s for w, s in used) / sum(w for w, _s in used))


def formula(result: EvaluationResult) -> str:
    """The total written out: ``(40 × 85.00 + 30 × 78.50) ÷ 70 = 82.21``."""
    parts = [
        f"{c['weight']} × {c['score']}"
        for c in result.components()
        if c["score"] is not None and c["weight"] > 0
    ]
    divisor = sum(c["weight"] for c in result.components() if c["score"] is not None)
    return f"({' + '.join(parts)}) ÷ {divisor} = {result.total_score}"


# -- ranking -----------------------------------------------------------------------------------


@dataclass
class Line:
    agency: Agency
    total: Decimal
    scores: dict[str, Decimal | None]
    counts: dict[str, int] = field(default_factory=dict)
    petition: PetitionFigure = field(default_factory=PetitionFigure)
    rank: int = 0
    below_threshold: bool = False
    in_bottom_n: bool = False


def rank_lines(lines: list[Line], *, threshold: Decimal, bottom_n: int) -> list[Line]:
    """Order, rank and mark ``lines`` (see the module docstring); returns them best first."""
    lines = sorted(lines, key=lambda line: (-line.total, line.agency.sort_order, line.agency.code))
    for line in lines:
        line.rank = 1 + sum(1 for other in lines if other.total > line.total)
        line.below_threshold = line.total < threshold
    if bottom_n > 0 and lines:
        ascending = sorted(line.total for line in lines)
        cutoff = ascending[min(bottom_n, len(ascending)) - 1]
        for line in lines:
            line.in_bottom_n = line.total <= cutoff
    return lines


# -- the yearly run ----------------------------------------------------------------------------


def _check_not_final(year: int) -> None:
    if AnnualEvaluation.objects.filter(year=year, finalized_at__isnull=False).exists():
        raise ValidationError(
            _("{year}年度服務效能評比已確定，不能重新計算。").format(year=year - ROC_OFFSET)
        )


@transaction.atomic
def compute_evaluation(
    year: int, *, by=None, today: date | None = None, rules: EvaluationSettings | None = None
) -> AnnualEvaluation:
    """Compute (or recompute) year ``year``'s evaluation with the current settings, replacing
    its results. ``by`` None is the system (a command, the demo)."""
    _require_commission(by)
    _check_not_final(year)
    today = today or timezone.localdate()
    rules = rules or EvaluationSettings.get()
    weights = rules.weights()
    phone = mean_scores(PhoneTest, year)
    audit = mean_scores(Audit, year)
    agency_ids = sorted(set(phone) | set(audit))
    petitions = petition_figures(year, agency_ids, today) if agency_ids else {}
    agencies = Agency.objects.in_bulk(agency_ids)
    lines = []
    for agency_id in agency_ids:
        petition = petitions[agency_id]
        scores = {
            "phone": phone[agency_id][1] if agency_id in phone else None,
            "audit": audit[agency_id][1] if agency_id in audit else None,
            "petition": petition.score,
        }
        total = weighted_total(scores, weights)
        if total is None:
            continue  # only components weighted 0: nothing to rank it on
        lines.append(
            Line(
                agencies[agency_id],
                total,
                scores,
                {
                    "phone": phone.get(agency_id, (0, None))[0],
                    "audit": audit.get(agency_id, (0, None))[0],
                },
                petition,
            )
        )
    lines = rank_lines(lines, threshold=rules.threshold, bottom_n=rules.bottom_n)
    evaluation, _created = AnnualEvaluation.objects.update_or_create(
        year=year,
        defaults={
            "weights": weights,
            "threshold": rules.threshold,
            "bottom_n": rules.bottom_n,
            "today": today,
            "computed_at": timezone.now(),
            "computed_by": by,
        },
    )
    evaluation.results.all().delete()
    EvaluationResult.objects.bulk_create(
        EvaluationResult(
            evaluation=evaluation,
            agency=line.agency,
            phone_count=line.counts["phone"],
            phone_score=line.scores["phone"],
            audit_count=line.counts["audit"],
            audit_score=line.scores["audit"],
            petition_fell_due=line.petition.fell_due,
            petition_on_time=line.petition.on_time,
            petition_score=line.petition.score,
            petition_note=line.petition.note,
            total_score=line.total,
            rank=line.rank,
            below_threshold=line.below_threshold,
            in_bottom_n=line.in_bottom_n,
            needs_improvement=line.below_threshold or line.in_bottom_n,
        )
        for line in lines
    )
    return evaluation


@transaction.atomic
def finalize_evaluation(year: int, *, by) -> AnnualEvaluation:
    """確定: freeze year ``year``'s results, show them to the agencies and put the agencies that
    need improvement on next year's audit target list."""
    _require_commission(by)
    evaluation = AnnualEvaluation.objects.select_for_update().filter(year=year).first()
    if evaluation is None:
        raise ValidationError(_("{year}年度尚未計算服務效能評比。").format(year=year - ROC_OFFSET))
    if evaluation.is_final:
        raise ValidationError(_("{year}年度服務效能評比已確定。").format(year=year - ROC_OFFSET))
    evaluation.finalized_at = timezone.now()
    evaluation.finalized_by = by
    evaluation.save(update_fields=["finalized_at", "finalized_by"])
    generate_audit_targets(year + 1, by=by)
    return evaluation


# -- the audit target list ---------------------------------------------------------------------


def _link_audits(target: AuditTarget) -> None:
    """Audits of the target's year recorded before it was on the list now count for it."""
    Audit.objects.filter(
        agency=target.agency, visited_on__year=target.year, target__isnull=True
    ).update(target=target)


@transaction.atomic
def generate_audit_targets(year: int, *, by=None) -> list[AuditTarget]:
    """Year ``year``'s target list: every agency the final evaluation of the year before marked
    待加強, and every active district office (區公所). Idempotent; an agency already on the list
    keeps its entry, except that a district office found needing improvement is re-labelled so.
    Counters (市府服務櫃台) are added by hand (``add_audit_target``). Returns the new entries."""
    _require_commission(by)
    existing = {t.agency_id: t for t in AuditTarget.objects.filter(year=year)}
    added = []
    previous = AnnualEvaluation.objects.filter(year=year - 1, finalized_at__isnull=False).first()
    flagged = (
        previous.results.filter(needs_improvement=True).select_related("agency") if previous else []
    )
    for result in flagged:
        note = _("{year}年度服務效能評比總分{score}分，第{rank}名").format(
            year=previous.roc_year, score=result.total_score, rank=result.rank
        )
        target = existing.get(result.agency_id)
        if target is None:
            target = AuditTarget.objects.create(
                year=year,
                agency=result.agency,
                basis=TargetBasis.NEEDS_IMPROVEMENT,
                source=result,
                note=note,
                added_by=by,
            )
            existing[result.agency_id] = target
            added.append(target)
        elif target.basis != TargetBasis.NEEDS_IMPROVEMENT:
            target.basis, target.source, target.note = TargetBasis.NEEDS_IMPROVEMENT, result, note
            target.save(update_fields=["basis", "source", "note"])
    districts = Agency.objects.active().filter(kind=AgencyKind.DISTRICT_OFFICE)
    for agency in districts.exclude(pk__in=list(existing)):
        target = AuditTarget.objects.create(
            year=year, agency=agency, basis=TargetBasis.DISTRICT_OFFICE, added_by=by
        )
        added.append(target)
    for target in added:
        _link_audits(target)
    return added


@transaction.atomic
def add_audit_target(year: int, agency: Agency, *, by, basis: str, note: str = "") -> AuditTarget:
    """Put an agency on a year's target list by hand (e.g. a city hall counter)."""
    _require_commission(by)
    if basis not in TargetBasis.values:
        raise ValidationError({"basis": _("列入原因不正確。")})
    if AuditTarget.objects.filter(year=year, agency=agency).exists():
        raise ValidationError(
            {"agency": _("「{agency}」已在本年度稽核對象清單中。").format(agency=agency.name)}
        )
    target = AuditTarget.objects.create(
        year=year, agency=agency, basis=basis, note=(note or "").strip(), added_by=by
    )
    _link_audits(target)
    return target


@transaction.atomic
def remove_audit_target(target: AuditTarget, *, by) -> None:
    _require_commission(by)
    target.delete()
