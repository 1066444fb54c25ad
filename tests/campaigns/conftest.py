"""Campaign fixtures: a contract whose S1 window is open today, grids and reviews made
directly as rows (the database refuses signatures that do not sign the frozen content)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.db import utcnow
from tracker.evaluations.models import Grid, GridStatus, RaterRole, Review, Signature

HASH = "ab" * 32


def open_window(cohort, number: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Open the evaluation window of semester ``number`` around today."""
    semester = cohort.semester(number)
    semester.window_opens_on = date.today() - timedelta(days=3)
    semester.window_closes_on = date.today() + timedelta(days=20)


def only_first_open(cohort) -> None:  # type: ignore[no-untyped-def]
    """S1's window open today, every other one far ahead: only S1 asks anything."""
    for semester in cohort.semesters:
        semester.window_opens_on = semester.window_closes_on = date.today() + timedelta(days=400)
    open_window(cohort)


def person_of(apprenticeship, role: RaterRole):  # type: ignore[no-untyped-def]
    period = apprenticeship.current_period
    return {
        RaterRole.APPRENTICE: apprenticeship.apprentice,
        RaterRole.COMPANY_TUTOR: period.company_tutor,
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
    }[role]


@pytest.fixture
def add_grid(db_session):  # type: ignore[no-untyped-def]
    """``add_grid(apprenticeship, role, submitted=False, number=1)``: a grid row."""

    def factory(apprenticeship, role: RaterRole, *, submitted: bool = False, number: int = 1):  # type: ignore[no-untyped-def]
        grid = Grid(
            apprenticeship=apprenticeship,
            semester=apprenticeship.cohort.semester(number),
            rater_role=role.value,
            rater_id=person_of(apprenticeship, role).id,
            status=(GridStatus.SUBMITTED if submitted else GridStatus.DRAFT).value,
            submitted_at=utcnow() if submitted else None,
        )
        db_session.add(grid)
        db_session.flush()
        return grid

    return factory


@pytest.fixture
def add_review(db_session):  # type: ignore[no-untyped-def]
    """``add_review(apprenticeship, status, signed_by=(roles...), number=1)``: a review
    row; "signing" and "locked" ones are frozen with a hash and signed by ``signed_by``
    (a locked review needs the three signatures)."""

    def factory(apprenticeship, status: str = "open", *, signed_by=(), number: int = 1):  # type: ignore[no-untyped-def]
        frozen = status != "open"
        review = Review(
            apprenticeship_id=apprenticeship.id,
            semester_id=apprenticeship.cohort.semester(number).id,
            status="signing" if frozen else "open",
            signed_content="{}" if frozen else None,
            content_sha256=HASH if frozen else None,
        )
        db_session.add(review)
        db_session.flush()
        for role in signed_by:
            review.signatures.append(
                Signature(
                    revision=review.revision,
                    role=role.value,
                    signer_id=person_of(apprenticeship, role).id,
                    content_sha256=HASH,
                )
            )
        db_session.flush()
        if status == "locked":
            review.status = "locked"
            review.locked_at = utcnow()
            db_session.flush()
        return review

    return factory
