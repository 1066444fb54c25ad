"""Changing a signed semester the way the app does (reopen, correct, sign again), and
recording hostile text, for the dossier tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.evaluations import service as evaluations
from tracker.evaluations.models import RaterRole, Review
from tracker.evaluations.service import RatingInput
from tracker.people.models import Apprenticeship
from tracker.situations import service as situations

HOSTILE = (
    "<script>alert('x')</script>",
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
)


def review_of(session: Session, apprenticeship: Apprenticeship, number: int) -> Review:
    review = evaluations.get_review(session, apprenticeship, apprenticeship.cohort.semester(number))
    assert review is not None
    return review


def change_signed_level(
    session: Session, apprenticeship: Apprenticeship, number: int, manager: User
) -> str:
    """Reopen semester ``number``, move the first competence's agreed level by one and sign
    again; returns that competence's code."""
    review = review_of(session, apprenticeship, number)
    evaluations.reopen_review(
        session,
        review,
        reason="Niveau mal reporté pendant le bilan, correction demandée.",
        grid_roles=[],
        actor=manager,
    )
    competence = evaluations.track_competences(apprenticeship.cohort)[0]
    current = review.agreed_for(competence.id).level or 2
    evaluations.save_review(
        session,
        review,
        version=review.version,
        agreed={competence.id: RatingInput(level=2 if current != 2 else 3)},
        comment=review.comment,
        actor=apprenticeship.period_of(review.semester).academic_tutor,
    )
    period = apprenticeship.period_of(review.semester)
    signers = {
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
        RaterRole.COMPANY_TUTOR: period.company_tutor,
        RaterRole.APPRENTICE: apprenticeship.apprentice,
    }
    for role, signer in signers.items():
        evaluations.sign_review(session, review, role=role, signer=signer, version=review.version)
    assert review.locked
    session.flush()
    return competence.code


def hostile_situation(session: Session, apprenticeship: Apprenticeship) -> None:
    """A situation whose every text is markup or a URL to fetch, and a tutor's comment."""
    start = apprenticeship.starts_on + timedelta(days=40)
    situation = situations.create_situation(
        session,
        apprenticeship,
        situations.SituationInput(
            title=HOSTILE[0],
            starts_on=start,
            ends_on=start + timedelta(days=10),
            company_context=HOSTILE[1],
            what_was_done=HOSTILE[2],
            competence_ids=frozenset({evaluations.track_competences(apprenticeship.cohort)[0].id}),
        ),
        actor=apprenticeship.apprentice,
    )
    situations.add_comment(
        session,
        situation,
        '<img src="file:///etc/passwd"> <a href="http://example.org">lien</a>',
        actor=apprenticeship.current_period.company_tutor,
    )
    session.flush()
