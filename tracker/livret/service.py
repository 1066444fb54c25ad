"""From the rows to the plain values of ``tracker.progress.rules``, and back to the table of
retained levels.

The rules never see a row: this module reads the locked reviews (and the submitted grids
of those semesters) in a fixed number of queries and hands plain values to them. The table
``retained_levels`` is rewritten for a contract whenever one of its semesters locks or is
reopened, so that cohort pages read one row per apprentice × competence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tracker.evaluations.models import (
    AgreedLevel,
    Grid,
    GridStatus,
    RaterRole,
    Rating,
    Review,
    ReviewStatus,
)
from tracker.livret.models import RetainedLevel
from tracker.people.models import Apprenticeship, Semester
from tracker.people.service import load_track_blocks
from tracker.progress.rules import (
    DIVERGENCE,
    BlockStatus,
    Level,
    Progression,
    Readiness,
    SignedSemester,
    Standing,
    TrajectoryGap,
    behind_now,
    block_status,
    divergence,
    progression,
    readiness,
    standings,
    trajectory,
)


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
        .where(Review.apprenticeship_id.in_(ids), Review.status == ReviewStatus.LOCKED.value)
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
        ).where(RetainedLevel.apprenticeship_id.in_(apprenticeship_ids))
    )
    for apprenticeship_id, competence_id, level, semester, best, best_semester in rows:
        result[apprenticeship_id][competence_id] = Standing(level, semester, best, best_semester)
    return result


# --- One contract's livret ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One competence in one signed semester: the agreed level and the three raters'
    levels (``None``: "non observé", or no submitted grid)."""

    agreed: Level
    raters: Mapping[RaterRole, Level]
    expected: int

    @property
    def gap(self) -> int | None:
        return divergence(self.raters.values())

    @property
    def diverges(self) -> bool:
        return (self.gap or 0) >= DIVERGENCE

    @property
    def behind(self) -> bool:
        return self.agreed is not None and self.agreed < self.expected


@dataclass(frozen=True)
class CompetenceLine:
    id: int
    code: str
    statement: str
    cells: Mapping[int, Cell]  # by semester number, signed semesters only
    standing: Standing | None
    situations: int  # linked work situations the viewer may read


@dataclass(frozen=True)
class BlockLine:
    id: int
    code: str
    title: str
    competences: list[CompetenceLine]
    status: BlockStatus

    def mean_agreed(self, number: int) -> float | None:
        return mean_level(
            line.cells[number].agreed for line in self.competences if number in line.cells
        )

    def mean_rater(self, number: int, role: RaterRole) -> float | None:
        return mean_level(
            line.cells[number].raters.get(role) for line in self.competences if number in line.cells
        )

    def label(self, competence_id: int) -> str:
        return next(c.code for c in self.competences if c.id == competence_id)


@dataclass(frozen=True)
class SemesterColumn:
    number: int
    expected: int
    signed: bool  # locked: its agreed levels count
    locked_at: datetime | None
    review_status: str | None  # None: no review yet


@dataclass(frozen=True)
class Livret:
    apprenticeship_id: int
    semesters: list[SemesterColumn]
    blocks: list[BlockLine]
    threshold: int
    progression: Progression
    # The latest signed semester, and the competences behind the level it expects.
    latest_signed: int | None
    behind: tuple[int, ...]
    gaps: list[TrajectoryGap]

    @property
    def signed_numbers(self) -> list[int]:
        return [s.number for s in self.semesters if s.signed]

    def readiness(self, requirements: Mapping[str, bool]) -> Readiness:
        return readiness({b.code: b.status for b in self.blocks}, requirements)

    def competence_code(self, competence_id: int) -> str:
        for block in self.blocks:
            for line in block.competences:
                if line.id == competence_id:
                    return line.code
        raise KeyError(competence_id)


def mean_level(levels: Iterable[Level]) -> float | None:
    """The mean of the levels given, ``None`` when there is none ("not rated" is not 0)."""
    given = [level for level in levels if level is not None]
    return sum(given) / len(given) if given else None


def load_livret(
    session: Session, apprenticeship: Apprenticeship, *, situations: Mapping[int, int]
) -> Livret:
    """Everything the livret shows of one contract, from its locked semesters, in a fixed
    number of queries: the reviews, the agreed levels, and the levels of the grids
    submitted for those semesters. Semesters not yet locked show no level: the grids of a
    semester in progress stay with their raters until its review (independence)."""
    cohort = apprenticeship.cohort
    blocks = load_track_blocks(session, cohort)
    by_id = {s.id: s for s in cohort.semesters}
    reviews = {
        by_id[semester_id].number: (status, locked_at)
        for semester_id, status, locked_at in session.execute(
            select(Review.semester_id, Review.status, Review.locked_at).where(
                Review.apprenticeship_id == apprenticeship.id
            )
        )
    }
    signed = signed_semesters(session, [apprenticeship.id])[apprenticeship.id]
    locked_ids = [s.id for s in cohort.semesters if reviews.get(s.number, ("",))[0] == "locked"]
    rater_levels: dict[tuple[int, int], dict[RaterRole, Level]] = defaultdict(dict)
    for semester_id, role, competence_id, level in session.execute(
        select(Grid.semester_id, Grid.rater_role, Rating.competence_id, Rating.level)
        .join(Rating, Rating.grid_id == Grid.id)
        .where(
            Grid.apprenticeship_id == apprenticeship.id,
            Grid.semester_id.in_(locked_ids),
            Grid.status == GridStatus.SUBMITTED.value,
        )
    ):
        rater_levels[by_id[semester_id].number, competence_id][RaterRole(role)] = level

    expected = {s.number: s.expected_level for s in cohort.semesters}
    standing = standings(signed)
    agreed = {(s.number, c): level for s in signed for c, level in s.agreed.items()}
    lines = []
    for block in blocks:
        competences = [
            CompetenceLine(
                id=c.id,
                code=c.code,
                statement=c.statement,
                cells={
                    s.number: Cell(
                        agreed.get((s.number, c.id)),
                        rater_levels.get((s.number, c.id), {}),
                        expected[s.number],
                    )
                    for s in signed
                },
                standing=standing.get(c.id),
                situations=situations.get(c.id, 0),
            )
            for c in block.competences
        ]
        status = block_status([c.id for c in competences], standing, cohort.threshold)
        lines.append(BlockLine(block.id, block.code, block.title, competences, status))

    competence_ids = [c.id for b in lines for c in b.competences]
    latest = signed[-1].number if signed else None
    return Livret(
        apprenticeship_id=apprenticeship.id,
        semesters=[
            SemesterColumn(
                s.number,
                s.expected_level,
                reviews.get(s.number, ("",))[0] == "locked",
                reviews.get(s.number, (None, None))[1],
                reviews.get(s.number, (None,))[0],
            )
            for s in cohort.semesters
        ],
        blocks=lines,
        threshold=cohort.threshold,
        progression=progression(competence_ids, standing, cohort.threshold),
        latest_signed=latest,
        behind=behind_now(competence_ids, standing, expected[latest]) if latest else (),
        gaps=trajectory(signed, expected),
    )
