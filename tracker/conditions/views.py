"""Conditions of award of a contract: the checklist and the evidence of each kind, forms to
record, edit and delete it (with its proof), validation and refusal, proof download."""

from __future__ import annotations

from datetime import date
from typing import Any

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
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from tracker.conditions import privacy as _privacy  # noqa: F401 - registers the export section
from tracker.conditions import service, wording
from tracker.conditions.forms import (
    ENGLISH_TESTS,
    FORMS,
    DecisionForm,
    DeleteForm,
    RefuseForm,
    VersionedForm,
    record_data,
)
from tracker.conditions.models import EvidenceKind
from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import _
from tracker.people.models import Apprenticeship
from tracker.people.service import get_apprenticeship
from tracker.permissions import (
    may_delete_condition,
    may_enter_condition,
    may_validate_conditions,
    may_view_apprenticeship,
    may_view_conditions,
)
from tracker.situations.storage import send_stored

bp = Blueprint("conditions", __name__)

# The kinds of evidence as they appear in addresses, in French like the rest of the UI.
SLUGS = {
    "anglais": EvidenceKind.ENGLISH,
    "mobilite": EvidenceKind.MOBILITY,
    "rapport-soutenance": EvidenceKind.FINAL_ASSESSMENT,
    "avis-entreprise": EvidenceKind.COMPANY_OPINION,
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}
BASE = "/contrats/<int:apprenticeship_id>/conditions"
RECORD = BASE + "/<kind>/<int:record_id>"


def _contract(apprenticeship_id: int) -> Apprenticeship:
    """The contract, if the user may read its conditions: 404 when they may not even see
    the contract, 403 for a former tutor."""
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    if not may_view_apprenticeship(current_user, apprenticeship):
        abort(404)
    if not may_view_conditions(current_user, apprenticeship):
        abort(403)
    return apprenticeship


def _kind(slug: str) -> EvidenceKind:
    if slug not in SLUGS:
        abort(404)
    return SLUGS[slug]


def _record(apprenticeship_id: int, slug: str, record_id: int) -> tuple[Apprenticeship, Any]:
    apprenticeship = _contract(apprenticeship_id)
    row = service.get_record(db.session, apprenticeship, _kind(slug), record_id)
    return apprenticeship, row


def _index_url(apprenticeship: Apprenticeship, kind: EvidenceKind | None = None) -> str:
    anchor = f"#{SLUG_OF[kind]}" if kind is not None else ""
    return url_for("conditions.index", apprenticeship_id=apprenticeship.id) + anchor


def _max_file_bytes() -> int:
    config = current_app.config
    return int(config.get("CONDITION_FILE_MAX_MB", config["SITUATION_FILE_MAX_MB"])) * 1024 * 1024


def _max_mb() -> int:
    return _max_file_bytes() // (1024 * 1024)


def _uploaded(form: VersionedForm) -> service.ProofUpload | None:
    field = getattr(form, "proof", None)
    data = field.data if field is not None else None
    if not isinstance(data, FileStorage) or not data.filename:
        return None
    return service.ProofUpload(data.filename, data.stream, _max_file_bytes())


# --- The page -------------------------------------------------------------------------------


@bp.get(BASE)
def index(apprenticeship_id: int) -> str:
    return _render_index(_contract(apprenticeship_id))


def _render_index(apprenticeship: Apprenticeship, *, error: str | None = None) -> str:
    today = date.today()
    records = service.load_records(db.session, apprenticeship)
    requirements = service.requirements_of(db.session, apprenticeship.cohort)
    kinds = service.required_kinds(requirements)
    kinds += [kind for kind in EvidenceKind if kind not in kinds and records.of(kind)]
    user = current_user
    return render_template(
        "conditions/index.html",
        apprenticeship=apprenticeship,
        items=service.checklist(db.session, apprenticeship, today),
        records=records,
        kinds=kinds,
        slugs=SLUG_OF,
        can_enter={kind: may_enter_condition(user, apprenticeship, kind) for kind in EvidenceKind},
        can_validate=may_validate_conditions(user, apprenticeship),
        deletable={
            (row.kind, row.id)
            for kind in kinds
            for row in records.of(kind)
            if may_delete_condition(user, apprenticeship, kind, row.validated)
        },
        problems={
            (row.kind, row.id): service.validation_problem(row, today)
            for kind in kinds
            for row in records.of(kind)
        },
        status_text=wording.status_text,
        result_text=wording.result_text,
        error=error,
        decision_form=DecisionForm(formdata=None),
    )


# --- Recording --------------------------------------------------------------------------------


@bp.route(BASE + "/<kind>/ajouter", methods=["GET", "POST"])
def new(apprenticeship_id: int, kind: str) -> Response | str | tuple[str, int]:
    apprenticeship = _contract(apprenticeship_id)
    evidence_kind = _kind(kind)
    if not may_enter_condition(current_user, apprenticeship, evidence_kind):
        abort(403)
    if evidence_kind == EvidenceKind.FINAL_ASSESSMENT:
        existing = service.final_assessment_of(db.session, apprenticeship)
        if existing is not None:
            return redirect(
                url_for(
                    "conditions.edit",
                    apprenticeship_id=apprenticeship.id,
                    kind=kind,
                    record_id=existing.id,
                )
            )
    form_class = FORMS[evidence_kind]
    if request.method == "GET":
        return _render_form(apprenticeship, evidence_kind, None, form_class(formdata=None))
    form = form_class()
    if not form.validate_on_submit():
        return _render_form(apprenticeship, evidence_kind, None, form), 400
    try:
        service.create_record(
            db.session,
            apprenticeship,
            form.to_input(),  # type: ignore[attr-defined]
            actor=current_user,
            today=date.today(),
            proof=_uploaded(form),
        )
        db.session.commit()
    except service.ProofRefused as error:
        db.session.rollback()
        form.proof.errors = [*form.proof.errors, str(error)]  # type: ignore[attr-defined]
        return _render_form(apprenticeship, evidence_kind, None, form), 400
    except DomainError as error:
        db.session.rollback()
        return _render_form(apprenticeship, evidence_kind, None, form, error=str(error)), 400
    flash(_saved_message(apprenticeship), "success")
    return redirect(_index_url(apprenticeship, evidence_kind))


def _saved_message(apprenticeship: Apprenticeship) -> str:
    if may_validate_conditions(current_user, apprenticeship):
        return _("Pièce enregistrée.")
    return _(
        "Pièce enregistrée : elle attend la validation du tuteur académique ou du responsable "
        "de formation."
    )


@bp.route(RECORD + "/modifier", methods=["GET", "POST"])
def edit(apprenticeship_id: int, kind: str, record_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, row = _record(apprenticeship_id, kind, record_id)
    if not may_enter_condition(current_user, apprenticeship, row.kind):
        abort(403)
    form_class = FORMS[row.kind]
    if request.method == "GET":
        return _render_form(apprenticeship, row.kind, row, form_class(data=record_data(row)))
    form = form_class()
    if not form.validate_on_submit():
        return _render_form(apprenticeship, row.kind, row, form), 400
    try:
        changed = service.update_record(
            db.session,
            row,
            form.to_input(),  # type: ignore[attr-defined]
            version=form.version_value,
            actor=current_user,
            today=date.today(),
            proof=_uploaded(form),
        )
        db.session.commit()
    except service.StaleCondition as error:
        db.session.rollback()
        return _render_conflict(apprenticeship, row.kind, record_id, form, str(error))
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        return _render_conflict(
            apprenticeship, row.kind, record_id, form, str(service.StaleCondition())
        )
    except service.ProofRefused as error:
        db.session.rollback()
        form.proof.errors = [*form.proof.errors, str(error)]  # type: ignore[attr-defined]
        row = service.get_record(db.session, apprenticeship, row.kind, record_id)
        return _render_form(apprenticeship, row.kind, row, form), 400
    except DomainError as error:
        db.session.rollback()
        row = service.get_record(db.session, apprenticeship, row.kind, record_id)
        return _render_form(apprenticeship, row.kind, row, form, error=str(error)), 400
    if changed:
        flash(_saved_message(apprenticeship), "success")
    else:
        flash(_("Rien n'a changé : la pièce est restée telle quelle."), "info")
    return redirect(_index_url(apprenticeship, row.kind))


def _render_form(  # type: ignore[no-untyped-def]
    apprenticeship, kind, row, form, *, conflict=None, error=None, delete_form=None
) -> str:
    return render_template(
        "conditions/form.html",
        apprenticeship=apprenticeship,
        kind=kind,
        slug=SLUG_OF[kind],
        row=row,
        form=form,
        conflict=conflict,
        error=error,
        delete_form=delete_form
        or DeleteForm(formdata=None, data={"version": row.version} if row else {}),
        can_delete=row is not None
        and may_delete_condition(current_user, apprenticeship, kind, row.validated),
        validator=may_validate_conditions(current_user, apprenticeship),
        english_tests=ENGLISH_TESTS,
        max_mb=_max_mb(),
        status_text=wording.status_text,
        result_text=wording.result_text,
    )


def _render_conflict(apprenticeship, kind, record_id, form, message) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The stale-edit page: the user's input kept in the form, the saved version shown next
    to it; the form now carries the saved version, so saving again is deliberate."""
    current = service.get_record(db.session, apprenticeship, kind, record_id)
    form.version.data = current.version
    form.version.raw_data = [str(current.version)]
    return (
        _render_form(apprenticeship, kind, current, form, conflict={"message": message}),
        409,
    )


@bp.post(RECORD + "/supprimer")
def delete(apprenticeship_id: int, kind: str, record_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, row = _record(apprenticeship_id, kind, record_id)
    if not may_delete_condition(current_user, apprenticeship, row.kind, row.validated):
        abort(403)
    form = DeleteForm()
    form_class = FORMS[row.kind]
    if not form.validate_on_submit():
        return _render_form(
            apprenticeship, row.kind, row, form_class(data=record_data(row)), delete_form=form
        )
    try:
        service.delete_record(db.session, row, version=form.version_value, actor=current_user)
        db.session.commit()
    except service.StaleCondition as error:
        db.session.rollback()
        current = service.get_record(db.session, apprenticeship, row.kind, record_id)
        return _render_form(
            apprenticeship,
            current.kind,
            current,
            form_class(data=record_data(current)),
            conflict={"message": str(error)},
        ), 409
    flash(_("Pièce supprimée."), "success")
    return redirect(_index_url(apprenticeship, row.kind))


# --- Decisions ----------------------------------------------------------------------------------


@bp.post(RECORD + "/valider")
def validate(apprenticeship_id: int, kind: str, record_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, row = _record(apprenticeship_id, kind, record_id)
    if not may_validate_conditions(current_user, apprenticeship):
        abort(403)
    form = DecisionForm()
    if form.version.data is None:
        flash(_("Le formulaire était incomplet : rien n'a été validé. Recommencez."), "error")
        return redirect(_index_url(apprenticeship, row.kind))
    try:
        service.validate_record(
            db.session, row, version=form.version_value, actor=current_user, today=date.today()
        )
        db.session.commit()
    except service.StaleCondition as error:
        db.session.rollback()
        return _render_index(apprenticeship, error=str(error)), 409
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        return _render_index(apprenticeship, error=str(service.StaleCondition())), 409
    except DomainError as error:
        db.session.rollback()
        return _render_index(apprenticeship, error=str(error)), 400
    flash(_("Pièce validée."), "success")
    return redirect(_index_url(apprenticeship, row.kind))


@bp.route(RECORD + "/refuser", methods=["GET", "POST"])
def refuse(apprenticeship_id: int, kind: str, record_id: int) -> Response | str | tuple[str, int]:
    apprenticeship, row = _record(apprenticeship_id, kind, record_id)
    if not may_validate_conditions(current_user, apprenticeship):
        abort(403)
    if request.method == "GET":
        form = RefuseForm(formdata=None, data={"version": row.version})
        return _render_refuse(apprenticeship, row, form)
    form = RefuseForm()
    if not form.validate_on_submit():
        return _render_refuse(apprenticeship, row, form), 400
    try:
        service.refuse_record(
            db.session,
            row,
            form.reason.data or "",
            version=form.version_value,
            actor=current_user,
        )
        db.session.commit()
    except service.StaleCondition as error:
        db.session.rollback()
        row = service.get_record(db.session, apprenticeship, row.kind, record_id)
        form.version.data = row.version
        form.version.raw_data = [str(row.version)]
        return _render_refuse(apprenticeship, row, form, error=str(error)), 409
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        row = service.get_record(db.session, apprenticeship, row.kind, record_id)
        return _render_refuse(apprenticeship, row, form, error=str(service.StaleCondition())), 409
    except DomainError as error:
        db.session.rollback()
        row = service.get_record(db.session, apprenticeship, row.kind, record_id)
        return _render_refuse(apprenticeship, row, form, error=str(error)), 400
    flash(_("Pièce refusée : le motif est affiché avec elle."), "success")
    return redirect(_index_url(apprenticeship, row.kind))


def _render_refuse(apprenticeship, row, form, *, error=None) -> str:  # type: ignore[no-untyped-def]
    return render_template(
        "conditions/refuse.html",
        apprenticeship=apprenticeship,
        row=row,
        kind=row.kind,
        slug=SLUG_OF[row.kind],
        form=form,
        error=error,
        status_text=wording.status_text,
        result_text=wording.result_text,
    )


# --- Proofs ---------------------------------------------------------------------------------------


@bp.get(RECORD + "/justificatif")
def proof(apprenticeship_id: int, kind: str, record_id: int) -> Response:
    _apprenticeship, row = _record(apprenticeship_id, kind, record_id)
    attached = getattr(row, "proof", None)
    if attached is None:
        abort(404)
    return send_stored(
        service.proof_store(), attached.stored_name, attached.media_type, attached.original_name
    )
