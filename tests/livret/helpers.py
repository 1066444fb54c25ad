"""Signing whole semesters through the real services, for the livret's tests."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from tracker.evaluations import service
from tracker.evaluations.models import RaterRole, Review
from tracker.evaluations.service import RatingInput
from tracker.people.models import Apprenticeship

Levels = tuple[int | None, ...]


def answers(apprenticeship: Apprenticeship, levels: Levels) -> dict[int, RatingInput]:
    competences = service.track_competences(apprenticeship.cohort)
    return {
        c.id: RatingInput(level=level, not_observed=level is None)
        for c, level in zip(competences, levels, strict=True)
    }


def submit(
    session: Session, apprenticeship: Apprenticeship, number: int, role: RaterRole, levels: Levels
) -> None:
    semester = apprenticeship.cohort.semester(number)
    period = apprenticeship.period_of(semester)
    rater = {
        RaterRole.APPRENTICE: apprenticeship.apprentice,
        RaterRole.COMPANY_TUTOR: period.company_tutor,
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
    }[role]
    grid = service.open_grid(session, apprenticeship, semester, role, rater)
    service.save_grid(
        session,
        grid,
        version=grid.version,
        ratings=answers(apprenticeship, levels),
        general_comment="",
        actor=rater,
        today=semester.window_opens_on,
        submit=True,
    )


def sign_semester(
    session: Session,
    apprenticeship: Apprenticeship,
    number: int,
    agreed: Levels,
    raters: Mapping[RaterRole, Levels] | None = None,
) -> Review:
    """Grids of the three raters (the agreed levels unless ``raters`` says otherwise), the
    review with ``agreed``, and the three signatures: the semester ends locked."""
    for role in RaterRole:
        submit(session, apprenticeship, number, role, (raters or {}).get(role, agreed))
    semester = apprenticeship.cohort.semester(number)
    period = apprenticeship.period_of(semester)
    review = service.open_review(session, apprenticeship, semester)
    service.save_review(
        session,
        review,
        version=review.version,
        agreed=answers(apprenticeship, agreed),
        comment="",
        actor=period.academic_tutor,
    )
    signers = {
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
        RaterRole.COMPANY_TUTOR: period.company_tutor,
        RaterRole.APPRENTICE: apprenticeship.apprentice,
    }
    for role, signer in signers.items():
        service.sign_review(session, review, role=role, signer=signer, version=review.version)
    assert review.locked
    return review
