"""What the workers run, on RQ or locally: one dossier (``render_item``), then the end of
the job (``finish_job``: the zip and the final status). Both run in an application
context and commit their own work; both are idempotent (an item already processed, a job
already finished, is left alone), so a job retried or resumed never counts twice.

A dossier that fails is recorded with a French reason and the batch goes on; the
traceback goes to the worker's log, never to the page. On SQLite two workers writing at
the same time would lose most races: a dossier's transaction reads its data, spends a
second rendering, then writes, and SQLite refuses a write from a transaction whose
snapshot another worker's commit has made stale ("database is locked", at once). Worker
connections therefore start a fresh transaction holding the write lock right before a
transaction's first write (``isolate_writes``); a race lost all the same is tried again
a few times before the dossier counts as failed.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import _
from tracker.jobs.models import FINISHED, ItemStatus, Job, JobItem, JobStatus
from tracker.situations.storage import FileStore, upload_root

log = logging.getLogger(__name__)

# The function rendering one dossier, as "module:name" (a setting so that tests can put a
# failing dossier into a batch run by other processes).
DEFAULT_RENDERER = "tracker.dossiers.service:render_dossier"
WRITE_ATTEMPTS = 6
REPORT_NAME = "LISEZMOI.txt"


# --- SQLite: writes in a transaction of their own ---------------------------------------------

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT"})
_WRITING = "livret.jobs.writing"


def isolate_writes(engine: Engine) -> None:
    """On SQLite, make the first write of each transaction of ``engine`` end the read
    snapshot and take the write lock (``BEGIN IMMEDIATE``, which waits for the lock instead
    of failing): what was read before stays one consistent snapshot, the writes are one
    atomic transaction that cannot be refused for a stale snapshot, and nothing holds the
    lock while a PDF is laid out. For the workers' engines only (PostgreSQL needs nothing:
    its writes lock rows, not the database)."""
    if engine.dialect.name != "sqlite" or event.contains(
        engine, "before_cursor_execute", _before_first_write
    ):
        return
    event.listen(engine, "before_cursor_execute", _before_first_write)
    event.listen(engine, "commit", _transaction_over)
    event.listen(engine, "rollback", _transaction_over)
    event.listen(engine, "checkin", _checked_in)


def _before_first_write(connection, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
    if connection.info.get(_WRITING):
        return
    words = statement.split(None, 1)
    if not words or words[0].upper() not in _WRITES:
        return
    connection.info[_WRITING] = True
    raw = connection.connection.dbapi_connection
    if raw.in_transaction:
        raw.execute("COMMIT")  # only reads so far: nothing is lost
    raw.execute("BEGIN IMMEDIATE")


def _transaction_over(connection) -> None:  # type: ignore[no-untyped-def]
    connection.info.pop(_WRITING, None)


def _checked_in(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    record.info.pop(_WRITING, None)


def archive_store() -> FileStore:
    """Where finished zips are kept: ``<upload root>/jobs``, under random names."""
    return FileStore(upload_root() / "jobs")


def _renderer() -> Callable[[Session, int], Any]:
    module, _sep, name = str(
        current_app.config.get("JOB_DOSSIER_RENDERER") or DEFAULT_RENDERER
    ).partition(":")
    return getattr(import_module(module), name)


def _now() -> datetime:
    return datetime.now(UTC)


# --- Starting ---------------------------------------------------------------------------------


def start_job(job_id: int, *, resume: bool = False) -> bool:
    """Mark the job running (from queued, or also from running when ``resume``); False
    when it is not there to start (finished, unknown, or taken by another runner)."""
    allowed = [JobStatus.QUEUED.value] + ([JobStatus.RUNNING.value] if resume else [])
    now = _now()
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(allowed))
        .values(
            status=JobStatus.RUNNING.value,
            started_at=func.coalesce(Job.started_at, now),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def pending_items(job_id: int) -> list[int]:
    ids = list(
        db.session.scalars(
            select(JobItem.id)
            .where(JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING.value)
            .order_by(JobItem.position)
        )
    )
    db.session.commit()
    return ids


# --- One dossier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: ItemStatus
    message: str = ""
    filename: str = ""
    pdf_path: str = ""


def _failure_message(job_id: int) -> str:
    return _(
        "Erreur inattendue pendant la préparation de ce dossier ; l'équipe technique en "
        "trouvera le détail dans le journal des tâches (tâche %(job)s).",
        job=job_id,
    )


def render_item(item_id: int) -> Outcome | None:
    """Render the dossier of one item and record the outcome with the job's counters, in
    one transaction with what the renderer wrote. None: the item was processed already."""
    isolate_writes(db.engine)
    session = db.session
    row = session.execute(
        select(JobItem.job_id, JobItem.apprenticeship_id, JobItem.status).where(
            JobItem.id == item_id
        )
    ).one_or_none()
    session.rollback()
    if row is None or row.status != ItemStatus.PENDING:
        return None
    job_id, apprenticeship_id = row.job_id, row.apprenticeship_id
    # RQ: the first dossier taken starts the job (a local runner has started it already).
    _mark_running(job_id)
    outcome: Outcome | None = None
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            rendered = _renderer()(session, apprenticeship_id)
            outcome = Outcome(
                ItemStatus.DONE,
                filename=_archive_filename(rendered.filename, apprenticeship_id),
                pdf_path=str(rendered.path),
            )
            _record(session, item_id, job_id, outcome)
            session.commit()
            return outcome
        except DomainError as error:
            session.rollback()
            outcome = Outcome(ItemStatus.FAILED, message=str(error) or _failure_message(job_id))
            break
        except Exception as error:
            session.rollback()
            if is_write_conflict(error) and attempt < WRITE_ATTEMPTS:
                log.info("job %s: item %s lost a write race, trying again", job_id, item_id)
                time.sleep(0.05 * attempt)
                continue
            log.exception(
                "job %s: the dossier of apprenticeship %s failed", job_id, apprenticeship_id
            )
            outcome = Outcome(ItemStatus.FAILED, message=_failure_message(job_id))
            break
    assert outcome is not None
    _record_alone(item_id, job_id, outcome)
    return outcome


def _mark_running(job_id: int) -> None:
    now = _now()
    _write_alone(
        lambda session: session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.RUNNING.value, started_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )


def _record(session: Session, item_id: int, job_id: int, outcome: Outcome) -> bool:
    """Set the item's outcome and move the job's counters (atomic UPDATEs, so workers on
    several machines count right); False when the item had been processed meanwhile."""
    now = _now()
    result = session.execute(
        update(JobItem)
        .where(JobItem.id == item_id, JobItem.status == ItemStatus.PENDING.value)
        .values(
            status=outcome.status.value,
            message=outcome.message,
            filename=outcome.filename,
            pdf_path=outcome.pdf_path,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    failed = 1 if outcome.status is ItemStatus.FAILED else 0
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            processed_count=Job.processed_count + 1,
            failed_count=Job.failed_count + failed,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return True


def _record_alone(item_id: int, job_id: int, outcome: Outcome) -> None:
    _write_alone(lambda session: _record(session, item_id, job_id, outcome))


def _write_alone(write: Callable[[Session], object]) -> None:
    """Run ``write`` in a short transaction of its own (statements that write first: on
    SQLite they wait for the lock instead of losing a race), committed."""
    session = db.session
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            write(session)
            session.commit()
            return
        except Exception as error:
            session.rollback()
            if not (is_write_conflict(error) and attempt < WRITE_ATTEMPTS):
                raise
            time.sleep(0.05 * attempt)


def _archive_filename(filename: str, apprenticeship_id: int) -> str:
    name = PurePosixPath(str(filename).replace("\\", "/")).name.strip()
    if not name or name.startswith("."):
        name = f"dossier-{apprenticeship_id}.pdf"
    return name[:255]


# --- The end of a job -------------------------------------------------------------------------


def finish_job(job_id: int) -> Job | None:
    """End the job once its items are processed: items still pending (their worker died)
    count as failed, the zip is written when the job asks for one, and the job is done,
    or failed when no dossier could be made or the zip could not be written. Returns the
    job, or None when there is nothing to finish."""
    isolate_writes(db.engine)
    session = db.session
    job = session.get(Job, job_id)
    if job is None or job.status in FINISHED:
        session.rollback()
        return None
    interrupted = _(
        "La préparation de ce dossier a été interrompue (processus de rendu arrêté) ; "
        "relancez la préparation."
    )
    for item in list(job.items):
        if item.status == ItemStatus.PENDING:
            _record(session, item.id, job.id, Outcome(ItemStatus.FAILED, message=interrupted))
    session.commit()
    session.refresh(job)
    done = [item for item in job.items if item.status == ItemStatus.DONE]
    result_name: str | None = None
    error = ""
    if job.archive_name is not None and done:
        try:
            result_name = write_archive(session, job)
        except Exception:
            log.exception("job %s: the zip could not be written", job.id)
            error = _("L'archive n'a pas pu être écrite ; relancez la préparation.")
    status = JobStatus.DONE if done and not error else JobStatus.FAILED
    now = _now()
    session.rollback()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
        .values(
            status=status.value,
            result_name=result_name if status is JobStatus.DONE else None,
            error=error,
            started_at=func.coalesce(Job.started_at, now),
            finished_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1 and result_name:  # type: ignore[attr-defined]
        archive_store().delete(result_name)  # another worker finished it first
    session.refresh(job)
    log.info(
        "job %s %s: %s/%s dossiers, %s failed",
        job.id,
        job.status,
        job.processed_count - job.failed_count,
        job.total,
        job.failed_count,
    )
    return job


def write_archive(session: Session, job: Job) -> str:
    """Write the zip of the job's rendered dossiers (one PDF each, plus a report of the
    failed ones) under a new random name in the archive store, atomically; return the name."""
    from tracker.jobs.service import apprentice_names, failures

    store = archive_store()
    store.root.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    lost: list[tuple[JobItem, str]] = []
    descriptor, temporary = tempfile.mkstemp(dir=store.root, prefix=".archive-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            with zipfile.ZipFile(handle, "w") as archive:
                used: set[str] = set()
                written = 0
                for item in job.items:
                    if item.status != ItemStatus.DONE:
                        continue
                    path = Path(item.pdf_path)
                    if not path.is_file():
                        lost.append((item, str(path)))
                        continue
                    archive.write(path, _unique(item.filename, used), zipfile.ZIP_STORED)
                    written += 1
                if lost:
                    _record_lost(session, job, [item for item, _path in lost])
                failed = failures(session, job)
                if failed:
                    names = apprentice_names(session, job)
                    report = _report(job, written, failed, names)
                    archive.writestr(REPORT_NAME, report, zipfile.ZIP_DEFLATED)
            handle.flush()
            os.fsync(handle.fileno())
        if not written:
            raise RuntimeError("no PDF left to put in the zip")
        os.replace(temporary, store.path(name))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def _record_lost(session: Session, job: Job, items: list[JobItem]) -> None:
    """Rendered dossiers whose PDF has gone from disk before the zip: failed after all."""
    message = _("Le PDF de ce dossier a disparu avant la création de l'archive ; relancez.")
    now = _now()
    for item in items:
        log.warning("job %s: the PDF of item %s is missing: %s", job.id, item.id, item.pdf_path)
        session.execute(
            update(JobItem)
            .where(JobItem.id == item.id)
            .values(status=ItemStatus.FAILED.value, message=message, pdf_path="", finished_at=now)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(failed_count=Job.failed_count + len(items), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(job)


def _unique(filename: str, used: set[str]) -> str:
    """``filename``, or ``name (2).pdf``... when two dossiers would share a name."""
    candidate, number = filename, 1
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    while candidate.lower() in used:
        number += 1
        candidate = f"{stem} ({number}).{suffix}" if dot else f"{stem} ({number})"
    used.add(candidate.lower())
    return candidate


def _report(job: Job, written: int, failed: list[Any], names: dict[int, str]) -> str:
    lines = [
        _("Archive « %(name)s »", name=job.archive_name),
        _(
            "%(written)s dossier(s) sur %(total)s dans cette archive.",
            written=written,
            total=job.total,
        ),
        "",
        _("Dossiers qui n'ont pas pu être préparés :"),
    ]
    for failure in failed:
        who = names.get(failure.apprenticeship_id) or failure.apprentice
        lines.append(
            _(
                "- %(name)s (contrat %(id)s) : %(reason)s",
                name=who,
                id=failure.apprenticeship_id,
                reason=failure.message,
            )
        )
    return "\r\n".join(lines) + "\r\n"  # read on Windows as often as anywhere else
