"""Forms of the projects app, one module per concern."""

from projects.forms.reports import MonthlyReportForm, ReasonForm, ReviewForm

__all__ = ["MonthlyReportForm", "ReasonForm", "ReviewForm"]
