"""Work situations of a contract: list (filtered by competence), record, edit, delete,
files (upload, download as attachment, removal) and the tutors' comments."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import _
from tracker.people.models import Apprenticeship
from tracker.people.service import get_apprenticeship, load_track_blocks
from tracker.permissions import (
    has_full_view,
    may_comment_situation,
    may_edit_situations,
    may_view_apprenticeship,
    may_view_situation,
)
from tracker.situations import privacy as _privacy  # noqa: F401 - registers the export sections
from tracker.situations import service, storage
from tracker.situations.forms import (
    CommentForm,
    DeleteForm,
    FileForm,
    FilterForm,
    make_situation_form,
    situation_data,
)
from tracker.situations.models import WorkSituation

bp = Blueprint("situations", __name__)


def _contract(apprenticeship_id: int) -> Apprenticeship:
    """The contract, if the user may see it; 404 otherwise (not even its existence)."""
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    if not may_view_apprenticeship(current_user, apprenticeship):
        abort(404)
    return apprenticeship


def _situation(apprenticeship_id: int, situation_id: int) -> tuple[Apprenticeship, WorkSituation]:
    apprenticeship = _contract(apprenticeship_id)
    situation = service.get_situation(db.session, apprenticeship, situation_id)
    if not may_view_situation(current_user, apprenticeship, situation):
        abort(404)
    return apprenticeship, situation


def _editable(apprenticeship_id: int, situation_id: int) -> tuple[Apprenticeship, WorkSituation]:
    apprenticeship, situation = _situation(apprenticeship_id, situation_id)
    if not may_edit_situations(current_user, apprenticeship):
        abort(403)
    return apprenticeship, situation


def _max_file_bytes() -> int:
    return int(current_app.config["SITUATION_FILE_MAX_MB"]) * 1024 * 1024


def _detail_url(situation: WorkSituation) -> str:
    return url_for(
        "situations.detail",
        apprenticeship_id=situation.apprenticeship_id,
        situation_id=situation.id,
    )


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """A file's size for people: kilo-octets below 1 Mo, mega-octets with one decimal above."""
    if size < 1024 * 1024:
        return _("%(n)s Ko", n=format_decimal(max(1, math.ceil(size / 1024))))
    return _("%(n)s Mo", n=format_decimal(round(size / (1024 * 1024), 1)))


@bp.get("/contrats/<int:apprenticeship_id>/situations")
def index(apprenticeship_id: int) -> str:
    apprenticeship = _contract(apprenticeship_id)
    blocks = load_track_blocks(db.session, apprenticeship.cohort)
    competences = {c.id: c for block in blocks for c in block.competences}
    competence = None
    raw = request.args.get("competence")
    if raw:
        competence = competences.get(int(raw)) if raw.isascii() and raw.isdigit() else None
        if competence is None:
            abort(404)
    situations = [
        s
        for s in service.list_situations(
            db.session, apprenticeship, competence_id=competence.id if competence else None
        )
        if may_view_situation(current_user, apprenticeship, s)
    ]
    return render_template(
        "situations/index.html",
        filter_form=FilterForm(blocks, formdata=request.args),
        apprenticeship=apprenticeship,
        situations=situations,
        groups={s.id: service.linked_by_block(s, blocks) for s in situations},
        competence=competence,
        can_edit=may_edit_situations(current_user, apprenticeship),
        full_view=has_full_view(current_user, apprenticeship),
    )


@bp.route("/contrats/<int:apprenticeship_id>/situations/nouvelle", methods=["GET", "POST"])
def new(apprenticeship_id: int) -> Response | str | tuple[str, int]:
    apprenticeship = _contract(apprenticeship_id)
    if not may_edit_situations(current_user, apprenticeship):
        abort(403)
    blocks = load_track_blocks(db.session, apprenticeship.cohort)
    if request.method == "GET":
        form = make_situation_form(blocks)
        return _render_form(apprenticeship, None, form, blocks)
    form = make_situation_form(blocks, formdata=request.form)
    if not form.validate():
        return _render_form(apprenticeship, None, form, blocks), 400
    try:
        situation = service.create_situation(
            db.session, apprenticeship, form.to_input(), actor=current_user
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render_form(apprenticeship, None, form, blocks, error=str(error)), 400
    flash(_("Situation enregistrée. Vous pouvez maintenant y joindre des fichiers."), "success")
    return redirect(_detail_url(situation))


@bp.route(
    "/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/modifier",
    methods=["GET", "POST"],
)
def edit(apprenticeship_id: int, situation_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, situation = _editable(apprenticeship_id, situation_id)
    blocks = load_track_blocks(db.session, apprenticeship.cohort)
    if request.method == "GET":
        form = make_situation_form(blocks, data=situation_data(situation))
        return _render_form(apprenticeship, situation, form, blocks)
    form = make_situation_form(blocks, formdata=request.form)
    if not form.validate():
        return _render_form(apprenticeship, situation, form, blocks), 400
    version = form.version.data if form.version.data is not None else -1
    try:
        service.update_situation(
            db.session, situation, form.to_input(), version=version, actor=current_user
        )
        db.session.commit()
    except service.StaleSituation as error:
        db.session.rollback()
        return _render_conflict(apprenticeship, situation_id, form, blocks, str(error))
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        return _render_conflict(
            apprenticeship, situation_id, form, blocks, str(service.StaleSituation())
        )
    except DomainError as error:
        db.session.rollback()
        situation = service.get_situation(db.session, apprenticeship, situation_id)
        return _render_form(apprenticeship, situation, form, blocks, error=str(error)), 400
    flash(_("Situation modifiée."), "success")
    return redirect(_detail_url(situation))


def _render_form(apprenticeship, situation, form, blocks, conflict=None, error=None):  # type: ignore[no-untyped-def]
    return render_template(
        "situations/form.html",
        apprenticeship=apprenticeship,
        situation=situation,
        form=form,
        blocks=blocks,
        conflict=conflict,
        error=error,
    )


def _render_conflict(apprenticeship, situation_id, form, blocks, message) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The stale-edit page: the user's input kept in the form, the saved version shown
    next to it; the form now carries the saved version, so saving again is deliberate."""
    current = service.get_situation(db.session, apprenticeship, situation_id)
    form.version.data = current.version
    form.version.raw_data = [str(current.version)]
    conflict = {
        "message": message,
        "saved": current,
        "groups": service.linked_by_block(current, blocks),
    }
    return _render_form(apprenticeship, current, form, blocks, conflict), 409


@bp.get("/contrats/<int:apprenticeship_id>/situations/<int:situation_id>")
def detail(apprenticeship_id: int, situation_id: int) -> str:
    apprenticeship, situation = _situation(apprenticeship_id, situation_id)
    return _render_detail(apprenticeship, situation)


def _render_detail(  # type: ignore[no-untyped-def]
    apprenticeship, situation, *, file_form=None, comment_form=None, delete_form=None
) -> str:
    blocks = load_track_blocks(db.session, apprenticeship.cohort)
    return render_template(
        "situations/detail.html",
        apprenticeship=apprenticeship,
        situation=situation,
        groups=service.linked_by_block(situation, blocks),
        can_edit=may_edit_situations(current_user, apprenticeship),
        can_comment=may_comment_situation(current_user, apprenticeship, situation),
        file_form=file_form or FileForm(formdata=None),
        comment_form=comment_form or CommentForm(formdata=None),
        delete_form=delete_form or DeleteForm(formdata=None),
        max_mb=current_app.config["SITUATION_FILE_MAX_MB"],
        max_files=service.MAX_FILES,
    )


@bp.post("/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/supprimer")
def delete(apprenticeship_id: int, situation_id: int) -> Response | str:
    apprenticeship, situation = _editable(apprenticeship_id, situation_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        return _render_detail(apprenticeship, situation, delete_form=form)
    service.delete_situation(db.session, situation, actor=current_user, store=storage.get_store())
    db.session.commit()
    flash(_("Situation supprimée, avec ses fichiers et ses commentaires."), "success")
    return redirect(url_for("situations.index", apprenticeship_id=apprenticeship.id))


@bp.post("/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/fichiers")
def upload(apprenticeship_id: int, situation_id: int) -> Response | tuple[str, int] | str:
    apprenticeship, situation = _editable(apprenticeship_id, situation_id)
    form = FileForm()
    if not form.validate_on_submit():
        return _render_detail(apprenticeship, situation, file_form=form)
    uploaded = form.file.data
    try:
        service.add_file(
            db.session,
            situation,
            filename=uploaded.filename or "",
            stream=uploaded.stream,
            max_bytes=_max_file_bytes(),
            actor=current_user,
            store=storage.get_store(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(error)]
        situation = service.get_situation(db.session, apprenticeship, situation_id)
        return _render_detail(apprenticeship, situation, file_form=form), 400
    flash(_("Fichier ajouté."), "success")
    return redirect(_detail_url(situation))


@bp.get("/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/fichiers/<int:file_id>")
def download(apprenticeship_id: int, situation_id: int, file_id: int) -> Response:
    _apprenticeship, situation = _situation(apprenticeship_id, situation_id)
    attached = service.get_file(situation, file_id)
    return storage.send_stored(
        storage.get_store(), attached.stored_name, attached.media_type, attached.original_name
    )


@bp.post(
    "/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/fichiers/<int:file_id>/supprimer"
)
def remove_file(apprenticeship_id: int, situation_id: int, file_id: int) -> Response:
    _apprenticeship, situation = _editable(apprenticeship_id, situation_id)
    attached = service.get_file(situation, file_id)
    service.remove_file(
        db.session, situation, attached, actor=current_user, store=storage.get_store()
    )
    db.session.commit()
    flash(_("Fichier retiré."), "success")
    return redirect(_detail_url(situation))


@bp.post("/contrats/<int:apprenticeship_id>/situations/<int:situation_id>/commentaires")
def comment(apprenticeship_id: int, situation_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, situation = _situation(apprenticeship_id, situation_id)
    if not may_comment_situation(current_user, apprenticeship, situation):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_detail(apprenticeship, situation, comment_form=form)
    try:
        service.add_comment(db.session, situation, form.body.data or "", actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(error)]
        situation = service.get_situation(db.session, apprenticeship, situation_id)
        return _render_detail(apprenticeship, situation, comment_form=form), 400
    flash(_("Commentaire publié."), "success")
    return redirect(_detail_url(situation) + "#commentaires")
