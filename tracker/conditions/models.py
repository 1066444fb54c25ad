"""Evidence of the conditions of award ("conditions de délivrance") of one apprenticeship.

Four kinds of record, one table each: English certificates, international mobility
periods, the final assessment (end-of-studies report and defence, one per contract) and
the company's opinions. Every record carries the same review state: ``submitted`` until
the academic tutor or the programme manager validates it, or refuses it with a reason
(``ReviewMixin``); the database refuses a state without its reviewer, date or reason.
``version`` guards every edit and every decision (optimistic concurrency: a stale save is
refused, never applied).

Proofs (English certificates, mobility periods) live on disk under generated names
(``tracker.situations.storage``, in the ``conditions`` folder); ``condition_proofs`` keeps
what was sniffed from the content, the size and the SHA-256. A proof belongs to exactly
one record and goes with it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import Base, TimestampMixin, UTCDateTime, utcnow
from tracker.people.models import Apprenticeship
from tracker.progress.conditions import mobility_weeks
from tracker.referentials.records import CECRL_LEVELS


class EvidenceKind(StrEnum):
    """The kinds of evidence record (not the requirement kinds: one final assessment
    answers the report, defence and final-project requirements)."""

    ENGLISH = "english"
    MOBILITY = "mobility"
    FINAL_ASSESSMENT = "final_assessment"
    COMPANY_OPINION = "company_opinion"


class ReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    REFUSED = "refused"


class DefenceResult(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class Opinion(StrEnum):
    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"


def _in(values: Any) -> str:
    return ", ".join(f"'{value}'" for value in values)


class ConditionProof(Base):
    """The proof attached to a record. ``stored_name`` is random and is the only name the
    file has on disk; ``original_name`` is the sanitised name shown and offered on download."""

    __tablename__ = "condition_proofs"
    __table_args__ = (
        UniqueConstraint("stored_name"),
        CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')", name="media_type_known"
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewMixin(TimestampMixin):
    """The contract, the review state and the version every evidence record shares."""

    kind: ClassVar[EvidenceKind]

    # Listed first in the tables, before the columns of each kind.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="RESTRICT"), index=True, sort_order=-1
    )
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.SUBMITTED.value)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr
    def apprenticeship(cls) -> Mapped[Apprenticeship]:
        return relationship(Apprenticeship)

    @declared_attr
    def reviewed_by(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=f"{cls.__name__}.reviewed_by_id")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @property
    def validated(self) -> bool:
        return self.status == ReviewStatus.VALIDATED

    @property
    def refused(self) -> bool:
        return self.status == ReviewStatus.REFUSED


def review_constraints() -> tuple[CheckConstraint, ...]:
    """The review state's invariants (new objects for each table)."""
    return (
        CheckConstraint(f"status IN ({_in(ReviewStatus)})", name="status_known"),
        CheckConstraint(
            "(status = 'submitted' AND reviewed_by_id IS NULL AND reviewed_at IS NULL) OR "
            "(status <> 'submitted' AND reviewed_by_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name="review_complete",
        ),
        CheckConstraint(
            "(status = 'refused') = (refusal_reason <> '')", name="reason_when_refused"
        ),
    )


class ProofMixin:
    proof_id: Mapped[int | None] = mapped_column(
        ForeignKey("condition_proofs.id", ondelete="RESTRICT"), unique=True
    )

    @declared_attr
    def proof(cls) -> Mapped[ConditionProof | None]:
        return relationship(ConditionProof, cascade="all, delete-orphan", single_parent=True)


class EnglishCertificate(ProofMixin, ReviewMixin, Base):
    """A certified English test: which test, the score as printed, the CECRL level it
    attests and the day it was taken."""

    __tablename__ = "english_certificates"
    __table_args__ = (
        *review_constraints(),
        CheckConstraint(f"level IN ({_in(CECRL_LEVELS)})", name="level_known"),
    )
    kind = EvidenceKind.ENGLISH

    test_name: Mapped[str] = mapped_column(String(80))
    score: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[str] = mapped_column(String(2))
    taken_on: Mapped[date]


class MobilityPeriod(ProofMixin, ReviewMixin, Base):
    """A stay abroad: country, host organisation and dates (both days included); its
    length in weeks is computed (``tracker.progress.conditions.mobility_weeks``)."""

    __tablename__ = "mobility_periods"
    __table_args__ = (
        *review_constraints(),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )
    kind = EvidenceKind.MOBILITY

    country: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    @property
    def weeks(self) -> int:
        return mobility_weeks(self.starts_on, self.ends_on)


class FinalAssessment(ReviewMixin, Base):
    """The end-of-studies report and its oral defence: one per contract."""

    __tablename__ = "final_assessments"
    __table_args__ = (
        *review_constraints(),
        UniqueConstraint("apprenticeship_id"),
        CheckConstraint(f"result IN ({_in(DefenceResult)})", name="result_known"),
        CheckConstraint(
            "result = 'pending' OR defence_on IS NOT NULL", name="result_after_defence"
        ),
    )
    kind = EvidenceKind.FINAL_ASSESSMENT

    report_submitted_on: Mapped[date | None]
    defence_on: Mapped[date | None]
    result: Mapped[str] = mapped_column(String(10), default=DefenceResult.PENDING.value)
    comment: Mapped[str] = mapped_column(Text, default="")


class CompanyOpinion(ReviewMixin, Base):
    """The company's opinion ("avis de l'entreprise"), given by the company tutor of the
    time (``author``) for the company named then."""

    __tablename__ = "company_opinions"
    __table_args__ = (
        *review_constraints(),
        CheckConstraint(f"opinion IN ({_in(Opinion)})", name="opinion_known"),
    )
    kind = EvidenceKind.COMPANY_OPINION

    opinion: Mapped[str] = mapped_column(String(15))
    given_on: Mapped[date]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    company_name: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def favourable(self) -> bool:
        return self.opinion == Opinion.FAVOURABLE


MODELS: dict[EvidenceKind, type[ReviewMixin]] = {
    EvidenceKind.ENGLISH: EnglishCertificate,
    EvidenceKind.MOBILITY: MobilityPeriod,
    EvidenceKind.FINAL_ASSESSMENT: FinalAssessment,
    EvidenceKind.COMPANY_OPINION: CompanyOpinion,
}
