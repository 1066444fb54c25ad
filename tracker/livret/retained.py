"""The table of retained levels, and the locked semesters it is computed from.

``retained_levels`` is rewritten for a contract whenever one of its semesters locks or is
reopened (``refresh_retained``, called by the evaluations service), so that cohort pages
read one row per apprentice × competence instead of every agreed level of the cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from tracker.db import in_ids
from tracker.evaluations.models import AgreedLevel, Review, ReviewStatus
from tracker.livret.models import RetainedLevel
from tracker.people.models import Semester
from tracker.progress.rules import SignedSemester, Standing, standings
from tracker.referentials.models import Competence


def signed_semesters(
    session: Session, apprenticeship_ids: Iterable[int]
) -> dict[int, list[SignedSemester]]:
    """The locked semesters of each contract with their agreed levels (one query).

    Only locked reviews count: a semester reopened and not yet signed again gives nothing,
    and once signed again it gives its new agreed levels."""
    ids = list(apprenticeship_ids)
    rows = session.execute(
        select(
            Review.apprenticeship_id, Semester.number, AgreedLevel.competence_id, AgreedLevel.level
        )
        .join(Semester, Semester.id == Review.semester_id)
        .join(AgreedLevel, AgreedLevel.review_id == Review.id)
        .where(in_ids(Review.apprenticeship_id, ids), Review.status == ReviewStatus.LOCKED.value)
    )
    agreed: dict[int, dict[int, dict[int, int | None]]] = {i: defaultdict(dict) for i in ids}
    for apprenticeship_id, number, competence_id, level in rows:
        agreed[apprenticeship_id][number][competence_id] = level
    return {
        i: [SignedSemester(number, levels) for number, levels in sorted(by_semester.items())]
        for i, by_semester in agreed.items()
    }


def write_retained(session: Session, apprenticeship_id: int, standing: dict[int, Standing]) -> None:
    """Replace the retained levels of one contract with ``standing``."""
    session.execute(
        delete(RetainedLevel).where(RetainedLevel.apprenticeship_id == apprenticeship_id)
    )
    if standing:
        session.execute(
            insert(RetainedLevel),
            [
                {
                    "apprenticeship_id": apprenticeship_id,
                    "competence_id": competence_id,
                    "level": s.level,
                    "semester": s.semester,
                    "best": s.best,
                    "best_semester": s.best_semester,
                }
                for competence_id, s in standing.items()
            ],
        )


def refresh_retained(session: Session, apprenticeship_id: int) -> None:
    """Recompute the retained levels of a contract from its locked semesters (called when a
    semester locks or is reopened)."""
    signed = signed_semesters(session, [apprenticeship_id])[apprenticeship_id]
    write_retained(session, apprenticeship_id, standings(signed))


def retained_standings(
    session: Session, apprenticeship_ids: Sequence[int]
) -> dict[int, dict[int, Standing]]:
    """The stored standings of many contracts, in one query."""
    result: dict[int, dict[int, Standing]] = {i: {} for i in apprenticeship_ids}
    rows = session.execute(
        select(
            RetainedLevel.apprenticeship_id,
            RetainedLevel.competence_id,
            RetainedLevel.level,
            RetainedLevel.semester,
            RetainedLevel.best,
            RetainedLevel.best_semester,
        ).where(in_ids(RetainedLevel.apprenticeship_id, apprenticeship_ids))
    )
    for apprenticeship_id, competence_id, level, semester, best, best_semester in rows:
        result[apprenticeship_id][competence_id] = Standing(level, semester, best, best_semester)
    return result


@dataclass(frozen=True)
class BlockCounts:
    """One contract's block, counted by the database from its retained levels."""

    rated: int  # competences with a retained level
    below_threshold: int  # of those, never at the proficiency threshold in a signed semester
    # Per expected level: competences whose retained level is below it (behind_now's count).
    below: Mapping[int, int]


def block_counts(
    session: Session, apprenticeship_ids: Sequence[int], threshold: int, expected: Iterable[int]
) -> dict[int, dict[int, BlockCounts]]:
    """Per contract and block, the counts the block rule (``rules.block_state``) and the
    trajectory (``rules.behind_now``) need, in one grouped query: a dashboard of hundreds
    of apprentices reads a few thousand rows instead of one per competence."""
    levels = sorted(set(expected))
    rows = session.execute(
        select(
            RetainedLevel.apprenticeship_id,
            Competence.block_id,
            func.count(),
            func.sum(case((RetainedLevel.best < threshold, 1), else_=0)),
            *(func.sum(case((RetainedLevel.level < level, 1), else_=0)) for level in levels),
        )
        .join(Competence, Competence.id == RetainedLevel.competence_id)
        .where(in_ids(RetainedLevel.apprenticeship_id, apprenticeship_ids))
        .group_by(RetainedLevel.apprenticeship_id, Competence.block_id)
    )
    result: dict[int, dict[int, BlockCounts]] = {i: {} for i in apprenticeship_ids}
    for apprenticeship_id, block_id, rated, below_threshold, *below in rows:
        result[apprenticeship_id][block_id] = BlockCounts(
            rated, below_threshold, dict(zip(levels, below, strict=True))
        )
    return result
