from evaluations.models.annual import (
    AnnualEvaluation,
    AuditTarget,
    EvaluationResult,
    EvaluationSettings,
)
from evaluations.models.coaching import AwardCoaching, CoachingStageChange
from evaluations.models.improvements import ImprovementItem
from evaluations.models.records import (
    Audit,
    AuditPhoto,
    AuditScore,
    PhoneTest,
    PhoneTestScore,
)
from evaluations.models.rubrics import Rubric, RubricItem

__all__ = [
    "AnnualEvaluation",
    "Audit",
    "AuditPhoto",
    "AuditScore",
    "AuditTarget",
    "AwardCoaching",
    "CoachingStageChange",
    "EvaluationResult",
    "EvaluationSettings",
    "ImprovementItem",
    "PhoneTest",
    "PhoneTestScore",
    "Rubric",
    "RubricItem",
]
