"""The rules of progression, as pure functions over plain values.

No Flask, no database: the pages, the dossiers and the benchmark feed them plain data
read elsewhere. "Not rated" is ``None``, never 0. Each rule is written in its docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# A level given to a competence: a level of the scale, or None (not rated / not observed).
Level = int | None


@dataclass(frozen=True)
class SignedSemester:
    """A semester whose review is locked: its number and the agreed level per competence
    (``None`` where the parties agreed on "non observé")."""

    number: int
    agreed: Mapping[int, Level]


class Standing(NamedTuple):
    """Where a competence stands after the signed semesters (a named tuple: dashboards
    build tens of thousands of them).

    ``level`` is the retained level: the agreed level of the latest signed semester that
    gave it a level (``semester``). ``best`` is the highest agreed level of any signed
    semester (``best_semester``, the first that reached it): a competence once acquired
    stays acquired."""

    level: int
    semester: int
    best: int
    best_semester: int


def standings(signed: Iterable[SignedSemester]) -> dict[int, Standing]:
    """The retained and best level of each competence over the signed semesters. A "non
    observé" in a later semester does not erase an earlier level; a competence never given
    a level is absent (not rated)."""
    result: dict[int, Standing] = {}
    for semester in sorted(signed, key=lambda s: s.number):
        for competence_id, level in semester.agreed.items():
            if level is None:
                continue
            previous = result.get(competence_id)
            if previous is None or level > previous.best:
                best, best_semester = level, semester.number
            else:
                best, best_semester = previous.best, previous.best_semester
            result[competence_id] = Standing(level, semester.number, best, best_semester)
    return result


class BlockState(StrEnum):
    ACQUIRED = "acquired"
    IN_PROGRESS = "in_progress"
    NOT_RATED = "not_rated"


@dataclass(frozen=True)
class BlockStatus:
    state: BlockState
    # Competences not yet at the threshold in any signed semester (ids), and those never
    # rated at all: the "why" shown next to the status.
    below: tuple[int, ...] = ()
    unrated: tuple[int, ...] = ()


def block_status(
    competence_ids: Sequence[int], standing: Mapping[int, Standing], threshold: int
) -> BlockStatus:
    """Default block rule: a block is acquired when every competence of it has an agreed
    level at or above the proficiency threshold in a signed semester (any of them: a
    competence once acquired stays acquired). With no level at all it is "not rated",
    otherwise "in progress", listing what is missing."""
    unrated = tuple(c for c in competence_ids if c not in standing)
    below = tuple(c for c in competence_ids if c in standing and standing[c].best < threshold)
    state = block_state(len(competence_ids), len(competence_ids) - len(unrated), len(below))
    if state is BlockState.ACQUIRED:
        return BlockStatus(state)
    return BlockStatus(state, below=below, unrated=unrated)


def block_state(total: int, rated: int, below: int) -> BlockState:
    """The block rule on counts (what a dashboard of hundreds reads from the database): of
    ``total`` competences, ``rated`` have a level and ``below`` of those never reached the
    threshold. Acquired when all are rated and none is below; not rated when none is."""
    if rated == 0:
        return BlockState.NOT_RATED
    if below or rated < total:
        return BlockState.IN_PROGRESS
    return BlockState.ACQUIRED


@dataclass(frozen=True)
class TrajectoryGap:
    semester: int
    expected: int
    # Competences whose agreed level is below the expected level of the semester.
    behind: tuple[int, ...]
    rated: int  # competences with an agreed level that semester

    @property
    def on_track(self) -> bool:
        return not self.behind


def trajectory(
    signed: Iterable[SignedSemester], expected: Mapping[int, int]
) -> list[TrajectoryGap]:
    """Per signed semester, the competences whose agreed level is below the level the
    cohort expects at the end of that semester. "Non observé" is neither behind nor
    ahead: it is left out."""
    gaps = []
    for semester in sorted(signed, key=lambda s: s.number):
        wanted = expected[semester.number]
        levels = {c: level for c, level in semester.agreed.items() if level is not None}
        behind = tuple(sorted(c for c, level in levels.items() if level < wanted))
        gaps.append(TrajectoryGap(semester.number, wanted, behind, len(levels)))
    return gaps


DIVERGENCE = 2


def divergence(levels: Iterable[Level]) -> int | None:
    """The largest gap between the raters' levels of one competence (``None`` with fewer
    than two levels). From ``DIVERGENCE`` (2) levels on, it is flagged."""
    given = [level for level in levels if level is not None]
    return max(given) - min(given) if len(given) >= 2 else None


@dataclass(frozen=True)
class Progression:
    acquired: int  # competences that reached the threshold in a signed semester
    total: int

    @property
    def share(self) -> float | None:
        return self.acquired / self.total if self.total else None


def progression(
    competence_ids: Sequence[int], standing: Mapping[int, Standing], threshold: int
) -> Progression:
    """The overall progression: how many competences of the track reached the proficiency
    threshold in a signed semester, out of all of them (the block rule's measure)."""
    acquired = sum(1 for c in competence_ids if c in standing and standing[c].best >= threshold)
    return Progression(acquired, len(competence_ids))


def behind_now(
    competence_ids: Sequence[int], standing: Mapping[int, Standing], expected: int
) -> tuple[int, ...]:
    """Behind the expected trajectory today: the competences whose retained level is
    below the level expected at the latest signed semester (``expected``). A competence
    not rated yet is not counted behind: "not rated" is not a level."""
    return tuple(c for c in competence_ids if c in standing and standing[c].level < expected)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    blocks_missing: tuple[str, ...] = ()  # codes of required blocks not acquired
    requirements_missing: tuple[str, ...] = ()  # labels of requirements not met


def readiness(blocks: Mapping[str, BlockStatus], requirements: Mapping[str, bool]) -> Readiness:
    """Ready for the jury when every required block of the track is acquired and every
    requirement of the certification (English, mobility, report, ...) is met."""
    blocks_missing = tuple(code for code, s in blocks.items() if s.state != BlockState.ACQUIRED)
    requirements_missing = tuple(label for label, met in requirements.items() if not met)
    return Readiness(
        ready=not blocks_missing and not requirements_missing,
        blocks_missing=blocks_missing,
        requirements_missing=requirements_missing,
    )
