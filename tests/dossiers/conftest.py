"""Fixtures of the dossier tests: a folder of uploads (and of rendered dossiers) per test,
WeasyPrint's warnings turned into failures, a fresh rate limiter, a typical contract,
and readers of the rendered PDF."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dossiers.builders import typical_apprenticeship
from tracker.extensions import limiter


@pytest.fixture
def upload_dir(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://livret.example.org")
    return folder


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_weasyprint_warning() -> Iterator[None]:
    """Any warning or error WeasyPrint logs while a test renders fails that test: a
    missing glyph, an unknown CSS property, a resource refused are all bugs here."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
    messages = [record.getMessage() for record in collector.records]
    assert messages == [], f"WeasyPrint logged: {messages}"


@pytest.fixture
def fresh_limiter(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The verification page is rate-limited per address: a test starts afresh."""
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def typical(db_session, upload_dir):  # type: ignore[no-untyped-def]
    """A contract of RNCP39303 (33 competences) with its six semesters signed, work
    situations and conditions of award."""
    return typical_apprenticeship(db_session)


def pdf_text(path: Path | bytes, *pages: int) -> str:
    """What ``pdftotext`` reads in the PDF (``pages``: first and last page, 1-based)."""
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    if isinstance(path, bytes):
        result = subprocess.run([*args, "-", "-"], input=path, capture_output=True, check=True)
    else:
        result = subprocess.run([*args, str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def page_texts(path: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    return pdf_text(path).split("\f")[:-1]
