from projects.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationStep,
    ProposedCheckpoint,
    ProposedPoint,
)
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
from projects.models.packets import Packet, ReportPhoto, SiteVisitPhoto
from projects.models.pcc import PccFigure, PccImport, PccOutcome
from projects.models.scoring import AnnualScore

__all__ = [
    "AgendaItem",
    "AnnualScore",
    "Application",
    "ApplicationAttachment",
    "ApplicationStep",
    "BudgetAllocation",
    "ControlSettings",
    "Directive",
    "DirectiveResponse",
    "Milestone",
    "MonthlyReport",
    "Packet",
    "PccFigure",
    "PccImport",
    "PccOutcome",
    "PlanBaseline",
    "PlannedPoint",
    "Project",
    "ProjectChildQuerySet",
    "ProjectQuerySet",
    "ProposedCheckpoint",
    "ProposedPoint",
    "ReportPhoto",
    "ReportTransition",
    "ReviewMeeting",
    "SiteVisit",
    "SiteVisitPhoto",
    "StatusChange",
    "TenderNumber",
]
