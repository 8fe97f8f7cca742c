"""All models, importable from one place."""

from mapapp.models.base import month_start, utcnow
from mapapp.models.geo import (
    INSTITUTION_KINDS,
    SIDO,
    SIGUNGU,
    Institution,
    InstitutionName,
    Region,
)
from mapapp.models.people import (
    MODERATOR_ROLES,
    AuditEvent,
    Moderator,
    ModeratorSession,
    NoticeSent,
)
from mapapp.models.revisions import (
    HISTORY_CHANGES,
    REVISION_ACTIONS,
    REVISION_STATUSES,
    IncidentHistory,
    Revision,
    RevisionApproval,
)
from mapapp.models.tips import (
    CORRECTION_PROBLEMS,
    CORRECTION_STATUSES,
    INCIDENT_STATUSES,
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    REQUESTER_KINDS,
    TIPSTER_ROLES,
    VERIFICATION_LEVELS,
    CaseNote,
    CorrectionRequest,
    Incident,
    QueueGroup,
    Report,
    SpentFormToken,
)

__all__ = [
    "CORRECTION_PROBLEMS", "CORRECTION_STATUSES", "HISTORY_CHANGES", "INCIDENT_STATUSES",
    "CaseNote", "InstitutionName", "NoticeSent",
    "INSTITUTION_KINDS", "MODERATOR_ROLES", "REPORT_CATEGORIES", "REPORT_STATUSES",
    "REQUESTER_KINDS", "REVISION_ACTIONS", "REVISION_STATUSES", "SIDO", "SIGUNGU",
    "TIPSTER_ROLES", "VERIFICATION_LEVELS", "AuditEvent", "CorrectionRequest", "Incident",
    "IncidentHistory", "Institution", "Moderator", "ModeratorSession", "QueueGroup", "Region",
    "Report",
    "Revision",
    "RevisionApproval", "SpentFormToken", "month_start", "utcnow",
]
