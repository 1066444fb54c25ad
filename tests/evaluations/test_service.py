"""Filling grids: drafts, submission, windows, the scale, versions and the audit log."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.audit.service import events_for
from tracker.errors import DomainError
from tracker.evaluations import service
from tracker.evaluations.models import RaterRole
from tracker.evaluations.service import RatingInput, StaleGrid

IN_WINDOW = date(2026, 1, 20)  # S1 of a 2025 cohort: window 10/01/2026 – 28/02/2026


@pytest.fixture
def setting(db_session, make_apprenticeship):  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    semester = apprenticeship.cohort.semester(1)
    tutor = apprenticeship.current_period.company_tutor
    grid = service.open_grid(db_session, apprenticeship, semester, RaterRole.COMPANY_TUTOR, tutor)
    first, second = service.track_competences(apprenticeship.cohort)
    return grid, tutor, first, second


def save(db_session, grid, tutor, ratings, *, today=IN_WINDOW, submit=False, version=None):  # type: ignore[no-untyped-def]
    service.save_grid(
        db_session,
        grid,
        version=grid.version if version is None else version,
        ratings=ratings,
        general_comment="Bon semestre.",
        actor=tutor,
        today=today,
        submit=submit,
    )


def test_a_draft_then_a_submission(db_session, setting) -> None:
    grid, tutor, first, second = setting
    save(db_session, grid, tutor, {first.id: RatingInput(level=3, comment="Autonome")})
    assert service.missing_competences(grid, [first, second]) == [second]
    with pytest.raises(DomainError, match="Il reste 1 compétence"):
        save(db_session, grid, tutor, {}, submit=True)
    assert not grid.submitted
    save(db_session, grid, tutor, {second.id: RatingInput(not_observed=True)}, submit=True)
    assert grid.submitted
    assert grid.rating_for(first.id).level == 3
    assert grid.rating_for(second.id).level is None  # "non observé" is not a level
    with pytest.raises(DomainError, match="déjà soumise"):
        save(db_session, grid, tutor, {first.id: RatingInput(level=4)})
    saved, submitted = events_for(db_session, "grid", grid.id)[-2:]
    assert submitted.action == "grid.submitted"
    assert saved.after[second.code] == {"level": None, "not_observed": True, "comment": ""}


@pytest.mark.parametrize(
    ("given", "today", "message"),
    [
        ({"first": RatingInput(level=5)}, IN_WINDOW, "hors de l'échelle"),
        ({"first": RatingInput(level=0)}, IN_WINDOW, "hors de l'échelle"),
        ({"first": RatingInput(level=2, not_observed=True)}, IN_WINDOW, "pas les deux"),
        (
            {"first": RatingInput(level=2)},
            date(2026, 3, 1),
            "fenêtre d'évaluation de S1 est fermée",
        ),
        (
            {"first": RatingInput(level=2)},
            date(2026, 1, 9),
            "fenêtre d'évaluation de S1 est fermée",
        ),
        ({"unknown": RatingInput(level=2)}, IN_WINDOW, "pas évaluée dans ce parcours"),
    ],
)
def test_refused_saves_change_nothing(db_session, setting, given, today, message) -> None:  # type: ignore[no-untyped-def]
    grid, tutor, first, _second = setting
    ids = {"first": first.id, "unknown": 10_000_000}
    version = grid.version
    with pytest.raises(DomainError, match=message):
        save(db_session, grid, tutor, {ids[k]: v for k, v in given.items()}, today=today)
    assert grid.ratings == []
    assert grid.version == version


def test_a_stale_version_is_refused(db_session, setting) -> None:
    grid, tutor, first, _second = setting
    loaded = grid.version
    save(db_session, grid, tutor, {first.id: RatingInput(level=2)})
    with pytest.raises(StaleGrid):
        save(db_session, grid, tutor, {first.id: RatingInput(level=4)}, version=loaded)
    assert grid.rating_for(first.id).level == 2


def test_every_save_moves_the_version_even_for_ratings_only(db_session, setting) -> None:
    grid, tutor, first, _second = setting
    before = grid.version
    save(db_session, grid, tutor, {first.id: RatingInput(level=2)})
    assert grid.version == before + 1
