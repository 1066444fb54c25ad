"""Audit fixtures: contracts with grids and reviews, and events recorded at a given time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker.audit.service import record
from tracker.evaluations.models import Grid, RaterRole, Review


@pytest.fixture
def add_event(db_session):  # type: ignore[no-untyped-def]
    """``add_event(action, object_type, object_id, at=..., actor=..., before=, after=)``:
    an audit row as the services record it, at an explicit time (rows cannot be updated
    once written, so the time is set before the flush)."""

    def factory(  # type: ignore[no-untyped-def]
        action, object_type, object_id, *, at=None, actor=None, before=None, after=None
    ):
        event = record(
            db_session,
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
        )
        event.at = at or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        db_session.flush()
        return event

    return factory


@pytest.fixture
def make_grid(db_session):  # type: ignore[no-untyped-def]
    """``make_grid(apprenticeship, number, role)``: a draft grid of that semester."""

    def factory(apprenticeship, number: int = 1, role: RaterRole = RaterRole.COMPANY_TUTOR):  # type: ignore[no-untyped-def]
        period = apprenticeship.current_period
        rater = {
            RaterRole.APPRENTICE: apprenticeship.apprentice_id,
            RaterRole.COMPANY_TUTOR: period.company_tutor_id,
            RaterRole.ACADEMIC_TUTOR: period.academic_tutor_id,
        }[role]
        grid = Grid(
            apprenticeship=apprenticeship,
            semester=apprenticeship.cohort.semester(number),
            rater_role=role.value,
            rater_id=rater,
        )
        db_session.add(grid)
        db_session.flush()
        return grid

    return factory


@pytest.fixture
def make_review(db_session):  # type: ignore[no-untyped-def]
    def factory(apprenticeship, number: int = 1):  # type: ignore[no-untyped-def]
        review = Review(
            apprenticeship=apprenticeship, semester=apprenticeship.cohort.semester(number)
        )
        db_session.add(review)
        db_session.flush()
        return review

    return factory


@pytest.fixture
def change_window(db_session, make_cohort):  # type: ignore[no-untyped-def]
    """``change_window(cohort, number, days=7, name=None)``: the programme manager moves
    the close of semester ``number``'s evaluation window by ``days`` (0: not at all) and
    may rename the cohort, through the people service, which records it."""
    from tracker.people import service as people

    def change(cohort, number: int, *, days: int = 7, name: str | None = None):  # type: ignore[no-untyped-def]
        plans = people.semester_plans(cohort)
        plans[number - 1].window_closes_on += timedelta(days=days)
        people.update_cohort(
            db_session,
            cohort,
            name=name or cohort.name,
            scale_labels=cohort.scale_labels,
            not_observed_label=cohort.not_observed_label,
            threshold=cohort.threshold,
            plans=plans,
            actor=make_cohort.manager,
        )
        db_session.flush()  # requests run in a session of their own

    return change
