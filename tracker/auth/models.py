"""Accounts and the roles they hold."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, TimestampMixin, UTCDateTime, utcnow
from tracker.i18n import _l


class Role(StrEnum):
    APPRENTICE = "apprentice"
    COMPANY_TUTOR = "company_tutor"
    ACADEMIC_TUTOR = "academic_tutor"
    MANAGER = "manager"
    JURY = "jury"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.APPRENTICE: _l("Apprenti·e"),
    Role.COMPANY_TUTOR: _l("Maître d'apprentissage"),
    Role.ACADEMIC_TUTOR: _l("Tuteur académique"),
    Role.MANAGER: _l("Responsable de formation"),
    Role.JURY: _l("Membre du jury"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(TimestampMixin, Base):
    """A person who signs in. The session cookie carries ``session_token``, not the id:
    rotating the token (logout, password change) revokes every session at once."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    # Second factor (RFC 6238 TOTP): the base32 secret once enrolled, and the last time
    # step accepted, so a code cannot be replayed within its 30-second window.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # Set when the person's data were anonymised (RGPD): the row stays so that what they
    # rated keeps its author, but it names nobody and cannot sign in.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def invited(self) -> bool:
        """Created by someone else and not joined yet (no password chosen)."""
        return self.password_hash is None and self.anonymised_at is None

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN ('apprentice', 'company_tutor', 'academic_tutor', 'manager', 'jury')",
            name="role_known",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class TokenPurpose(StrEnum):
    RESET = "reset"  # forgotten password
    INVITATION = "invitation"  # first visit of an account created by a programme manager


class AccountToken(Base):
    """A single-use link sent by e-mail. Only the SHA-256 of the token is stored, so the
    table leaks nothing usable; ``used_at`` makes each link work once."""

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('reset', 'invitation')", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
