"""Every model of the app, imported once so the metadata (and Alembic) sees all tables."""

from tracker.auth.models import User, UserRole
from tracker.referentials.models import (
    Block,
    Certification,
    Competence,
    ImportDraft,
    Requirement,
    Track,
    track_blocks,
)

__all__ = [
    "Block",
    "Certification",
    "Competence",
    "ImportDraft",
    "Requirement",
    "Track",
    "User",
    "UserRole",
    "track_blocks",
]
