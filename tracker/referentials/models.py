"""Certifications (fiches RNCP), their blocks, competences, tracks and conditions of award.

A saved certification version is never edited in place: ratings point at its competences,
so a changed fiche is imported as a new version and the old one stays readable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, UTCDateTime, utcnow
from tracker.i18n import _l
from tracker.referentials.records import RequirementKind

REQUIREMENT_KINDS_SQL = ", ".join(f"'{kind.value}'" for kind in RequirementKind)


class Certification(Base):
    """One version of a fiche RNCP (``code`` + ``version`` is unique)."""

    __tablename__ = "certifications"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(10))
    certifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    registration_end: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(100), default="")
    jury_composition: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # rncp | case | moodle
    source_name: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    blocks: Mapped[list[Block]] = relationship(
        back_populates="certification",
        order_by="Block.position",
        cascade="all, delete-orphan",
    )
    tracks: Mapped[list[Track]] = relationship(
        back_populates="certification",
        order_by="Track.position",
        cascade="all, delete-orphan",
    )
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="certification",
        order_by="Requirement.position",
        cascade="all, delete-orphan",
    )

    @property
    def competence_count(self) -> int:
        return sum(len(block.competences) for block in self.blocks)


class Block(Base):
    """A bloc de compétences; ``raw_competences`` keeps the imported text as it was."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("certification_id", "code"),
        UniqueConstraint("certification_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    assessment_methods: Mapped[str] = mapped_column(Text, default="")
    raw_competences: Mapped[str] = mapped_column(Text, default="")

    certification: Mapped[Certification] = relationship(back_populates="blocks")
    competences: Mapped[list[Competence]] = relationship(
        back_populates="block", order_by="Competence.position", cascade="all, delete-orphan"
    )


class Competence(Base):
    """A rated competence; ``sub_skills`` are shown with it but not rated separately."""

    __tablename__ = "competences"
    __table_args__ = (
        UniqueConstraint("block_id", "code"),
        UniqueConstraint("block_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    statement: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    sub_skills: Mapped[list[str]] = mapped_column(JSON, default=list)

    block: Mapped[Block] = relationship(back_populates="competences")


track_blocks = Table(
    "track_blocks",
    Base.metadata,
    Column("track_id", ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
    Column("block_id", ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True),
)


class Track(Base):
    """A parcours: the subset of blocks a cohort is rated on."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("certification_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]

    certification: Mapped[Certification] = relationship(back_populates="tracks")
    blocks: Mapped[list[Block]] = relationship(secondary=track_blocks, order_by=Block.position)


class Requirement(Base):
    """A condition of award besides the blocks (English level, mobility weeks, ...)."""

    __tablename__ = "requirements"
    __table_args__ = (CheckConstraint(f"kind IN ({REQUIREMENT_KINDS_SQL})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    rule: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]

    certification: Mapped[Certification] = relationship(back_populates="requirements")

    @property
    def kind_label(self) -> str:
        """What kind of condition it is, in a word or two ("Anglais", "Soutenance")."""
        return str(REQUIREMENT_KIND_LABELS.get(self.kind, self.kind))


REQUIREMENT_KIND_LABELS = {
    RequirementKind.ENGLISH: _l("Anglais"),
    RequirementKind.MOBILITY: _l("Mobilité internationale"),
    RequirementKind.REPORT: _l("Rapport"),
    RequirementKind.DEFENCE: _l("Soutenance"),
    RequirementKind.FINAL_PROJECT: _l("Projet de fin d'études"),
    RequirementKind.COMPANY_OPINION: _l("Avis de l'entreprise"),
}


class ImportDraft(Base):
    """A parsed file waiting for the programme manager's review before it is saved.

    Kept in the database (not in a worker's memory or disk) so the review works behind
    several web workers; deleted once saved or abandoned.
    """

    __tablename__ = "referential_import_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
