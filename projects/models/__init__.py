from projects.models.core import (
    BudgetAllocation,
    ControlSettings,
    Milestone,
    MonthlyReport,
    PlanBaseline,
    PlannedPoint,
    Project,
    ProjectChildQuerySet,
    ProjectQuerySet,
    ReportTransition,
    StatusChange,
    TenderNumber,
)
from projects.models.followup import (
    AgendaItem,
    Directive,
    DirectiveResponse,
    ReviewMeeting,
    SiteVisit,
)
from projects.models.scoring import AnnualScore

__all__ = [
    "AgendaItem",
    "AnnualScore",
    "BudgetAllocation",
    "ControlSettings",
    "Directive",
    "DirectiveResponse",
    "Milestone",
    "MonthlyReport",
    "PlanBaseline",
    "PlannedPoint",
    "Project",
    "ProjectChildQuerySet",
    "ProjectQuerySet",
    "ReportTransition",
    "ReviewMeeting",
    "SiteVisit",
    "StatusChange",
    "TenderNumber",
]
