"""Work situations, their files and the tutors' comments.

A situation belongs to an apprenticeship and links competences of the cohort's track (the
service checks the track; the table only knows competences). ``version`` guards every edit
(optimistic concurrency: a stale save is refused, never applied). Files live on disk under
generated names (``tracker.situations.storage``); the row keeps what was sniffed from the
content, the size and the SHA-256. Comments are never edited in place.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import Base, TimestampMixin, UTCDateTime, utcnow
from tracker.people.models import Apprenticeship
from tracker.referentials.models import Competence

MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")

situation_competences = Table(
    "work_situation_competences",
    Base.metadata,
    Column(
        "situation_id",
        ForeignKey("work_situations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "competence_id",
        ForeignKey("competences.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class WorkSituation(TimestampMixin, Base):
    __tablename__ = "work_situations"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    company_context: Mapped[str] = mapped_column(Text, default="")
    what_was_done: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    apprenticeship: Mapped[Apprenticeship] = relationship()
    competences: Mapped[list[Competence]] = relationship(
        secondary=situation_competences, order_by=Competence.id
    )
    files: Mapped[list[SituationFile]] = relationship(
        back_populates="situation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SituationFile.id",
    )
    comments: Mapped[list[SituationComment]] = relationship(
        back_populates="situation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SituationComment.id",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class SituationFile(Base):
    """A proof attached to a situation. ``stored_name`` is random and is the only name the
    file has on disk; ``original_name`` is the sanitised name shown and offered on download."""

    __tablename__ = "work_situation_files"
    __table_args__ = (
        UniqueConstraint("stored_name"),
        CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')", name="media_type_known"
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    situation_id: Mapped[int] = mapped_column(
        ForeignKey("work_situations.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    situation: Mapped[WorkSituation] = relationship(back_populates="files")


class SituationComment(Base):
    __tablename__ = "work_situation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    situation_id: Mapped[int] = mapped_column(
        ForeignKey("work_situations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    situation: Mapped[WorkSituation] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
