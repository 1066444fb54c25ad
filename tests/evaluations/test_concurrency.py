"""Two saves of the same grid version at the same moment: exactly one wins, nothing is lost.

Runs on a database of its own (real commits, two connections), on every backend.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from tests.conftest import VALID_SIRET, ThrowawayDatabase, make_app
from tracker.auth.models import Role, User
from tracker.auth.service import create_user
from tracker.db import is_write_conflict
from tracker.evaluations import service
from tracker.evaluations.models import Grid, RaterRole
from tracker.extensions import db
from tracker.people import service as people
from tracker.referentials import service as referentials
from tracker.referentials.records import BlockRecord, CertificationRecord, CompetenceRecord

ROUNDS = 50
IN_WINDOW = date(2026, 1, 20)


def _seed() -> tuple[int, int, int]:
    """A grid of a company tutor on a one-competence track; returns the ids needed."""
    users = {
        role: create_user(
            db.session, email=f"{role.value}@exemple.fr", name=role.label, roles={role}
        )
        for role in (Role.MANAGER, Role.APPRENTICE, Role.COMPANY_TUTOR, Role.ACADEMIC_TUTOR)
    }
    certification = referentials.save_certification(
        db.session,
        CertificationRecord(
            "RNCPCONC", "Test", blocks=[BlockRecord("RNCPCONCBC01", "B", [CompetenceRecord("C")])]
        ),
        source="rncp",
    ).certification
    cohort = people.create_cohort(
        db.session,
        track=certification.tracks[0],
        name="P",
        start_year=2025,
        actor=users[Role.MANAGER],
    )
    apprenticeship = people.create_apprenticeship(
        db.session,
        cohort,
        apprentice=users[Role.APPRENTICE],
        placement=people.Placement(
            "Aérotech", VALID_SIRET, users[Role.COMPANY_TUTOR], users[Role.ACADEMIC_TUTOR]
        ),
        starts_on=date(2025, 9, 1),
        ends_on=date(2028, 8, 31),
        actor=users[Role.MANAGER],
    )
    tutor = users[Role.COMPANY_TUTOR]
    grid = service.open_grid(
        db.session, apprenticeship, cohort.semester(1), RaterRole.COMPANY_TUTOR, tutor
    )
    competence = service.track_competences(cohort)[0]
    db.session.commit()
    return grid.id, tutor.id, competence.id


@dataclass
class Round:
    """One race: two saves of the same version, ``outcomes[level]`` says how each ended."""

    app: Flask
    grid_id: int
    tutor_id: int
    competence_id: int
    version: int
    number: int
    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))
    outcomes: dict[int, str] = field(default_factory=dict)

    def attempt(self, level: int) -> None:
        with self.app.app_context():
            try:
                grid = db.session.get(Grid, self.grid_id)
                tutor = db.session.get(User, self.tutor_id)
                self.barrier.wait(timeout=10)
                service.save_grid(
                    db.session,
                    grid,
                    version=self.version,
                    ratings={self.competence_id: service.RatingInput(level=level)},
                    general_comment=f"Tour {self.number}, niveau {level}",
                    actor=tutor,
                    today=IN_WINDOW,
                )
                db.session.commit()
                self.outcomes[level] = "won"
            except service.StaleGrid:
                self.outcomes[level] = "stale"
            except SQLAlchemyError as error:
                self.outcomes[level] = "stale" if is_write_conflict(error) else repr(error)
            finally:
                db.session.rollback()
                db.session.remove()


def test_two_saves_of_one_version_have_exactly_one_winner(backend, tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = ThrowawayDatabase(backend, tmp_path)
    app = make_app(database.url)
    try:
        with app.app_context():
            upgrade()
            grid_id, tutor_id, competence_id = _seed()
        for number in range(ROUNDS):
            with app.app_context():
                version = db.session.get(Grid, grid_id).version
                db.session.remove()
            race = Round(app, grid_id, tutor_id, competence_id, version, number)
            threads = [threading.Thread(target=race.attempt, args=(level,)) for level in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(race.outcomes.values()) == ["stale", "won"], (number, race.outcomes)
            (winner,) = [level for level, outcome in race.outcomes.items() if outcome == "won"]
            with app.app_context():
                grid = db.session.get(Grid, grid_id)
                assert grid.version == version + 1
                assert grid.rating_for(competence_id).level == winner
                assert grid.general_comment == f"Tour {number}, niveau {winner}"
                db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop()
