"""The jury dossier of a contract: its status page, preparing it (a background job), its
download, and the public page that checks a printed dossier's verification code.

No view renders a PDF: rendering takes about a second and runs in the workers
(``tracker.jobs``); pages only look the cache up.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user

from tracker.auth.models import Role
from tracker.dossiers import privacy as _privacy  # noqa: F401 - registers the export section
from tracker.dossiers import service
from tracker.dossiers.models import DossierRecord
from tracker.extensions import db, limiter
from tracker.people.models import Apprenticeship
from tracker.people.service import get_apprenticeship
from tracker.permissions import may_view_dossier, may_view_livret, public

bp = Blueprint("dossiers", __name__)

# The public verification page is rate-limited per client address: codes carry 50 bits,
# and this keeps anyone from walking through them.
VERIFY_LIMITS = "30 per minute;300 per hour"


def _verify_limits() -> str:
    return str(current_app.config.get("VERIFY_LIMITS") or VERIFY_LIMITS)


def _dossier_scope(apprenticeship_id: int) -> Apprenticeship:
    """The contract, if the signed-in user may see its dossier; 404 otherwise (its very
    existence is not theirs to know)."""
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    user = current_user._get_current_object()
    sits = False
    if user.has_role(Role.JURY):
        from tracker.jury.service import sits_on_jury_of

        sits = sits_on_jury_of(db.session, user.id, apprenticeship.id)
    if not may_view_dossier(user, apprenticeship, sits_on_jury=sits):
        abort(404)
    return apprenticeship


@bp.get("/contrats/<int:apprenticeship_id>/dossier")
def show(apprenticeship_id: int) -> str:
    apprenticeship = _dossier_scope(apprenticeship_id)
    status = service.dossier_status(db.session, apprenticeship)
    return render_template(
        "dossiers/show.html",
        apprenticeship=apprenticeship,
        status=status,
        code=service.format_code,
        verification_url=service.verification_url,
        livret_link=may_view_livret(current_user, apprenticeship),
    )


@bp.post("/contrats/<int:apprenticeship_id>/dossier/preparer")
def prepare(apprenticeship_id: int) -> Response:
    """Start rendering the dossier in the background, then follow the job's progress
    (back to the status page when the current data's dossier is ready already)."""
    apprenticeship = _dossier_scope(apprenticeship_id)
    if service.dossier_status(db.session, apprenticeship).ready:
        return redirect(url_for("dossiers.show", apprenticeship_id=apprenticeship.id))
    from tracker.jobs.service import start_dossier_job

    job = start_dossier_job(
        db.session,
        apprenticeship_ids=[apprenticeship.id],
        archive_name=None,
        requested_by_id=current_user.id,
    )
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/contrats/<int:apprenticeship_id>/dossier.pdf")
def download(apprenticeship_id: int) -> Response:
    """The PDF of the current data only: when the data changed since the last dossier,
    back to the status page, which says a new one must be prepared."""
    apprenticeship = _dossier_scope(apprenticeship_id)
    found = service.cached_dossier(db.session, apprenticeship)
    if found is None:
        return redirect(url_for("dossiers.show", apprenticeship_id=apprenticeship.id))
    if not found.path.is_file():
        abort(404)
    # Read at once (a dossier is some hundred kilobytes): no file handle outlives the request.
    return send_file(
        io.BytesIO(found.path.read_bytes()),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=found.filename,
        conditional=False,
        etag=False,
    )


@bp.get("/verify/<code>")
@public
@limiter.limit(_verify_limits)
def verify(code: str) -> tuple[str, int] | str:
    """Public: whether a printed dossier still matches the data in the database. Shows
    only what the dossier itself carries on its cover (apprentice, certification, date)."""
    row: DossierRecord | None = service.record_by_code(db.session, code)
    if row is None:
        return render_template("dossiers/verify_unknown.html", code=code[:40]), 404
    result = service.verify(db.session, row)
    return render_template(
        "dossiers/verify.html",
        row=row,
        matches=result.matches,
        code=service.format_code(row.code),
    )
