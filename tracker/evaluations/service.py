"""Filling and submitting grids.

A grid is filled only while its semester's evaluation window is open (the programme
manager extends a window from the cohort's calendar). Every save carries the version the
form was loaded with: a stale save is refused with ``StaleGrid``, never applied over a newer
one. Every change is written to the audit log with its before and after values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.evaluations.models import Grid, GridStatus, RaterRole, Rating, Review
from tracker.i18n import _
from tracker.people.models import Apprenticeship, Cohort, Semester
from tracker.referentials.models import Block, Competence


class StaleGrid(DomainError):
    """Someone saved the grid after this form was loaded: nothing of this save is applied."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(_("Quelqu'un a enregistré cette grille pendant que vous la remplissiez."))


@dataclass(frozen=True)
class RatingInput:
    """What a form says of one competence: a level, "non observé", or nothing yet."""

    level: int | None = None
    not_observed: bool = False
    comment: str = ""

    @property
    def answered(self) -> bool:
        return self.not_observed or self.level is not None


def track_blocks(cohort: Cohort) -> list[Block]:
    """The blocks the cohort is rated on (its track's), in the fiche's order."""
    return list(cohort.track.blocks)


def track_competences(cohort: Cohort) -> list[Competence]:
    return [competence for block in track_blocks(cohort) for competence in block.competences]


def get_grid(
    session: Session, apprenticeship: Apprenticeship, semester: Semester, role: RaterRole
) -> Grid | None:
    return session.scalar(
        select(Grid).where(
            Grid.apprenticeship_id == apprenticeship.id,
            Grid.semester_id == semester.id,
            Grid.rater_role == role.value,
        )
    )


def grids_of(
    session: Session, apprenticeship: Apprenticeship, semester: Semester
) -> dict[RaterRole, Grid]:
    rows = session.scalars(
        select(Grid).where(
            Grid.apprenticeship_id == apprenticeship.id, Grid.semester_id == semester.id
        )
    )
    return {RaterRole(grid.rater_role): grid for grid in rows}


def review_available(grids: Mapping[RaterRole, Grid], semester: Semester, today: date) -> bool:
    """The three-way review opens once the three grids are submitted, or once the
    evaluation window has closed (with whatever was submitted by then)."""
    all_in = all(role in grids and grids[role].submitted for role in RaterRole)
    return all_in or today > semester.window_closes_on


def get_review(
    session: Session, apprenticeship: Apprenticeship, semester: Semester
) -> Review | None:
    return session.scalar(
        select(Review).where(
            Review.apprenticeship_id == apprenticeship.id, Review.semester_id == semester.id
        )
    )


def open_grid(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    role: RaterRole,
    rater: User,
) -> Grid:
    """The grid of ``role`` for this semester, created as an empty draft on first visit."""
    grid = get_grid(session, apprenticeship, semester, role)
    if grid is None:
        grid = Grid(
            apprenticeship=apprenticeship,
            semester=semester,
            rater_role=role.value,
            rater_id=rater.id,
        )
        session.add(grid)
        session.flush()
    return grid


def _state(rating: Rating | None) -> dict[str, Any]:
    if rating is None:
        return {"level": None, "not_observed": False, "comment": ""}
    return {"level": rating.level, "not_observed": rating.not_observed, "comment": rating.comment}


def missing_competences(grid: Grid, competences: list[Competence]) -> list[Competence]:
    """The competences of the track the grid does not answer yet (level or "non observé")."""
    return [c for c in competences if not ((r := grid.rating_for(c.id)) is not None and r.answered)]


def save_grid(
    session: Session,
    grid: Grid,
    *,
    version: int,
    ratings: Mapping[int, RatingInput],
    general_comment: str,
    actor: User,
    today: date,
    submit: bool = False,
) -> None:
    """Apply a form to a draft grid (and submit it when asked and complete).

    Refused, changing nothing: a submitted grid, a closed window, a stale version, a level
    outside the cohort's scale, a competence outside the track, an incomplete submission.
    """
    cohort = grid.apprenticeship.cohort
    if grid.submitted:
        raise DomainError(_("Cette grille est déjà soumise : elle ne se modifie plus."))
    semester = grid.semester
    if not semester.window_open(today):
        raise DomainError(
            _(
                "La fenêtre d'évaluation de %(s)s est fermée (du %(start)s au %(end)s) : "
                "demandez au responsable de formation de la prolonger.",
                s=semester.label,
                start=semester.window_opens_on.strftime("%d/%m/%Y"),
                end=semester.window_closes_on.strftime("%d/%m/%Y"),
            )
        )
    if version != grid.version:
        raise StaleGrid()
    competences = {c.id: c for c in track_competences(cohort)}
    levels = len(cohort.scale_labels)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competence_id, given in ratings.items():
        if competence_id not in competences:
            raise DomainError(_("Cette compétence n'est pas évaluée dans ce parcours."))
        if given.level is not None and not 1 <= given.level <= levels:
            raise DomainError(_("Niveau hors de l'échelle de la promotion."))
        if given.level is not None and given.not_observed:
            raise DomainError(_("Choisissez un niveau ou « non observé », pas les deux."))
        rating = grid.rating_for(competence_id)
        new = {
            "level": given.level,
            "not_observed": given.not_observed,
            "comment": given.comment.strip(),
        }
        if _state(rating) == new:
            continue
        key = competences[competence_id].code
        before[key], after[key] = _state(rating), new
        if rating is None:
            rating = Rating(competence_id=competence_id)
            grid.ratings.append(rating)
        rating.level, rating.not_observed, rating.comment = (
            new["level"],
            new["not_observed"],
            new["comment"],
        )
    if general_comment.strip() != grid.general_comment:
        before["commentaire"], after["commentaire"] = grid.general_comment, general_comment.strip()
        grid.general_comment = general_comment.strip()
    if submit:
        missing = missing_competences(grid, list(competences.values()))
        if missing:
            raise DomainError(
                _(
                    "Il reste %(n)s compétence(s) sans niveau ni « non observé » : "
                    "complétez-les avant de soumettre.",
                    n=len(missing),
                )
            )
        grid.status = GridStatus.SUBMITTED.value
        grid.submitted_at = utcnow()
    # Always touch the grid row: its version then moves on every save, ratings included,
    # and a concurrent save of the same version finds no row to update (StaleDataError).
    grid.updated_at = utcnow()
    session.flush()
    if after:
        record(
            session,
            actor_id=actor.id,
            action="grid.saved",
            object_type="grid",
            object_id=grid.id,
            before=before,
            after=after,
        )
    if submit:
        record(
            session,
            actor_id=actor.id,
            action="grid.submitted",
            object_type="grid",
            object_id=grid.id,
        )
