"""A semester of an apprenticeship: its three grids, and filling one's own."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.evaluations import service
from tracker.evaluations.forms import grid_data, make_grid_form
from tracker.evaluations.models import RaterRole
from tracker.extensions import db
from tracker.i18n import _, _l
from tracker.people.models import Apprenticeship, Semester
from tracker.people.service import get_apprenticeship
from tracker.permissions import may_read_grid, may_view_semester, rater_roles

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


@bp.app_context_processor
def grid_helpers() -> dict[str, object]:
    return {"grid_slug": SLUG_OF, "grid_titles": GRID_TITLES, "grid_roles": list(RaterRole)}


def _load(apprenticeship_id: int, number: int) -> tuple[Apprenticeship, Semester]:
    """The semester, if the user may see it; 404 otherwise (not even its existence)."""
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    semester = apprenticeship.cohort.semester(number)
    if semester is None or not may_view_semester(current_user, apprenticeship, semester):
        abort(404)
    return apprenticeship, semester


@bp.get("/contrats/<int:apprenticeship_id>/S<int:number>")
def semester(apprenticeship_id: int, number: int) -> str:
    apprenticeship, item = _load(apprenticeship_id, number)
    grids = service.grids_of(db.session, apprenticeship, item)
    mine = rater_roles(current_user, apprenticeship, item)
    own = [grids[role] for role in mine if role in grids]
    readable = {
        role: grid for role, grid in grids.items() if may_read_grid(current_user, grid, own)
    }
    return render_template(
        "evaluations/semester.html",
        apprenticeship=apprenticeship,
        semester=item,
        grids=grids,
        readable=readable,
        mine=mine,
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
        total=len(competences),
        window_open=semester.window_open(date.today()),
    )


def _render_conflict(apprenticeship, semester, role, form, competences) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The stale-save page: the user's input next to what is saved now; they choose."""
    current = service.get_grid(db.session, apprenticeship, semester, role)
    # The form now carries the current version: saving it again is a deliberate choice.
    form.version.data = current.version if current is not None else 0
    form.version.raw_data = [str(form.version.data)]
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
