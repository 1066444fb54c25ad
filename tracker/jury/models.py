"""Jury sessions: the jury that awards a certification, its members, its candidates and
their decisions, block by block and overall.

A session is held for one certification (any cohort of a version with the same code
sends candidates to it) on a date and at a place. Its members are accounts with the jury
role, so that they sign in and read the dossiers of the session's candidates; each is a
professional or an academic, for a CQPM an employer's or an employee's representative, and
one of them presides (a partial unique index keeps it to one). Per candidate the jury
records a decision per block of the candidate's track and an overall decision.

Closing the session (its president or the programme manager) makes everything final: the
service refuses any change, and so does the database (triggers of the migration).
``version`` guards the session's edits and each candidate's decisions (optimistic
concurrency: a stale save is refused, never applied).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import Base, TimestampMixin, UTCDateTime
from tracker.i18n import _l
from tracker.people.models import Apprenticeship
from tracker.referentials.models import Block, Certification


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MemberKind(StrEnum):
    PROFESSIONAL = "professional"
    ACADEMIC = "academic"


class Representation(StrEnum):
    """The college a CQPM jury member sits for (a joint, "paritaire", jury)."""

    EMPLOYER = "employer"
    EMPLOYEE = "employee"


class BlockOutcome(StrEnum):
    ACQUIRED = "acquired"
    NOT_ACQUIRED = "not_acquired"
    DEFERRED = "deferred"


class Outcome(StrEnum):
    """The overall decision on a candidate."""

    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    DEFERRED = "deferred"


# How each value reads in the pages and on the procès-verbal.
STATUS_LABELS = {
    SessionStatus.OPEN: _l("ouverte"),
    SessionStatus.CLOSED: _l("close"),
}
KIND_LABELS = {
    MemberKind.PROFESSIONAL: _l("Professionnel"),
    MemberKind.ACADEMIC: _l("Académique"),
}
REPRESENTATION_LABELS = {
    Representation.EMPLOYER: _l("Représentant des employeurs"),
    Representation.EMPLOYEE: _l("Représentant des salariés"),
}
BLOCK_OUTCOME_LABELS = {
    BlockOutcome.ACQUIRED: _l("Acquis"),
    BlockOutcome.NOT_ACQUIRED: _l("Non acquis"),
    BlockOutcome.DEFERRED: _l("Ajourné"),
}
OUTCOME_LABELS = {
    Outcome.AWARDED: _l("Certification délivrée"),
    Outcome.NOT_AWARDED: _l("Certification non délivrée"),
    Outcome.DEFERRED: _l("Ajourné"),
}


def _in(values: type[StrEnum]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class JurySession(TimestampMixin, Base):
    __tablename__ = "jury_sessions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(SessionStatus)})", name="status_known"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND closed_by_id IS NULL) OR "
            "(status = 'closed' AND closed_at IS NOT NULL AND closed_by_id IS NOT NULL)",
            name="closed_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="RESTRICT"), index=True
    )
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.OPEN.value)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    certification: Mapped[Certification] = relationship(lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    members: Mapped[list[JuryMember]] = relationship(
        back_populates="jury_session", cascade="all, delete-orphan", order_by="JuryMember.id"
    )
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="jury_session", cascade="all, delete-orphan", order_by="Candidate.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API

    @property
    def closed(self) -> bool:
        return self.status == SessionStatus.CLOSED


class JuryMember(Base):
    """A member of one session. ``represents_head`` marks the president who sits as the
    head of the certifying school or their representative (the director of the EICnam for
    the Cnam, the director general for Arts et Métiers); ``capacity`` is the member's
    position as printed on the procès-verbal ("Responsable bureau d'études, Safran")."""

    __tablename__ = "jury_members"
    __table_args__ = (
        UniqueConstraint("jury_session_id", "user_id"),
        CheckConstraint(f"kind IN ({_in(MemberKind)})", name="kind_known"),
        CheckConstraint(
            f"representation IS NULL OR representation IN ({_in(Representation)})",
            name="representation_known",
        ),
        # Only the president sits as the head of the school (or their representative).
        CheckConstraint("is_president OR NOT represents_head", name="head_presides"),
        Index(
            "uq_jury_members_one_president",
            "jury_session_id",
            unique=True,
            sqlite_where=text("is_president"),
            postgresql_where=text("is_president"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    representation: Mapped[str | None] = mapped_column(String(10))
    capacity: Mapped[str] = mapped_column(String(200), default="")
    is_president: Mapped[bool] = mapped_column(default=False)
    represents_head: Mapped[bool] = mapped_column(default=False)

    jury_session: Mapped[JurySession] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class Candidate(TimestampMixin, Base):
    """An apprenticeship presented to one session, with the jury's overall decision
    (``None`` until it is taken) and its comment."""

    __tablename__ = "jury_candidates"
    __table_args__ = (
        UniqueConstraint("jury_session_id", "apprenticeship_id"),
        CheckConstraint(f"decision IS NULL OR decision IN ({_in(Outcome)})", name="decision_known"),
        CheckConstraint(
            "(decision IS NULL AND decided_by_id IS NULL AND decided_at IS NULL) OR "
            "(decision IS NOT NULL AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decision_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_session_id: Mapped[int] = mapped_column(ForeignKey("jury_sessions.id", ondelete="CASCADE"))
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    decision: Mapped[str | None] = mapped_column(String(15))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    jury_session: Mapped[JurySession] = relationship(back_populates="candidates")
    apprenticeship: Mapped[Apprenticeship] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    block_decisions: Mapped[list[BlockDecision]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="BlockDecision.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class BlockDecision(Base):
    """The jury's decision on one block of a candidate's track."""

    __tablename__ = "jury_block_decisions"
    __table_args__ = (
        UniqueConstraint("candidate_id", "block_id"),
        CheckConstraint(f"decision IN ({_in(BlockOutcome)})", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("jury_candidates.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="RESTRICT"))
    decision: Mapped[str] = mapped_column(String(15))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    candidate: Mapped[Candidate] = relationship(back_populates="block_decisions")
    block: Mapped[Block] = relationship()
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
