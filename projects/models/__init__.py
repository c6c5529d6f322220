from projects.models.applications import Application, ApplicationStep
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
    "ReportPhoto",
    "ReportTransition",
    "ReviewMeeting",
    "SiteVisit",
    "SiteVisitPhoto",
    "StatusChange",
    "TenderNumber",
]
