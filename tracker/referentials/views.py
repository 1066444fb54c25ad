"""Referential pages: list, one certification version, export, import with review."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.errors import DomainError, ImportFileError
from tracker.extensions import db
from tracker.i18n import _
from tracker.permissions import may_manage_referentials, may_view_referentials, require
from tracker.referentials import service
from tracker.referentials.forms import (
    ImportForm,
    apply_review,
    block_field_names,
    make_review_form,
    tracks_field_name,
)

bp = Blueprint("referentials", __name__, url_prefix="/referentiels")


@bp.get("/")
@require(may_view_referentials)
def index() -> str:
    return render_template(
        "referentials/index.html", summaries=service.list_certifications(db.session)
    )


@bp.get("/<code>")
@bp.get("/<code>/v<int:version>")
@require(may_view_referentials)
def detail(code: str, version: int | None = None) -> str:
    certification = service.get_certification(db.session, code.upper(), version)
    return render_template(
        "referentials/detail.html",
        certification=certification,
        versions=service.versions_of(db.session, certification.code),
    )


@bp.get("/<code>/v<int:version>/export/<fmt>")
@require(may_manage_referentials)
def export(code: str, version: int, fmt: str) -> Response:
    if fmt not in service.EXPORT_FORMATS:
        abort(404)
    certification = service.get_certification(db.session, code, version)
    exported = service.export(certification, fmt, base_uri=current_app.config["CASE_BASE_URI"])
    return Response(
        exported.content.encode("utf-8"),
        mimetype=exported.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@bp.route("/importer", methods=["GET", "POST"])
@require(may_manage_referentials)
def start_import() -> Response | str:
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = service.read_file(
                db.session,
                upload.stream,
                fmt=form.fmt.data,
                numbers=form.fiche_numbers(),
                max_bytes=current_app.config["MAX_IMPORT_BYTES"],
            )
            draft = service.create_draft(
                db.session,
                user_id=current_user.id,
                proposals=result.proposals,
                source=result.format,
                source_name=upload.filename or "",
            )
        except ImportFileError as error:
            db.session.rollback()
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("referentials.review", token=draft.token))
    return render_template("referentials/import.html", form=form)


@bp.route("/importer/<token>", methods=["GET", "POST"])
@require(may_manage_referentials)
def review(token: str) -> Response | str:
    draft = service.get_draft(db.session, token, current_user.id)
    proposals = service.draft_proposals(draft)
    form = make_review_form(proposals, formdata=request.form if request.method == "POST" else None)
    action = request.form.get("action")
    if request.method == "POST" and action == "cancel" and form.validate():
        db.session.delete(draft)
        db.session.commit()
        flash(_("Import abandonné : rien n'a été enregistré."), "info")
        return redirect(url_for("referentials.index"))
    if request.method == "POST" and form.validate() and apply_review(form, proposals):
        service.update_draft(draft, proposals)
        if action == "save":
            try:
                outcomes = service.confirm_draft(db.session, draft)
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                for outcome in outcomes:
                    cert = outcome.certification
                    if outcome.created:
                        message = _(
                            "%(code)s enregistrée en version %(version)s.",
                            code=cert.code,
                            version=cert.version,
                        )
                    else:
                        message = _(
                            "%(code)s est déjà à jour (version %(version)s) : "
                            "aucune nouvelle version créée.",
                            code=cert.code,
                            version=cert.version,
                        )
                    flash(message, "success")
                first = outcomes[0].certification
                return redirect(
                    url_for("referentials.detail", code=first.code, version=first.version)
                )
        else:
            db.session.commit()
            flash(_("Aperçu mis à jour : rien n'est encore enregistré."), "info")
            form = make_review_form(proposals)
    return render_template(
        "referentials/review.html",
        form=form,
        proposals=proposals,
        draft=draft,
        block_field_names=block_field_names,
        tracks_field_name=tracks_field_name,
    )


def level_label(level: str | None) -> str:
    """``NIV7`` → "Niveau 7"; a fiche without European level says so."""
    if not level:
        return _("Sans niveau européen")
    return _("Niveau %(n)s", n=level.removeprefix("NIV"))


@bp.context_processor
def referential_helpers() -> dict[str, object]:
    return {
        "can_manage": may_manage_referentials(current_user),
        "level_label": level_label,
    }
