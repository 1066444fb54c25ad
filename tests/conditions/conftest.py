"""Fixtures of the conditions-of-award tests: a certification asking for every kind of
evidence, a contract in its cohort, a folder of uploads per test, and shortcuts to record
evidence as the right person."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from tests.situations.conftest import PDF, image_bytes
from tracker.conditions import service
from tracker.people import service as people
from tracker.referentials import service as referentials
from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
    RequirementRecord,
)
from tracker.situations.storage import FileStore

# The tests run on a fixed day; the contract runs from 01/09/2025 to 31/08/2028.
TODAY = date(2027, 3, 15)

REQUIREMENTS = [
    RequirementRecord(RequirementKind.ENGLISH, "Anglais B2 (CECRL)", {"min_level": "B2"}),
    RequirementRecord(
        RequirementKind.MOBILITY, "Mobilité de 9 à 12 semaines", {"min_weeks": 9, "max_weeks": 12}
    ),
    RequirementRecord(RequirementKind.REPORT, "Rapport de fin d'études"),
    RequirementRecord(RequirementKind.DEFENCE, "Soutenance orale"),
    RequirementRecord(
        RequirementKind.COMPANY_OPINION, "Avis de l'entreprise", {"validity_years": 5}
    ),
]


@pytest.fixture
def make_conditions_cohort(db_session, make_cohort):  # type: ignore[no-untyped-def]
    """Factory: a cohort on a certification asking for ``requirements`` (all kinds by
    default)."""
    counter = iter(range(1, 10_000))

    def factory(requirements=None, *, start_year: int = 2025):  # type: ignore[no-untyped-def]
        number = next(counter)
        certification = referentials.save_certification(
            db_session,
            CertificationRecord(
                code=f"RNCPCOND{number}",
                title="Ingénieur de test, spécialité conditions",
                blocks=[BlockRecord(f"RNCPCOND{number}BC01", "Concevoir", [CompetenceRecord("A")])],
                requirements=list(REQUIREMENTS if requirements is None else requirements),
            ),
            source="rncp",
        ).certification
        return people.create_cohort(
            db_session,
            track=certification.tracks[0],
            name=f"Promotion conditions {number}",
            start_year=start_year,
            actor=make_cohort.manager,
        )

    return factory


@pytest.fixture
def contract(db_session, make_conditions_cohort, make_apprenticeship):  # type: ignore[no-untyped-def]
    return make_apprenticeship(make_conditions_cohort())


@pytest.fixture
def manager(make_cohort):  # type: ignore[no-untyped-def]
    return make_cohort.manager


@pytest.fixture
def upload_dir(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """Every test stores its files in a folder of its own."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def store(upload_dir: Path) -> FileStore:
    return FileStore(upload_dir / "conditions")


def stored_files(upload_dir: Path) -> list[Path]:
    folder = upload_dir / "conditions"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def proof(data: bytes = PDF, name: str = "attestation.pdf", max_bytes: int = 10 * 1024 * 1024):  # type: ignore[no-untyped-def]
    return service.ProofUpload(name, BytesIO(data), max_bytes)


def english_input(**changes) -> service.EnglishInput:  # type: ignore[no-untyped-def]
    values = {
        "test_name": "TOEIC Listening and Reading",
        "score": "850/990",
        "level": "B2",
        "taken_on": date(2026, 5, 12),
    }
    values.update(changes)
    return service.EnglishInput(**values)


def mobility_input(weeks: int = 12, start: date = date(2026, 6, 1), **changes):  # type: ignore[no-untyped-def]
    values = {
        "country": "Allemagne",
        "host": "Fraunhofer IPA, Stuttgart",
        "starts_on": start,
        "ends_on": start + timedelta(days=weeks * 7 - 1),
    }
    values.update(changes)
    return service.MobilityInput(**values)


@pytest.fixture
def add(db_session, contract, store):  # type: ignore[no-untyped-def]
    """Record evidence as ``actor`` (the contract's apprentice by default), with a PDF
    proof for a certificate or a mobility period unless ``proof=None``."""

    def factory(data, *, actor=None, with_proof=True, apprenticeship=None):  # type: ignore[no-untyped-def]
        apprenticeship = apprenticeship or contract
        kind = service.INPUT_KINDS[type(data)]
        row = service.create_record(
            db_session,
            apprenticeship,
            data,
            actor=actor or apprenticeship.apprentice,
            today=TODAY,
            proof=proof(image_bytes("PNG")) if with_proof and kind in service.WITH_PROOF else None,
            store=store,
        )
        # Requests run in sessions of their own: they must see the row and its events.
        db_session.flush()
        return row

    return factory


def academic(contract):  # type: ignore[no-untyped-def]
    return contract.current_period.academic_tutor


def company(contract):  # type: ignore[no-untyped-def]
    return contract.current_period.company_tutor
