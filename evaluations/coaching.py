"""Government Service Award coaching (政府服務獎輔導): entering the agencies coached each year,
moving an entry through the stages, and the year's funnel.

Stages (DOMAIN.md): the commission's coaching (輔導) → nomination by the city (推薦) →
written review (書面初審) → shortlist (入圍) → site visit and jury (實地訪視) → 得獎; an entry may
end 未獲獎 at any stage before the award. An entry moves one stage at a time (or ends), each
step recorded with its date, who and why, so the funnel is the count of entries that *reached*
each stage:
112年 — 64 coached → 6 recommended → 4 shortlisted → 2 winners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from evaluations.choices import PIPELINE, TERMINAL_STAGES, AwardCategory, CoachingStage
from evaluations.models import AwardCoaching, CoachingStageChange
from evaluations.services import require_commission


def next_stages(entry: AwardCoaching) -> list[CoachingStage]:
    """Where the entry may go from here: the next stage, or 未獲獎; nothing once it has ended."""
    if entry.stage in TERMINAL_STAGES:
        return []
    following = PIPELINE[PIPELINE.index(CoachingStage(entry.stage)) + 1]
    if following == CoachingStage.AWARDED:
        return [CoachingStage.AWARDED, CoachingStage.NOT_AWARDED]
    return [following, CoachingStage.NOT_AWARDED]


@transaction.atomic
def create_coaching(
    *, by, year: int, agency, category: str, title: str, on_date: date, notes: str = ""
) -> AwardCoaching:
    """An agency the commission coaches this year, with the plan it will enter."""
    require_commission(by)
    if category not in AwardCategory.values:
        raise ValidationError({"category": _("參獎類別不正確。")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("請填寫參獎方案名稱。")})
    try:
        with transaction.atomic():
            entry = AwardCoaching.objects.create(
                year=year,
                agency=agency,
                category=category,
                title=title,
                notes=(notes or "").strip(),
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"title": _("{agency}本年度已有同名的參獎方案。").format(agency=agency.name)}
        ) from None
    CoachingStageChange.objects.create(
        coaching=entry, from_stage="", to_stage=CoachingStage.COACHING, on_date=on_date, by=by
    )
    return entry


@transaction.atomic
def advance_coaching(
    entry: AwardCoaching, *, by, to_stage: str, on_date: date, note: str = ""
) -> AwardCoaching:
    """Move an entry to its next stage or end it (未獲獎), recording the step."""
    require_commission(by)
    entry = AwardCoaching.objects.select_for_update().get(pk=entry.pk)
    allowed = next_stages(entry)
    if to_stage not in allowed:
        if not allowed:
            raise ValidationError(_("此參獎方案已結束，不能再變更階段。"))
        raise ValidationError(
            {
                "to_stage": _("目前階段為「{stage}」，只能改為：{allowed}。").format(
                    stage=entry.get_stage_display(),
                    allowed="、".join(str(CoachingStage(s).label) for s in allowed),
                )
            }
        )
    last = entry.changes.order_by("-on_date", "-pk").first()
    if last is not None and on_date < last.on_date:
        raise ValidationError({"on_date": _("日期不可早於前一階段的日期。")})
    CoachingStageChange.objects.create(
        coaching=entry,
        from_stage=entry.stage,
        to_stage=to_stage,
        on_date=on_date,
        note=(note or "").strip(),
        by=by,
    )
    entry.stage = to_stage
    if to_stage != CoachingStage.NOT_AWARDED:
        entry.reached_level = PIPELINE.index(CoachingStage(to_stage))
    entry.save(update_fields=["stage", "reached_level", "updated_at"])
    return entry


@dataclass
class FunnelStep:
    stage: CoachingStage
    count: int

    @property
    def label(self) -> str:
        return str(self.stage.label)


def funnel(year: int, queryset=None) -> list[FunnelStep]:
    """How many of the year's entries reached each stage of the pipeline. One query."""
    queryset = AwardCoaching.objects.all() if queryset is None else queryset
    counts = queryset.filter(year=year).aggregate(
        **{
            stage.value: Count("pk", filter=Q(reached_level__gte=level))
            for level, stage in enumerate(PIPELINE)
        }
    )
    return [FunnelStep(stage, counts[stage.value]) for stage in PIPELINE]
