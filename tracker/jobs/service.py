"""Starting jobs, dispatching them once committed, and reading them for the pages.

``start_dossier_job`` adds the job and its items and flushes; the job is handed to the
workers only after the caller's transaction commits (a session hook, as for stored files
in ``tracker.situations.storage``), so a worker never looks for a row that is not there,
and a rolled-back request starts nothing. Where it goes is ``JOB_RUNNER``: RQ when
``REDIS_URL`` is set ("auto"), a local worker process otherwise.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.errors import DomainError, NotFound
from tracker.i18n import _
from tracker.jobs.models import FINISHED, ItemStatus, Job, JobItem, JobKind, JobStatus
from tracker.people.models import Apprenticeship

log = logging.getLogger(__name__)

_TO_DISPATCH = "jobs.to_dispatch"
ARCHIVE_NAME_LENGTH = 100
# A job that has not moved for this long is said to be stuck on its page; an unfinished
# single-dossier job younger than this is reused instead of starting the same work twice.
STALE_AFTER = timedelta(minutes=10)


# --- Starting -------------------------------------------------------------------------------


def clean_archive_name(name: str) -> str:
    """A zip's name that is safe as a download name: letters, digits, dots, dashes and
    underscores (spaces become dashes), no path, at most 100 characters."""
    text = unicodedata.normalize("NFC", name).strip()
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"[^\w.\-]", "", text)
    text = re.sub(r"-{2,}", "-", text).strip(".-_")
    text = text.removesuffix(".zip")
    return text[:ARCHIVE_NAME_LENGTH]


def start_dossier_job(
    session: Session,
    *,
    apprenticeship_ids: Sequence[int],
    archive_name: str | None,
    requested_by_id: int,
) -> Job:
    """A job rendering the dossiers of ``apprenticeship_ids`` (in this order, repeats
    ignored): into the cache only (``archive_name`` None, the dossier page), or also into
    one zip named ``archive_name`` (a jury session's dossiers). Flushes; the job goes to
    the workers once the caller commits.

    A second request for the same single dossier by the same person while the first is
    still moving returns the first job."""
    ids = list(dict.fromkeys(int(i) for i in apprenticeship_ids))
    if not ids:
        raise DomainError(_("Aucun dossier à préparer."))
    known = set(session.scalars(select(Apprenticeship.id).where(Apprenticeship.id.in_(ids))))
    if len(known) != len(ids):
        raise NotFound(_("Contrat introuvable."))
    if archive_name is not None:
        archive_name = clean_archive_name(archive_name)
        if not archive_name:
            raise DomainError(_("Donnez un nom à l'archive des dossiers."))
    elif len(ids) == 1:
        running = _running_single_job(session, ids[0], requested_by_id)
        if running is not None:
            return running
    job = Job(
        kind=JobKind.DOSSIERS.value,
        archive_name=archive_name,
        total=len(ids),
        requested_by_id=requested_by_id,
        items=[JobItem(position=i, apprenticeship_id=a) for i, a in enumerate(ids)],
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor_id=requested_by_id,
        action="job.started",
        object_type="job",
        object_id=job.id,
        after={"kind": job.kind, "apprenticeships": ids, "archive_name": archive_name},
    )
    dispatch_after_commit(session, job)
    return job


def _running_single_job(session: Session, apprenticeship_id: int, user_id: int) -> Job | None:
    recent = datetime.now(UTC) - STALE_AFTER
    return session.scalar(
        select(Job)
        .join(JobItem)
        .where(
            Job.requested_by_id == user_id,
            Job.archive_name.is_(None),
            Job.total == 1,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
            Job.updated_at >= recent,
            JobItem.apprenticeship_id == apprenticeship_id,
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


# --- Dispatching after the commit -------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    """What a worker needs to find a committed job: its id and its items' ids."""

    job_id: int
    item_ids: tuple[int, ...]


def dispatch_after_commit(session: Session, job: Job) -> None:
    """Hand ``job`` (flushed) to the workers once the session's transaction commits."""
    pending = Dispatch(job.id, tuple(item.id for item in job.items))
    session.info.setdefault(_TO_DISPATCH, []).append(pending)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # A savepoint's commit is not the end of the story: wait for the outer transaction.
    if session.in_nested_transaction():
        return
    for pending in session.info.pop(_TO_DISPATCH, []):
        dispatch(pending)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Still listed: the transaction did not commit, there is no job to run.
        session.info.pop(_TO_DISPATCH, None)


def runner() -> str:
    """Where jobs go: "rq", "local" or "none" (``JOB_RUNNER``; "auto" is RQ with Redis)."""
    chosen = str(current_app.config.get("JOB_RUNNER") or "auto").lower()
    if chosen == "auto":
        return "rq" if current_app.config.get("REDIS_URL") else "local"
    if chosen not in {"rq", "local", "none"}:
        raise ValueError(f"JOB_RUNNER must be auto, rq, local or none, not {chosen!r}")
    return chosen


def dispatch(pending: Dispatch) -> None:
    """Send a committed job to its workers. Runs after the commit, outside any transaction
    of the caller's session: a failure to reach the workers is logged and recorded on the
    job through a connection of its own, never raised into the request that committed."""
    chosen = runner()
    if chosen == "none":
        return
    try:
        if chosen == "rq":
            from tracker.jobs.queue import enqueue

            enqueue(current_app, pending.job_id, pending.item_ids)
        else:
            from tracker.jobs.local import spawn

            spawn(current_app, pending.job_id)
    except Exception:
        log.exception("job %s: could not be handed to the %s workers", pending.job_id, chosen)
        _fail_undispatched(pending.job_id)


def _fail_undispatched(job_id: int) -> None:
    from tracker.extensions import db

    now = datetime.now(UTC)
    message = _(
        "Le service de préparation des dossiers est injoignable : réessayez dans quelques "
        "minutes, ou prévenez l'équipe technique si cela dure."
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED.value]))
                .values(status=JobStatus.FAILED.value, error=message, finished_at=now)
            )
    except Exception:
        log.exception("job %s: could not be marked failed", job_id)


# --- Reading ----------------------------------------------------------------------------------


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(_("Tâche introuvable."))
    return job


@dataclass(frozen=True)
class Failure:
    """A dossier that could not be made, for the page and the zip's report."""

    apprenticeship_id: int
    apprentice: str
    message: str


def failures(session: Session, job: Job) -> list[Failure]:
    """The job's failed dossiers with the apprentice's name, in the job's order (one query)."""
    if not job.failed_count:
        return []
    rows = session.execute(
        select(JobItem.apprenticeship_id, User.name, JobItem.message)
        .join(Apprenticeship, Apprenticeship.id == JobItem.apprenticeship_id)
        .join(User, User.id == Apprenticeship.apprentice_id)
        .where(JobItem.job_id == job.id, JobItem.status == ItemStatus.FAILED.value)
        .order_by(JobItem.position)
    )
    return [Failure(*row) for row in rows]


def apprentice_names(session: Session, job: Job) -> dict[int, str]:
    """Apprenticeship id → apprentice's name for the job's items (one query)."""
    rows = session.execute(
        select(Apprenticeship.id, User.name)
        .join(User, User.id == Apprenticeship.apprentice_id)
        .join(JobItem, JobItem.apprenticeship_id == Apprenticeship.id)
        .where(JobItem.job_id == job.id)
    )
    return dict(rows.tuples().all())


def first_apprenticeship_id(session: Session, job: Job) -> int:
    return session.scalars(
        select(JobItem.apprenticeship_id)
        .where(JobItem.job_id == job.id)
        .order_by(JobItem.position)
        .limit(1)
    ).one()


def is_stuck(job: Job, now: datetime | None = None) -> bool:
    """Not finished and without any progress for ``STALE_AFTER``: no worker is on it."""
    now = now or datetime.now(UTC)
    return job.status not in FINISHED and now - job.updated_at > STALE_AFTER
