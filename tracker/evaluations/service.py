"""Filling and submitting grids.

A grid is filled only while its semester's evaluation window is open (the programme
manager extends a window from the cohort's calendar). Every save carries the version the
form was loaded with: a stale save is refused with ``StaleGrid``, never applied over a newer
one. Every change is written to the audit log with its before and after values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.evaluations.models import (
    AgreedLevel,
    Grid,
    GridStatus,
    RaterRole,
    Rating,
    Reopening,
    Review,
    ReviewStatus,
    Signature,
)
from tracker.i18n import _
from tracker.livret.retained import refresh_retained
from tracker.people.models import Apprenticeship, Cohort, Semester
from tracker.progress.rules import divergence
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


def _checked_answers(cohort: Cohort, answers: Mapping[int, RatingInput]) -> dict[int, Competence]:
    """The track's competences by id, once every answer is known to fit the cohort: a
    competence of the track, a level of its scale, not a level and "non observé" both."""
    competences = {c.id: c for c in track_competences(cohort)}
    levels = len(cohort.scale_labels)
    for competence_id, given in answers.items():
        if competence_id not in competences:
            raise DomainError(_("Cette compétence n'est pas évaluée dans ce parcours."))
        if given.level is not None and not 1 <= given.level <= levels:
            raise DomainError(_("Niveau hors de l'échelle de la promotion."))
        if given.level is not None and given.not_observed:
            raise DomainError(_("Choisissez un niveau ou « non observé », pas les deux."))
    return competences


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
    now: datetime | None = None,
) -> None:
    """Apply a form to a draft grid (and submit it when asked and complete).

    ``now`` (the submission time) defaults to the present; the demonstration data passes
    past dates to tell a three-year story.

    Refused, changing nothing: a submitted grid, a closed window, a stale version, a level
    outside the cohort's scale, a competence outside the track, an incomplete submission.
    """
    cohort = grid.apprenticeship.cohort
    if grid.submitted:
        raise DomainError(_("Cette grille est déjà soumise : elle ne se modifie plus."))
    semester = grid.semester
    check_not_frozen(session, grid.apprenticeship, semester)
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
    competences = _checked_answers(cohort, ratings)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competence_id, given in ratings.items():
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
        grid.submitted_at = now or utcnow()
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


# --- The three-way review -------------------------------------------------------------------

CONTENT_FORMAT = "livret-bilan-1"


def _frozen_message() -> str:
    return _("Le bilan de ce semestre est signé : plus rien ne s'y modifie.")


def check_not_frozen(session: Session, apprenticeship: Apprenticeship, semester: Semester) -> None:
    review = get_review(session, apprenticeship, semester)
    if review is not None and review.frozen:
        raise DomainError(_frozen_message())


def open_review(session: Session, apprenticeship: Apprenticeship, semester: Semester) -> Review:
    """The semester's review, created (empty, open) on its first save."""
    review = get_review(session, apprenticeship, semester)
    if review is None:
        review = Review(apprenticeship=apprenticeship, semester=semester)
        session.add(review)
        session.flush()
    return review


def _agreed_state(agreed: AgreedLevel | None) -> dict[str, Any]:
    if agreed is None:
        return {"level": None, "not_observed": False}
    return {"level": agreed.level, "not_observed": agreed.not_observed}


def missing_agreed(review: Review | None, competences: list[Competence]) -> list[Competence]:
    """The competences with no agreed level (nor "non observé") yet."""
    return [
        c
        for c in competences
        if review is None or not ((a := review.agreed_for(c.id)) is not None and a.answered)
    ]


def save_review(
    session: Session,
    review: Review,
    *,
    version: int,
    agreed: Mapping[int, RatingInput],
    comment: str,
    actor: User,
) -> None:
    """Record the agreed levels and the review comment (academic tutor, before signing).

    Refused, changing nothing: a review already signed by someone, a stale version, a level
    outside the scale or a competence outside the track.
    """
    if review.frozen:
        raise DomainError(_frozen_message())
    if version != review.version:
        raise StaleGrid()
    competences = _checked_answers(review.apprenticeship.cohort, agreed)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competence_id, given in agreed.items():
        row = review.agreed_for(competence_id)
        new = {"level": given.level, "not_observed": given.not_observed}
        if _agreed_state(row) == new:
            continue
        key = competences[competence_id].code
        before[key], after[key] = _agreed_state(row), new
        if row is None:
            row = AgreedLevel(competence_id=competence_id)
            review.agreed.append(row)
        row.level, row.not_observed = given.level, given.not_observed
    if comment.strip() != review.comment:
        before["commentaire"], after["commentaire"] = review.comment, comment.strip()
        review.comment = comment.strip()
    review.updated_at = utcnow()  # the version moves on every save (see save_grid)
    session.flush()
    if after:
        record(
            session,
            actor_id=actor.id,
            action="review.saved",
            object_type="review",
            object_id=review.id,
            before=before,
            after=after,
        )


def signed_content(review: Review, grids: Mapping[RaterRole, Grid]) -> dict[str, Any]:
    """What the parties sign: the three grids as submitted, the agreed levels and the
    review comment, keyed by stable codes and ids (never names, so that anonymising a
    person later does not change what was signed)."""
    apprenticeship = review.apprenticeship
    cohort = apprenticeship.cohort
    competences = track_competences(cohort)

    def rating(row: Rating | AgreedLevel | None) -> dict[str, Any] | None:
        if row is None:
            return None
        state = {"level": row.level, "not_observed": row.not_observed}
        if isinstance(row, Rating):
            state["comment"] = row.comment
        return state

    return {
        "format": CONTENT_FORMAT,
        "apprenticeship": apprenticeship.id,
        "apprentice": apprenticeship.apprentice_id,
        "cohort": cohort.id,
        "certification": f"{cohort.certification.code} v{cohort.certification.version}",
        "track": cohort.track_id,
        "semester": review.semester.number,
        "scale": list(cohort.scale_labels),
        "not_observed_label": cohort.not_observed_label,
        "revision": review.revision,
        "grids": {
            role.value: (
                {
                    "rater": grid.rater_id,
                    "status": grid.status,
                    "submitted_at": grid.submitted_at.isoformat() if grid.submitted_at else None,
                    "general_comment": grid.general_comment,
                    "ratings": {c.code: rating(grid.rating_for(c.id)) for c in competences},
                }
                if (grid := grids.get(role)) is not None
                else None
            )
            for role in RaterRole
        },
        "agreed": {c.code: rating(review.agreed_for(c.id)) for c in competences},
        "comment": review.comment,
    }


def canonical_json(content: Mapping[str, Any]) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_matches(
    session: Session, review: Review, grids: Mapping[RaterRole, Grid] | None = None
) -> bool:
    """Whether the rows in the database still say what was signed (the hash stored at the
    first signature against the content recomputed now). ``grids``: the semester's grids
    when the caller has them loaded already."""
    if review.content_sha256 is None:
        return False
    if grids is None:
        grids = grids_of(session, review.apprenticeship, review.semester)
    return sha256_hex(canonical_json(signed_content(review, grids))) == review.content_sha256


def sign_review(
    session: Session,
    review: Review,
    *,
    role: RaterRole,
    signer: User,
    version: int,
    comment: str = "",
    now: datetime | None = None,
) -> None:
    """Sign (tutors) or acknowledge (apprentice) the review's content.

    The academic tutor, who leads the review, signs first; that signature freezes the
    content: its canonical JSON and SHA-256 are stored and
    every later signature of this revision signs that same hash. After the third the
    semester is locked. Refused: agreed levels missing, a stale version (the content
    changed since the page was loaded), a second signature for the same role.
    """
    if review.locked:
        raise DomainError(_("Ce semestre est déjà verrouillé."))
    if version != review.version:
        raise StaleGrid()
    if role in review.current_signatures:
        raise DomainError(_("Vous avez déjà signé ce bilan."))
    if not review.frozen:
        if role is not RaterRole.ACADEMIC_TUTOR:
            raise DomainError(
                _("Le tuteur académique signe le bilan en premier ; vous signerez ensuite.")
            )
        missing = missing_agreed(review, track_competences(review.apprenticeship.cohort))
        if missing:
            raise DomainError(
                _(
                    "Il reste %(n)s compétence(s) sans niveau retenu : le tuteur académique "
                    "doit les compléter avant les signatures.",
                    n=len(missing),
                )
            )
        grids = grids_of(session, review.apprenticeship, review.semester)
        text = canonical_json(signed_content(review, grids))
        review.signed_content, review.content_sha256 = text, sha256_hex(text)
        review.status = ReviewStatus.SIGNING.value
        session.flush()
    signature = Signature(
        review=review,
        revision=review.revision,
        role=role.value,
        signer_id=signer.id,
        signed_at=now or utcnow(),
        content_sha256=review.content_sha256,
        comment=comment.strip() if role is RaterRole.APPRENTICE else "",
    )
    session.add(signature)
    session.flush()
    record(
        session,
        actor_id=signer.id,
        action="review.signed",
        object_type="review",
        object_id=review.id,
        after={
            "role": role.value,
            "revision": review.revision,
            "sha256": review.content_sha256,
            "comment": signature.comment,
        },
    )
    session.expire(review, ["signatures"])
    if len(review.current_signatures) == len(RaterRole):
        review.status = ReviewStatus.LOCKED.value
        review.locked_at = now or utcnow()
        session.flush()
        refresh_retained(session, review.apprenticeship_id)
        record(
            session,
            actor_id=signer.id,
            action="review.locked",
            object_type="review",
            object_id=review.id,
            after={"revision": review.revision, "sha256": review.content_sha256},
        )


def reopen_review(
    session: Session,
    review: Review,
    *,
    reason: str,
    grid_roles: list[RaterRole],
    actor: User,
    now: datetime | None = None,
) -> Reopening:
    """Reopen a signed (or partly signed) semester, for a stated reason.

    The version that was signed stays in ``review_reopenings`` with its hash and the
    signatures stay in their table: the review starts its next revision, open again for
    the agreed levels, and the chosen grids go back to draft for their raters.
    """
    reason = reason.strip()
    if not review.frozen:
        raise DomainError(_("Ce bilan n'est pas signé : il n'y a rien à rouvrir."))
    if len(reason) < 10:
        raise DomainError(_("Indiquez la raison de la réouverture (10 caractères au moins)."))
    reopening = Reopening(
        review=review,
        revision=review.revision,
        signed_content=review.signed_content,
        content_sha256=review.content_sha256,
        reason=reason,
        reopened_by_id=actor.id,
        reopened_at=now or utcnow(),
        reopened_grids=[role.value for role in grid_roles],
    )
    session.add(reopening)
    session.flush()
    before = {"revision": review.revision, "status": review.status, "sha256": review.content_sha256}
    was_locked = review.locked
    review.status = ReviewStatus.OPEN.value
    review.revision += 1
    review.signed_content = review.content_sha256 = review.locked_at = None
    session.flush()
    if was_locked:
        refresh_retained(session, review.apprenticeship_id)
    grids = grids_of(session, review.apprenticeship, review.semester)
    for role in grid_roles:
        grid = grids.get(role)
        if grid is not None and grid.submitted:
            grid.status = GridStatus.DRAFT.value
            grid.submitted_at = None
            grid.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="review.reopened",
        object_type="review",
        object_id=review.id,
        before=before,
        after={"revision": review.revision, "reason": reason, "grids": reopening.reopened_grids},
    )
    return reopening


def spread(rows: list[Rating | None]) -> int | None:
    """The largest gap between the levels given (see ``progress.rules.divergence``)."""
    return divergence(row.level for row in rows if row is not None)
