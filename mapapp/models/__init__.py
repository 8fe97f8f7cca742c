"""All models, importable from one place."""

from mapapp.models.base import month_start, utcnow
from mapapp.models.geo import INSTITUTION_KINDS, SIDO, SIGUNGU, Institution, Region
from mapapp.models.people import MODERATOR_ROLES, AuditEvent, Moderator
from mapapp.models.tips import (
    CORRECTION_STATUSES,
    INCIDENT_STATUSES,
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    TIPSTER_ROLES,
    VERIFICATION_LEVELS,
    CorrectionRequest,
    Incident,
    IncidentApproval,
    Report,
)

__all__ = [
    "CORRECTION_STATUSES", "INCIDENT_STATUSES", "INSTITUTION_KINDS", "MODERATOR_ROLES",
    "REPORT_CATEGORIES", "REPORT_STATUSES", "SIDO", "SIGUNGU", "TIPSTER_ROLES",
    "VERIFICATION_LEVELS", "AuditEvent", "CorrectionRequest", "Incident", "IncidentApproval",
    "Institution", "Moderator", "Region", "Report", "month_start", "utcnow",
]
