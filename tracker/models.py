"""Every model of the app, imported once so the metadata (and Alembic) sees all tables."""

from tracker.audit.models import AuditEvent
from tracker.auth.models import AccountToken, User, UserRole
from tracker.conditions.models import (
    CompanyOpinion,
    ConditionProof,
    EnglishCertificate,
    FinalAssessment,
    MobilityPeriod,
)
from tracker.dossiers.models import DossierRecord
from tracker.evaluations.models import AgreedLevel, Grid, Rating, Reopening, Review, Signature
from tracker.jobs.models import Job, JobItem
from tracker.jury.models import BlockDecision, Candidate, JuryMember, JurySession
from tracker.livret.models import RetainedLevel
from tracker.people.models import (
    Apprenticeship,
    ApprenticeshipPeriod,
    Cohort,
    CohortImportDraft,
    Semester,
)
from tracker.referentials.models import (
    Block,
    Certification,
    Competence,
    ImportDraft,
    Requirement,
    Track,
    track_blocks,
)
from tracker.situations.models import (
    SituationComment,
    SituationFile,
    WorkSituation,
    situation_competences,
)

__all__ = [
    "AccountToken",
    "AgreedLevel",
    "Apprenticeship",
    "ApprenticeshipPeriod",
    "AuditEvent",
    "Block",
    "BlockDecision",
    "Candidate",
    "Certification",
    "Cohort",
    "CohortImportDraft",
    "CompanyOpinion",
    "Competence",
    "ConditionProof",
    "DossierRecord",
    "EnglishCertificate",
    "FinalAssessment",
    "Grid",
    "ImportDraft",
    "Job",
    "JobItem",
    "JuryMember",
    "JurySession",
    "MobilityPeriod",
    "Rating",
    "Reopening",
    "Requirement",
    "RetainedLevel",
    "Review",
    "Semester",
    "Signature",
    "SituationComment",
    "SituationFile",
    "Track",
    "User",
    "UserRole",
    "WorkSituation",
    "situation_competences",
    "track_blocks",
]
