"""Grids and ratings: one grid per apprenticeship × semester × rater role, one rating per
competence of the cohort's track. A grid moves draft → submitted; ``version`` guards every
save (optimistic concurrency: a stale save is refused, never applied)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import Role
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
