"""A semester of an apprenticeship: its three grids, and filling one's own."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.evaluations import service
from tracker.evaluations.forms import (
    ReopenForm,
    SignForm,
    grid_data,
    make_grid_form,
    make_review_form,
    review_data,
)
from tracker.evaluations.models import RaterRole, ReviewStatus
from tracker.extensions import db
from tracker.i18n import _, _l
from tracker.people.models import Apprenticeship, Semester
from tracker.people.service import get_apprenticeship
from tracker.permissions import (
    may_lead_review,
    may_read_grid,
    may_reopen_semester,
    may_view_semester,
    rater_roles,
)
from tracker.progress.rules import DIVERGENCE
from tracker.situations.service import counts_by_competence

bp = Blueprint("evaluations", __name__)

# Role of a grid in its address (French, as the rest of the interface).
ROLE_SLUGS = {
    "auto-evaluation": RaterRole.APPRENTICE,
    "entreprise": RaterRole.COMPANY_TUTOR,
    "ecole": RaterRole.ACADEMIC_TUTOR,
}
SLUG_OF = {role: slug for slug, role in ROLE_SLUGS.items()}
GRID_TITLES = {
    RaterRole.APPRENTICE: _l("Auto-évaluation de l'apprenti·e"),
    RaterRole.COMPANY_TUTOR: _l("Évaluation du maître d'apprentissage"),
    RaterRole.ACADEMIC_TUTOR: _l("Évaluation du tuteur académique"),
}

SIGN_LABELS = {
    RaterRole.COMPANY_TUTOR: _l("Maître d'apprentissage"),
    RaterRole.ACADEMIC_TUTOR: _l("Tuteur académique"),
    RaterRole.APPRENTICE: _l("Apprenti·e (prise de connaissance)"),
}


@bp.app_context_processor
def grid_helpers() -> dict[str, object]:
    return {
        "grid_slug": SLUG_OF,
        "grid_titles": GRID_TITLES,
        "grid_roles": list(RaterRole),
        "sign_labels": SIGN_LABELS,
    }


def _load(apprenticeship_id: int, number: int) -> tuple[Apprenticeship, Semester]:
    """The semester, if the user may see it; 404 otherwise (not even its existence)."""
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    semester = apprenticeship.cohort.semester(number)
    if semester is None or not may_view_semester(current_user, apprenticeship, semester):
        abort(404)
    return apprenticeship, semester


def _readable(apprenticeship: Apprenticeship, semester: Semester, grids, available: bool):  # type: ignore[no-untyped-def]
    """The grids the current user may read (independence rule, see permissions)."""
    mine = rater_roles(current_user, apprenticeship, semester)
    own = [grids[role] for role in mine if role in grids]
    return {
        role: grid
        for role, grid in grids.items()
        if may_read_grid(current_user, grid, own, available)
    }


@bp.get("/contrats/<int:apprenticeship_id>/S<int:number>")
def semester(apprenticeship_id: int, number: int) -> str:
    apprenticeship, item = _load(apprenticeship_id, number)
    grids = service.grids_of(db.session, apprenticeship, item)
    available = service.review_available(grids, item, date.today())
    return render_template(
        "evaluations/semester.html",
        apprenticeship=apprenticeship,
        semester=item,
        grids=grids,
        readable=_readable(apprenticeship, item, grids, available),
        mine=rater_roles(current_user, apprenticeship, item),
        review=service.get_review(db.session, apprenticeship, item),
        review_available=available,
        blocks=service.track_blocks(apprenticeship.cohort),
        today=date.today(),
    )


@bp.route("/contrats/<int:apprenticeship_id>/S<int:number>/grille/<slug>", methods=["GET", "POST"])
def grid(apprenticeship_id: int, number: int, slug: str) -> Response | str | tuple[str, int]:
    apprenticeship, item = _load(apprenticeship_id, number)
    role = ROLE_SLUGS.get(slug)
    if role is None or role not in rater_roles(current_user, apprenticeship, item):
        abort(404)
    cohort = apprenticeship.cohort
    competences = service.track_competences(cohort)
    existing = service.get_grid(db.session, apprenticeship, item, role)
    if existing is not None and existing.submitted:
        flash(_("Cette grille est soumise : elle ne se modifie plus."), "info")
        return redirect(
            url_for("evaluations.semester", apprenticeship_id=apprenticeship.id, number=number)
        )
    if request.method == "GET":
        # Version 0: no grid yet, the first save creates it.
        data = grid_data(existing) if existing is not None else {"version": 0}
        form = make_grid_form(cohort, competences, data=data)
        return _render_grid(apprenticeship, item, role, existing, form, competences)

    form = make_grid_form(cohort, competences, formdata=request.form)
    if not form.validate():
        return _render_grid(apprenticeship, item, role, existing, form, competences), 400
    submit = request.form.get("action") == "submit"
    try:
        grid = service.open_grid(db.session, apprenticeship, item, role, current_user)
        service.save_grid(
            db.session,
            grid,
            version=form.version.data if existing is not None else grid.version,
            ratings=form.inputs(),
            general_comment=form.general_comment.data or "",
            actor=current_user,
            today=date.today(),
            submit=submit,
        )
        db.session.commit()
    except service.StaleGrid:
        db.session.rollback()
        return _render_conflict(apprenticeship, item, role, form, competences)
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        return _render_conflict(apprenticeship, item, role, form, competences)
    except DomainError as error:
        db.session.rollback()
        form.general_comment.errors.append(str(error))
        grid = service.get_grid(db.session, apprenticeship, item, role)
        return _render_grid(apprenticeship, item, role, grid, form, competences), 400
    if submit:
        flash(
            _("Grille soumise : vous voyez désormais les grilles soumises des autres."), "success"
        )
        return redirect(
            url_for("evaluations.semester", apprenticeship_id=apprenticeship.id, number=number)
        )
    missing = service.missing_competences(grid, competences)
    flash(
        _("Brouillon enregistré.")
        if not missing
        else _("Brouillon enregistré : %(n)s compétence(s) restent à renseigner.", n=len(missing)),
        "success",
    )
    return redirect(request.path)


def _render_grid(apprenticeship, semester, role, grid, form, competences):  # type: ignore[no-untyped-def]
    answered = {c.id for c in competences if form.level_field(c).data not in (None, "", "None")}
    return render_template(
        "evaluations/grid.html",
        apprenticeship=apprenticeship,
        semester=semester,
        role=role,
        grid=grid,
        form=form,
        blocks=service.track_blocks(apprenticeship.cohort),
        missing=[c for c in competences if c.id not in answered],
        situations=counts_by_competence(db.session, apprenticeship.id, current_user),
        total=len(competences),
        window_open=semester.window_open(date.today()),
    )


def _carry_version(form, current) -> None:  # type: ignore[no-untyped-def]
    """A stale form now carries the current version: saving it again is a deliberate
    choice over what is saved now (0: nothing saved yet)."""
    form.version.data = current.version if current is not None else 0
    form.version.raw_data = [str(form.version.data)]


def _render_conflict(apprenticeship, semester, role, form, competences) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The stale-save page: the user's input next to what is saved now; they choose."""
    current = service.get_grid(db.session, apprenticeship, semester, role)
    # The form now carries the current version: saving it again is a deliberate choice.
    _carry_version(form, current)
    return (
        render_template(
            "evaluations/conflict.html",
            apprenticeship=apprenticeship,
            semester=semester,
            role=role,
            grid=current,
            form=form,
            competences=competences,
            blocks=service.track_blocks(apprenticeship.cohort),
        ),
        409,
    )


# --- The three-way review -------------------------------------------------------------------


def _suggestions(grids, competences) -> dict[int, service.RatingInput]:  # type: ignore[no-untyped-def]
    """Where both tutors gave the same answer, it is offered as the agreed level (the
    academic tutor still saves it: nothing is recorded without them)."""
    company, academic = grids.get(RaterRole.COMPANY_TUTOR), grids.get(RaterRole.ACADEMIC_TUTOR)
    if not (company and company.submitted and academic and academic.submitted):
        return {}
    result = {}
    for competence in competences:
        a, b = company.rating_for(competence.id), academic.rating_for(competence.id)
        if a and b and a.answered and (a.level, a.not_observed) == (b.level, b.not_observed):
            result[competence.id] = service.RatingInput(level=a.level, not_observed=a.not_observed)
    return result


def _review_page(apprenticeship, semester, review, form=None, conflict=None, status=200):  # type: ignore[no-untyped-def]
    cohort = apprenticeship.cohort
    competences = service.track_competences(cohort)
    grids = service.grids_of(db.session, apprenticeship, semester)
    today = date.today()
    available = service.review_available(grids, semester, today)
    lead = may_lead_review(current_user, apprenticeship, semester)
    if form is None and lead and available and not (review and review.frozen):
        data = review_data(review, _suggestions(grids, competences))
        form = make_review_form(cohort, competences, data=data)
    signed = review.current_signatures if review is not None else {}
    # The academic tutor signs first, from the form ("Enregistrer et signer").
    to_sign = [
        role
        for role in rater_roles(current_user, apprenticeship, semester)
        if review is not None and review.status == ReviewStatus.SIGNING and role not in signed
    ]
    return (
        render_template(
            "evaluations/review.html",
            apprenticeship=apprenticeship,
            semester=semester,
            review=review,
            grids=_readable(apprenticeship, semester, grids, available),
            all_grids=grids,
            available=available,
            blocks=service.track_blocks(cohort),
            competences=competences,
            spreads={
                c.id: service.spread([g.rating_for(c.id) for g in grids.values() if g.submitted])
                for c in competences
            },
            missing=service.missing_agreed(review, competences),
            situations=counts_by_competence(db.session, apprenticeship.id, current_user),
            form=form,
            conflict=conflict,
            lead=lead,
            to_sign=to_sign,
            sign_form=SignForm(data={"version": review.version}) if review else None,
            may_reopen=may_reopen_semester(current_user),
            divergence=DIVERGENCE,
            verified=service.content_matches(db.session, review, grids)
            if review is not None and review.frozen
            else None,
        ),
        status,
    )


@bp.route("/contrats/<int:apprenticeship_id>/S<int:number>/bilan", methods=["GET", "POST"])
def review(apprenticeship_id: int, number: int) -> Response | tuple[str, int]:
    apprenticeship, item = _load(apprenticeship_id, number)
    current = service.get_review(db.session, apprenticeship, item)
    if request.method == "GET":
        return _review_page(apprenticeship, item, current)

    if not may_lead_review(current_user, apprenticeship, item):
        abort(403)
    grids = service.grids_of(db.session, apprenticeship, item)
    if not service.review_available(grids, item, date.today()):
        abort(404)
    if current is not None and current.frozen:
        flash(_("Le bilan de ce semestre est signé : plus rien ne s'y modifie."), "error")
        return redirect(request.path)
    cohort = apprenticeship.cohort
    competences = service.track_competences(cohort)
    form = make_review_form(cohort, competences, formdata=request.form)
    if not form.validate():
        return _review_page(apprenticeship, item, current, form=form, status=400)
    sign = request.form.get("action") == "sign"
    try:
        review = service.open_review(db.session, apprenticeship, item)
        version = form.version.data if current is not None else review.version
        service.save_review(
            db.session,
            review,
            version=version,
            agreed=form.inputs(),
            comment=form.comment.data or "",
            actor=current_user,
        )
        if sign:
            service.sign_review(
                db.session,
                review,
                role=RaterRole.ACADEMIC_TUTOR,
                signer=current_user,
                version=review.version,
            )
        db.session.commit()
    except (service.StaleGrid, SQLAlchemyError) as error:
        db.session.rollback()
        if isinstance(error, SQLAlchemyError) and not is_write_conflict(error):
            raise
        return _review_conflict(apprenticeship, item, form)
    except DomainError as error:
        db.session.rollback()
        form.comment.errors.append(str(error))
        current = service.get_review(db.session, apprenticeship, item)
        return _review_page(apprenticeship, item, current, form=form, status=400)
    if sign:
        flash(_("Bilan enregistré et signé : il attend la signature des autres."), "success")
    else:
        flash(_("Niveaux retenus enregistrés."), "success")
    return redirect(request.path)


def _review_conflict(apprenticeship, semester, form) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Someone saved (or signed) meanwhile: the user's input is kept in the form, next to
    what is saved now, with the current version, so saving again is a deliberate choice."""
    current = service.get_review(db.session, apprenticeship, semester)
    _carry_version(form, current)
    if current is not None and current.frozen:
        flash(
            _("Le bilan a été signé entre-temps : votre saisie n'a pas été enregistrée."), "error"
        )
        form = None
    return _review_page(apprenticeship, semester, current, form=form, conflict=True, status=409)


@bp.post("/contrats/<int:apprenticeship_id>/S<int:number>/bilan/signature")
def sign_review(apprenticeship_id: int, number: int) -> Response:
    apprenticeship, item = _load(apprenticeship_id, number)
    review = service.get_review(db.session, apprenticeship, item)
    if review is None:
        abort(404)
    roles = [
        role
        for role in rater_roles(current_user, apprenticeship, item)
        if role not in review.current_signatures
    ]
    if not roles:
        abort(403)
    form = SignForm()
    back = redirect(
        url_for("evaluations.review", apprenticeship_id=apprenticeship.id, number=number)
    )
    if not form.validate():
        flash(_("Signature impossible : %(e)s", e=" ".join(_field_errors(form))), "error")
        return back
    try:
        service.sign_review(
            db.session,
            review,
            role=roles[0],
            signer=current_user,
            version=form.version.data,
            comment=form.comment.data or "",
        )
        db.session.commit()
    except service.StaleGrid:
        db.session.rollback()
        flash(
            _("Le bilan a changé depuis que vous l'avez ouvert : relisez-le, puis signez."),
            "error",
        )
        return back
    except SQLAlchemyError as error:
        db.session.rollback()
        if not is_write_conflict(error):
            raise
        flash(_("Le bilan a changé pendant votre signature : relisez-le, puis signez."), "error")
        return back
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    if review.locked:
        flash(_("Signature enregistrée : le semestre est verrouillé."), "success")
    elif roles[0] is RaterRole.APPRENTICE:
        flash(_("Prise de connaissance enregistrée."), "success")
    else:
        flash(_("Signature enregistrée."), "success")
    return back


def _field_errors(form) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(error) for errors in form.errors.values() for error in errors]


@bp.route("/contrats/<int:apprenticeship_id>/S<int:number>/rouvrir", methods=["GET", "POST"])
def reopen_review(apprenticeship_id: int, number: int) -> Response | str | tuple[str, int]:
    apprenticeship, item = _load(apprenticeship_id, number)
    if not may_reopen_semester(current_user):
        abort(403)
    review = service.get_review(db.session, apprenticeship, item)
    if review is None or not review.frozen:
        abort(404)
    grids = service.grids_of(db.session, apprenticeship, item)
    form = ReopenForm()
    form.grids.choices = [
        SelectChoice(role.value, str(GRID_TITLES[role]))
        for role in RaterRole
        if role in grids and grids[role].submitted
    ]
    if request.method == "POST" and form.validate():
        try:
            service.reopen_review(
                db.session,
                review,
                reason=form.reason.data or "",
                grid_roles=[RaterRole(value) for value in form.grids.data or []],
                actor=current_user,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            flash(
                _("Semestre rouvert : la version signée reste dans l'historique du bilan."),
                "success",
            )
            return redirect(
                url_for("evaluations.review", apprenticeship_id=apprenticeship.id, number=number)
            )
    status = 400 if form.errors else 200
    return (
        render_template(
            "evaluations/reopen.html",
            apprenticeship=apprenticeship,
            semester=item,
            review=review,
            form=form,
        ),
        status,
    )
