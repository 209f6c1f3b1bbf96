"""暖企 models, one module per noun."""

from .core import (
    Assignment,
    Batch,
    Commissioner,
    Company,
    CompanyContact,
    ConfidentialNote,
    Scale,
    WorkLogEntry,
)
from .indicators import METRIC_UNITS, Indicator, Metric, PeriodKind
from .inspections import Inspection, InspectionStatus
from .policies import ApplicationStatus, Level, Policy, PolicyApplication, PolicyMatch
from .projects import STAGE_ORDER, Milestone, Project, Stage

__all__ = [
    "METRIC_UNITS",
    "STAGE_ORDER",
    "ApplicationStatus",
    "Assignment",
    "Batch",
    "Commissioner",
    "Company",
    "CompanyContact",
    "ConfidentialNote",
    "Indicator",
    "Inspection",
    "InspectionStatus",
    "Level",
    "Metric",
    "Milestone",
    "PeriodKind",
    "Policy",
    "PolicyApplication",
    "PolicyMatch",
    "Project",
    "Scale",
    "Stage",
    "WorkLogEntry",
]
