"""The retained levels: what the locked semesters say of each competence of a contract.

Derived data, rewritten from the locked reviews whenever a semester locks or is reopened
(``tracker.livret.retained.refresh_retained``). Dashboards read it instead of scanning
every agreed level of a cohort: one row per apprenticeship × competence.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base


class RetainedLevel(Base):
    """``level``/``semester``: the agreed level of the latest locked semester that gave the
    competence a level (``progress.rules.retained_levels``). ``best``/``best_semester``: the
    highest agreed level of any locked semester (what the block rule reads)."""

    __tablename__ = "retained_levels"
    __table_args__ = (
        CheckConstraint("level >= 1 AND best >= level", name="levels_ordered"),
        CheckConstraint("semester BETWEEN 1 AND 6", name="semester_in_range"),
        CheckConstraint("best_semester BETWEEN 1 AND 6", name="best_semester_in_range"),
    )

    apprenticeship_id: Mapped[int] = mapped_column(
        ForeignKey("apprenticeships.id", ondelete="CASCADE"), primary_key=True
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competences.id", ondelete="RESTRICT"), primary_key=True
    )
    level: Mapped[int]
    semester: Mapped[int]
    best: Mapped[int]
    best_semester: Mapped[int]
