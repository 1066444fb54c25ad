"""Fixtures of the work-situation tests: a folder of uploads per test, a contract, files
of every kind (valid and hostile), and a shortcut to record a situation."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from tracker.evaluations.service import track_competences
from tracker.situations import service
from tracker.situations.storage import FileStore

# A minimal but well-formed PDF (one empty page).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "steelblue").save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def png() -> bytes:
    return image_bytes("PNG")


@pytest.fixture
def jpeg() -> bytes:
    return image_bytes("JPEG")


@pytest.fixture
def upload_dir(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """Every test stores its files in a folder of its own."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def store(upload_dir: Path) -> FileStore:
    return FileStore(upload_dir / "situations")


def stored_files(upload_dir: Path) -> list[Path]:
    folder = upload_dir / "situations"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def contract(db_session, make_apprenticeship):  # type: ignore[no-untyped-def]
    return make_apprenticeship()


def situation_input(contract, **changes) -> service.SituationInput:  # type: ignore[no-untyped-def]
    year = contract.cohort.start_year
    values = {
        "title": "Reprise de la gamme d'usinage d'un carter",
        "starts_on": date(year, 10, 6),
        "ends_on": date(year, 11, 14),
        "company_context": "Atelier d'usinage 5 axes.",
        "what_was_done": "Analyse des rebuts, nouvelle gamme, essai sur 20 pièces.",
        "competence_ids": frozenset(c.id for c in track_competences(contract.cohort)[:1]),
    }
    values.update(changes)
    return service.SituationInput(**values)


@pytest.fixture
def make_situation(db_session, contract):  # type: ignore[no-untyped-def]
    """Factory: a situation of ``contract`` (or of the given one) recorded by its apprentice."""

    def factory(apprenticeship=None, **changes):  # type: ignore[no-untyped-def]
        apprenticeship = apprenticeship or contract
        situation = service.create_situation(
            db_session,
            apprenticeship,
            situation_input(apprenticeship, **changes),
            actor=apprenticeship.apprentice,
        )
        # Requests run in sessions of their own: they must see the audit event too.
        db_session.flush()
        return situation

    return factory
