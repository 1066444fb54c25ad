"""Shared fixtures: the app per database backend, a rollback per test, login and factories.

Every test that asks for ``app``, ``db_session``, ``client`` or a factory runs once on
SQLite and once more on PostgreSQL when ``TRACKER_TEST_DATABASE_URL`` is set. The schema
is built once per backend by running the real Alembic migrations; each test then runs
inside a transaction that is rolled back, so tests never see each other's rows.
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy.orm import Session

from tracker import create_app
from tracker.auth import service as auth_service
from tracker.auth.models import Role, User
from tracker.extensions import db

# argon2id with its production cost makes every test account take ~50 ms: tests use the
# same algorithm with the smallest cost (tests/auth checks the production hasher's output).
auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct horse battery staple"


def pytest_report_header() -> str:
    if PG_URL:
        return "databases: SQLite and PostgreSQL (TRACKER_TEST_DATABASE_URL)"
    return "databases: SQLite only (set TRACKER_TEST_DATABASE_URL to add PostgreSQL)"


class ThrowawayDatabase:
    """A database of its own for one test run: a SQLite file, or a PostgreSQL schema."""

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.schema = f"test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_dir / f'{self.schema}.sqlite'}"
        else:
            separator = "&" if "?" in PG_URL else "?"
            self.url = f"{PG_URL}{separator}options=-csearch_path%3D{self.schema}"
            engine = sa.create_engine(PG_URL)
            with engine.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
            engine.dispose()

    def drop(self) -> None:
        if self.backend == "postgresql":
            engine = sa.create_engine(PG_URL)
            with engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
            engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def throwaway_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowawayDatabase]:
    database = ThrowawayDatabase(backend, tmp_path_factory.mktemp(backend))
    yield database
    database.drop()


def make_app(database_url: str, **extra: object) -> Flask:
    return create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
            **extra,
        }
    )


class FreshContextClient(FlaskClient):
    """Each request runs in an application context of its own, as it does when served:
    ``g`` (signed-in user, locale) never leaks from one request, or from the test, into
    the next, while the database session still joins the test's transaction."""

    def open(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(throwaway_database: ThrowawayDatabase) -> Iterator[Flask]:
    application = make_app(throwaway_database.url)
    application.test_client_class = FreshContextClient
    with application.app_context():
        upgrade()
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy picks an engine per model; in tests every query goes through the
    one connection that holds the outer, rolled-back transaction."""

    def get_bind(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.bind


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The app's session, joined to an outer transaction that is rolled back afterwards.

    Code under test may commit: with ``create_savepoint`` its commits only release a
    savepoint, and nothing outlives the test.
    """
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": ConnectionBoundSession,
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(db_session: Session):  # type: ignore[no-untyped-def]
    """Factory: ``make_user(Role.MANAGER, name=...)`` returns a saved user with PASSWORD."""
    from tracker.auth.service import create_user

    counter = iter(range(1, 10_000))

    def factory(*roles: Role, name: str | None = None, email: str | None = None) -> User:
        number = next(counter)
        user = create_user(
            db_session,
            email=email or f"personne{number}@exemple.fr",
            name=name or f"Personne {number}",
            roles=set(roles),
            password=PASSWORD,
        )
        db_session.flush()
        return user

    return factory


@pytest.fixture
def login(client: FlaskClient):  # type: ignore[no-untyped-def]
    """Sign ``user`` in through the real login form; returns the client."""

    def do_login(user: User) -> FlaskClient:
        response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def make_cohort(db_session: Session, make_user):  # type: ignore[no-untyped-def]
    """Factory: a cohort on a small test certification (one block, two competences),
    created by a programme manager through the service, with the default calendar."""
    from tracker.people import service as people
    from tracker.referentials import service as referentials
    from tracker.referentials.records import BlockRecord, CertificationRecord, CompetenceRecord

    counter = iter(range(1, 10_000))
    manager = make_user(Role.MANAGER, name="Responsable des fixtures")

    def factory(*, start_year: int = 2025, name: str | None = None):  # type: ignore[no-untyped-def]
        certification = referentials.save_certification(
            db_session,
            CertificationRecord(
                code="RNCPTEST",
                title="Certification de test",
                blocks=[
                    BlockRecord(
                        "RNCPTESTBC01",
                        "Concevoir",
                        [CompetenceRecord("Analyser le besoin"), CompetenceRecord("Concevoir")],
                    )
                ],
            ),
            source="rncp",
        ).certification
        return people.create_cohort(
            db_session,
            track=certification.tracks[0],
            name=name or f"Promotion de test {next(counter)}",
            start_year=start_year,
            actor=manager,
        )

    factory.manager = manager  # type: ignore[attr-defined]
    return factory


VALID_SIRET = "73282932000074"


class QueryCounter:
    """Counts the SQL statements sent while it is open: ``with QueryCounter(session) as
    counter: ...``, then ``counter.count`` (the no-N+1 tests)."""

    def __init__(self, session: Session) -> None:
        self.engine = session.get_bind()
        self.count = 0

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._hit)

    def _hit(self, *args: object) -> None:
        self.count += 1


def page(response) -> str:  # type: ignore[no-untyped-def]
    """A response's page with its HTML entities decoded, to compare with plain French."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def make_apprenticeship(db_session: Session, make_user, make_cohort):  # type: ignore[no-untyped-def]
    """Factory: an apprenticeship in ``cohort`` (a new one by default), with new people
    for every role not given."""
    from tracker.people import service as people

    def factory(  # type: ignore[no-untyped-def]
        cohort=None, *, apprentice=None, company_tutor=None, academic_tutor=None
    ):
        cohort = cohort or make_cohort()
        return people.create_apprenticeship(
            db_session,
            cohort,
            apprentice=apprentice or make_user(Role.APPRENTICE),
            placement=people.Placement(
                "Aérotech Systèmes",
                VALID_SIRET,
                company_tutor or make_user(Role.COMPANY_TUTOR),
                academic_tutor or make_user(Role.ACADEMIC_TUTOR),
            ),
            starts_on=date(cohort.start_year, 9, 1),
            ends_on=date(cohort.start_year + 3, 8, 31),
            actor=make_cohort.manager,
        )

    return factory
