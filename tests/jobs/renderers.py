"""A dossier renderer for the worker tests, named in the ``JOB_DOSSIER_RENDERER`` setting
so that the worker processes use it too: the real ``render_dossier``, except for the
apprentices whose name says the test wants their dossier to fail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.errors import DomainError
from tracker.people.models import Apprenticeship
from tracker.situations.storage import upload_root

CRASH = "Panne"  # an unexpected error: a generic reason, the traceback in the log
REFUSED = "Refus"  # a domain error: its own French message
REFUSAL = "Ce dossier ne peut pas être préparé pour le test."


def render_unless_marked(session: Session, apprenticeship_id: int) -> Any:
    from tracker.dossiers.service import render_dossier

    name = session.scalar(
        select(User.name)
        .join(Apprenticeship, Apprenticeship.apprentice_id == User.id)
        .where(Apprenticeship.id == apprenticeship_id)
    )
    if name and name.startswith(CRASH):
        raise RuntimeError(f"simulated crash while rendering {apprenticeship_id}")
    if name and name.startswith(REFUSED):
        raise DomainError(REFUSAL)
    return render_dossier(session, apprenticeship_id)


@dataclass(frozen=True)
class FakeDossier:
    path: Path
    filename: str


def render_fake(session: Session, apprenticeship_id: int) -> FakeDossier:
    """A stand-in PDF, for tests about the job itself rather than the dossier (and that run
    the worker in the test process: WeasyPrint's PDF/A leaves a file open that pytest
    reports)."""
    folder = upload_root() / "fake-dossiers"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{apprenticeship_id}.pdf"
    path.write_bytes(b"%PDF-1.4\n% stand-in\n%%EOF\n")
    return FakeDossier(path, f"dossier-{apprenticeship_id}.pdf")
