"""The progress of a job: its page (a progress bar that works without JavaScript by a
refresh, and with it by polling the JSON status), its status, and its zip."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.errors import NotFound
from tracker.extensions import db
from tracker.i18n import _
from tracker.jobs import service
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.tasks import archive_store
from tracker.permissions import may_view_job

bp = Blueprint("jobs", __name__, url_prefix="/taches")

POLL_SECONDS = 1.5  # the script's polling interval
REFRESH_SECONDS = 3  # without JavaScript, the page reloads itself this often


def _job(job_id: int) -> Job:
    """The job if it is the user's (or they are a manager); 404 for anyone else."""
    try:
        job = service.get_job(db.session, job_id)
    except NotFound:
        abort(404)
    if not may_view_job(current_user, job):
        abort(404)
    return job


def _progress_text(job: Job) -> str:
    return _("%(done)s / %(total)s dossiers", done=job.processed_count, total=job.total)


def _status_text(job: Job) -> str:
    """The job's state in one sentence: the text screen readers hear when it changes
    (so it says nothing of the count, which moves all the time)."""
    if job.status == JobStatus.QUEUED:
        return _("En attente d'un processus de rendu…")
    if job.status == JobStatus.RUNNING:
        return _("Préparation en cours…")
    made = job.processed_count - job.failed_count
    if job.status == JobStatus.DONE:
        if job.failed_count:
            return _(
                "Préparation terminée : %(made)s dossier(s) prêt(s) sur %(total)s ; "
                "%(failed)s en échec, voir ci-dessous.",
                made=made,
                total=job.total,
                failed=job.failed_count,
            )
        return _("Préparation terminée : %(total)s dossier(s) prêt(s).", total=job.total)
    return _("La préparation a échoué.")


def _subject(job: Job) -> str:
    if job.archive_name is not None:
        return _(
            "Archive « %(name)s » : %(count)s dossier(s).", name=job.archive_name, count=job.total
        )
    if job.total == 1:
        names = service.apprentice_names(db.session, job)
        return _("Dossier de %(name)s.", name=next(iter(names.values()), ""))
    return _("%(count)s dossier(s).", count=job.total)


def _download_url(job: Job) -> str | None:
    if job.status == JobStatus.DONE and job.result_name:
        return url_for("jobs.download", job_id=job.id)
    return None


def _dossier_url(job: Job) -> str | None:
    """For a single dossier prepared into the cache: its page, once the job is over."""
    if job.archive_name is not None or job.total != 1 or not job.finished:
        return None
    apprenticeship_id = service.first_apprenticeship_id(db.session, job)
    return url_for("dossiers.show", apprenticeship_id=apprenticeship_id)


@bp.get("/<int:job_id>")
def show(job_id: int) -> str:
    job = _job(job_id)
    return render_template(
        "jobs/show.html",
        job=job,
        subject=_subject(job),
        progress_text=_progress_text(job),
        status_text=_status_text(job),
        failures=service.failures(db.session, job),
        download_url=_download_url(job),
        dossier_url=_dossier_url(job),
        stuck=service.is_stuck(job),
        poll_ms=int(POLL_SECONDS * 1000),
        refresh_seconds=REFRESH_SECONDS,
    )


@bp.get("/<int:job_id>/etat")
def status(job_id: int) -> Response:
    job = _job(job_id)
    payload: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "finished": job.finished,
        "total": job.total,
        "processed": job.processed_count,
        "failed": job.failed_count,
        "progress_text": _progress_text(job),
        "status_text": _status_text(job),
        "download_url": _download_url(job),
    }
    return jsonify(payload)


@bp.get("/<int:job_id>/archive.zip")
def download(job_id: int) -> Response:
    job = _job(job_id)
    if job.status != JobStatus.DONE or not job.result_name:
        abort(404)
    store = archive_store()
    path = store.path(job.result_name)
    if not path.is_file():
        abort(404)
    # Read at once, as the other stored files are (tracker.situations.storage.send_stored):
    # no file handle outlives the request; a jury's zip is a few tens of MB at most.
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{job.archive_name}.zip",
        conditional=False,
        etag=False,
    )
