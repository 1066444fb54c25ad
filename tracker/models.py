"""Every model of the app, imported once so the metadata (and Alembic) sees all tables."""

from tracker.auth.models import User, UserRole

__all__ = ["User", "UserRole"]
