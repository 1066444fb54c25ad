"""Grids and ratings: one grid per apprenticeship × semester × rater role, one rating per
competence of the cohort's track. A grid moves draft → submitted; ``version`` guards every
save (optimistic concurrency: a stale save is refused, never applied)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import Role, User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.people.models import Apprenticeship, Semester
from tracker.referentials.models import Competence


class RaterRole(StrEnum):
    """Who fills a grid: the apprentice (self-assessment) and the two tutors."""

    APPRENTICE = "apprentice"
    COMPANY_TUTOR = "company_tutor"
    ACADEMIC_TUTOR = "academic_tutor"

    @property
    def role(self) -> Role:
        return Role(self.value)


class GridStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Grid(Base):
    __tablename__ = "grids"
    __table_args__ = (
        UniqueConstraint("apprenticeship_id", "semester_id", "rater_role"),
        CheckConstraint(
            "rater_role IN ('apprentice', 'company_tutor', 'academic_tutor')", name="role_known"
        ),
        CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id", ondelete="RESTRICT"))
    rater_role: Mapped[str] = mapped_column(String(20))
    # The person who filled it (a tutor who left keeps their grids).
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10), default=GridStatus.DRAFT.value)
    general_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    apprenticeship: Mapped[Apprenticeship] = relationship()
    semester: Mapped[Semester] = relationship()
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="grid", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API

    @property
    def submitted(self) -> bool:
        return self.status == GridStatus.SUBMITTED

    def rating_for(self, competence_id: int) -> Rating | None:
        return next((r for r in self.ratings if r.competence_id == competence_id), None)


class Rating(Base):
    """A level of the cohort's scale, or "non observé" (``not_observed``), or nothing yet
    (both empty: a draft not finished). Never a 0: "not rated" is NULL."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("grid_id", "competence_id"),
        CheckConstraint("level IS NULL OR level >= 1", name="level_positive"),
        CheckConstraint("NOT (not_observed AND level IS NOT NULL)", name="level_or_not_observed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[int | None]
    not_observed: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")

    grid: Mapped[Grid] = relationship(back_populates="ratings")
    competence: Mapped[Competence] = relationship()

    @property
    def answered(self) -> bool:
        return self.not_observed or self.level is not None


class ReviewStatus(StrEnum):
    """The three-way review (bilan tripartite) of a semester.

    ``open``: the academic tutor records the agreed levels. ``signing``: the first signature
    froze the content; the others sign that same content. ``locked``: everyone signed;
    nothing of the semester changes until a programme manager reopens it.
    """

    OPEN = "open"
    SIGNING = "signing"
    LOCKED = "locked"


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("apprenticeship_id", "semester_id"),
        CheckConstraint("status IN ('open', 'signing', 'locked')", name="status_known"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.OPEN.value)
    comment: Mapped[str] = mapped_column(Text, default="")
    # 1 for the first signed version; each reopening starts the next one.
    revision: Mapped[int] = mapped_column(default=1)
    # Frozen at the first signature: the canonical JSON every signature of this revision
    # signs, and its SHA-256 (hex).
    signed_content: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    apprenticeship: Mapped[Apprenticeship] = relationship()
    semester: Mapped[Semester] = relationship()
    agreed: Mapped[list[AgreedLevel]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="review", lazy="selectin", order_by="Signature.id"
    )
    reopenings: Mapped[list[Reopening]] = relationship(
        back_populates="review", lazy="selectin", order_by="Reopening.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API

    @property
    def locked(self) -> bool:
        return self.status == ReviewStatus.LOCKED

    @property
    def frozen(self) -> bool:
        """Signed by someone in this revision: agreed levels and grids no longer change."""
        return self.status != ReviewStatus.OPEN

    def agreed_for(self, competence_id: int) -> AgreedLevel | None:
        return next((a for a in self.agreed if a.competence_id == competence_id), None)

    @property
    def current_signatures(self) -> dict[RaterRole, Signature]:
        return {RaterRole(s.role): s for s in self.signatures if s.revision == self.revision}


class AgreedLevel(Base):
    """The level the three parties agree on for one competence (or "non observé")."""

    __tablename__ = "agreed_levels"
    __table_args__ = (
        UniqueConstraint("review_id", "competence_id"),
        CheckConstraint("level IS NULL OR level >= 1", name="level_positive"),
        CheckConstraint("NOT (not_observed AND level IS NOT NULL)", name="level_or_not_observed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[int | None]
    not_observed: Mapped[bool] = mapped_column(default=False)

    review: Mapped[Review] = relationship(back_populates="agreed")
    competence: Mapped[Competence] = relationship()

    @property
    def answered(self) -> bool:
        return self.not_observed or self.level is not None


class Signature(Base):
    """Who signed (or, for the apprentice, acknowledged) which revision, when, and the
    SHA-256 of the content they signed. Never updated nor deleted (database triggers)."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("review_id", "revision", "role"),
        CheckConstraint(
            "role IN ('apprentice', 'company_tutor', 'academic_tutor')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="RESTRICT"))
    revision: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # The apprentice's optional remark when acknowledging.
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="signatures")
    signer: Mapped[User] = relationship()


class Reopening(Base):
    """A programme manager reopened a signed semester: the version that had been signed,
    its hash and the reason stay here. Never updated nor deleted (database triggers)."""

    __tablename__ = "review_reopenings"
    __table_args__ = (UniqueConstraint("review_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="RESTRICT"))
    # The revision that had been signed (the review moved on to revision + 1).
    revision: Mapped[int]
    signed_content: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    reopened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Grids sent back to draft with the reopening (rater roles).
    reopened_grids: Mapped[list[str]] = mapped_column(JSON, default=list)

    review: Mapped[Review] = relationship(back_populates="reopenings")
    reopened_by: Mapped[User] = relationship()
