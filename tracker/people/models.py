"""Cohorts (promotions), their semesters, apprenticeships and the periods of each contract.

A cohort follows one certification version and one of its tracks, on a rating scale and an
expected trajectory of its own. An apprenticeship is split into periods: a change of
company or tutor closes the current period and opens the next, so every semester stays
attributed to the people who were tutors at the time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import Base, TimestampMixin, UTCDateTime, utcnow
from tracker.referentials.models import Certification, Track

SEMESTER_COUNT = 6


class Cohort(TimestampMixin, Base):
    """A promotion. ``scale_labels[n - 1]`` names level ``n``; ``threshold`` is the lowest
    level counted as proficient ("acquis")."""

    __tablename__ = "cohorts"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("start_year BETWEEN 2000 AND 2100", name="start_year_plausible"),
        CheckConstraint("threshold >= 1", name="threshold_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="RESTRICT"), index=True
    )
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"))
    start_year: Mapped[int]
    scale_labels: Mapped[list[str]] = mapped_column(JSON)
    not_observed_label: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[int]

    certification: Mapped[Certification] = relationship(lazy="joined")
    track: Mapped[Track] = relationship(lazy="joined")
    semesters: Mapped[list[Semester]] = relationship(
        back_populates="cohort",
        order_by="Semester.number",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    apprenticeships: Mapped[list[Apprenticeship]] = relationship(back_populates="cohort")

    @property
    def levels(self) -> list[tuple[int, str]]:
        return list(enumerate(self.scale_labels, start=1))

    def level_label(self, level: int | None) -> str:
        if level is None or not 1 <= level <= len(self.scale_labels):
            return self.not_observed_label
        return self.scale_labels[level - 1]

    def semester(self, number: int) -> Semester | None:
        return next((s for s in self.semesters if s.number == number), None)

    def current_semester(self, today: date) -> Semester | None:
        """The semester running on ``today`` (None before S1 starts and after S6 ends)."""
        return next((s for s in self.semesters if s.starts_on <= today <= s.ends_on), None)


class Semester(Base):
    """One of the six semesters of a cohort: its dates, its evaluation window and the
    minimum level expected of every competence at its end (the expected trajectory)."""

    __tablename__ = "semesters"
    __table_args__ = (
        UniqueConstraint("cohort_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 6", name="number_in_range"),
        CheckConstraint("ends_on > starts_on", name="dates_ordered"),
        CheckConstraint("window_closes_on >= window_opens_on", name="window_ordered"),
        CheckConstraint("expected_level >= 1", name="expected_level_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    number: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    window_opens_on: Mapped[date]
    window_closes_on: Mapped[date]
    expected_level: Mapped[int]

    cohort: Mapped[Cohort] = relationship(back_populates="semesters")

    @property
    def label(self) -> str:
        return f"S{self.number}"

    def window_open(self, today: date) -> bool:
        return self.window_opens_on <= today <= self.window_closes_on


class Apprenticeship(TimestampMixin, Base):
    """An apprentice's contract within a cohort; companies and tutors live in its periods."""

    __tablename__ = "apprenticeships"
    __table_args__ = (
        UniqueConstraint("cohort_id", "apprentice_id"),
        CheckConstraint("ends_on > starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    apprentice: Mapped[User] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship(back_populates="apprenticeships")
    periods: Mapped[list[ApprenticeshipPeriod]] = relationship(
        back_populates="apprenticeship",
        order_by="ApprenticeshipPeriod.starts_on",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def current_period(self) -> ApprenticeshipPeriod:
        """The open period (the last one: periods are contiguous and never overlap)."""
        return self.periods[-1]

    def period_on(self, day: date) -> ApprenticeshipPeriod:
        """The period covering ``day``; before the first one, the first; after, the last."""
        for period in self.periods:
            if period.ends_on is None or day <= period.ends_on:
                return period
        return self.periods[-1]

    def covers(self, semester: Semester) -> bool:
        """The contract runs during (part of) the semester."""
        return semester.starts_on <= self.ends_on and semester.ends_on >= self.starts_on

    def period_of(self, semester: Semester) -> ApprenticeshipPeriod:
        """The period a semester is attributed to: the one running when the semester (or
        the contract, if it ends first) ends, since its tutors are the ones who rate it."""
        return self.period_on(min(semester.ends_on, self.ends_on))


class ApprenticeshipPeriod(Base):
    """A stretch of an apprenticeship with one company and one pair of tutors.

    ``ends_on`` is None for the current period; a change closes it the day before the
    new period starts.
    """

    __tablename__ = "apprenticeship_periods"
    __table_args__ = (
        UniqueConstraint("apprenticeship_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    company_name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14))
    company_tutor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    academic_tutor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    apprenticeship: Mapped[Apprenticeship] = relationship(back_populates="periods")
    company_tutor: Mapped[User] = relationship(foreign_keys=[company_tutor_id], lazy="joined")
    academic_tutor: Mapped[User] = relationship(foreign_keys=[academic_tutor_id], lazy="joined")

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class CohortImportDraft(Base):
    """A checked cohort CSV waiting for the programme manager's confirmation.

    Kept in the database so the preview and the save may be served by different workers;
    deleted once saved or abandoned.
    """

    __tablename__ = "cohort_import_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    source_name: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
