"""Fixtures of the jury tests: a certification of two blocks asking for English B2, a
cohort of it with contracts, jury accounts, and a session ready to deliberate."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.livret.helpers import sign_semester
from tests.situations.conftest import PDF
from tracker.auth.models import Role
from tracker.conditions import service as conditions
from tracker.jury import service
from tracker.people import service as people
from tracker.referentials import service as referentials
from tracker.referentials.models import Certification
from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
    RequirementRecord,
)
from tracker.situations.storage import FileStore

TODAY = date(2028, 6, 20)
HELD_ON = date(2028, 6, 27)
# Three competences: BC01 (two), BC02 (one).
ALL_ACQUIRED = (3, 4, 3)
ONE_BELOW = (3, 2, 3)


@pytest.fixture
def upload_dir(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def manager(make_cohort):  # type: ignore[no-untyped-def]
    return make_cohort.manager


@pytest.fixture
def make_jury_cohort(db_session, make_cohort):  # type: ignore[no-untyped-def]
    """Factory: a cohort of the certification RNCPJURY (or ``code``)."""
    counter = iter(range(1, 10_000))

    def factory(code: str = "RNCPJURY", *, certifiers=(), start_year: int = 2025):  # type: ignore[no-untyped-def]
        certification = db_session.scalar(select(Certification).where(Certification.code == code))
        if certification is None:
            certification = referentials.save_certification(
                db_session,
                CertificationRecord(
                    code=code,
                    title="Ingénieur de test, spécialité jury",
                    certifiers=list(certifiers),
                    blocks=[
                        BlockRecord(
                            f"{code}BC01",
                            "Concevoir",
                            [CompetenceRecord("Analyser"), CompetenceRecord("Concevoir")],
                        ),
                        BlockRecord(f"{code}BC02", "Piloter", [CompetenceRecord("Piloter")]),
                    ],
                    requirements=[
                        RequirementRecord(
                            RequirementKind.ENGLISH, "Anglais B2 (CECRL)", {"min_level": "B2"}
                        )
                    ],
                ),
                source="rncp",
            ).certification
        return people.create_cohort(
            db_session,
            track=certification.tracks[0],
            name=f"Promotion jury {next(counter)} ({code})",
            start_year=start_year,
            actor=make_cohort.manager,
        )

    return factory


@pytest.fixture
def cohort(make_jury_cohort):  # type: ignore[no-untyped-def]
    return make_jury_cohort()


@pytest.fixture
def make_contract(db_session, make_user, make_apprenticeship, cohort):  # type: ignore[no-untyped-def]
    """Factory: a contract of ``cohort`` for an apprentice named ``name``."""

    def factory(name: str, target=None):  # type: ignore[no-untyped-def]
        return make_apprenticeship(
            target or cohort, apprentice=make_user(Role.APPRENTICE, name=name)
        )

    return factory


def validated_english(session, apprenticeship, manager, upload_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A B2 certificate recorded (with its proof) and so validated by the manager."""
    conditions.create_record(
        session,
        apprenticeship,
        conditions.EnglishInput("TOEIC Listening and Reading", "850/990", "B2", date(2027, 5, 12)),
        actor=manager,
        today=TODAY,
        proof=conditions.ProofUpload("toeic.pdf", BytesIO(PDF), 1024 * 1024),
        store=FileStore(upload_dir / "conditions"),
    )


def ready(session, apprenticeship, manager, upload_dir):  # type: ignore[no-untyped-def]
    """Every block acquired (S1 signed at the threshold) and English validated."""
    sign_semester(session, apprenticeship, 1, ALL_ACQUIRED)
    validated_english(session, apprenticeship, manager, upload_dir)
    session.flush()


@pytest.fixture
def make_jury_user(make_user):  # type: ignore[no-untyped-def]
    def factory(name: str):  # type: ignore[no-untyped-def]
        return make_user(Role.JURY, name=name)

    return factory


def seat(kind: str = "professional", **values) -> service.MemberInput:  # type: ignore[no-untyped-def]
    return service.MemberInput(kind=kind, **values)


@pytest.fixture
def jury_session(db_session, cohort, manager, make_jury_user):  # type: ignore[no-untyped-def]
    """An open session of RNCPJURY (the general rule: a president and 3 members) with its
    president and two other members."""
    created = service.create_session(
        db_session,
        service.SessionInput(cohort.certification_id, HELD_ON, "Campus de Bordeaux-Talence"),
        actor=manager,
    )
    service.add_member(
        db_session,
        created,
        make_jury_user("Claire Dumas"),
        seat("academic", is_president=True, capacity="Directrice des formations"),
        actor=manager,
    )
    service.add_member(db_session, created, make_jury_user("Marc Lefèvre"), seat(), actor=manager)
    service.add_member(
        db_session, created, make_jury_user("Sophie Garnier"), seat("academic"), actor=manager
    )
    db_session.flush()
    return created


def president(jury_session):  # type: ignore[no-untyped-def]
    return service.president_of(jury_session).user
