"""Cohorts, people and apprenticeships: the programme manager's pages, the contract page
seen by the apprentice and their tutors, and the tutors' list of apprentices."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from tracker.auth.models import Role, User
from tracker.errors import DomainError, ImportFileError
from tracker.extensions import db
from tracker.i18n import _
from tracker.people import service
from tracker.people.csv_import import COLUMNS, TEMPLATE_CSV, parse_cohort_csv
from tracker.people.forms import (
    AnonymiseForm,
    ApprenticeshipForm,
    CohortCreateForm,
    CohortEditForm,
    CohortImportForm,
    ConfirmForm,
    ContractDatesForm,
    PeopleSearchForm,
    PersonForm,
    PlacementChangeForm,
    PlacementFields,
    contract_defaults,
)
from tracker.people.invitations import send_invitations
from tracker.people.models import Apprenticeship
from tracker.people.privacy import export_person
from tracker.permissions import (
    dashboard_includes,
    has_full_view,
    is_apprentice,
    may_export_person,
    may_follow_apprentices,
    may_manage_people,
    may_view_apprenticeship,
    may_view_period,
    may_view_semester,
    require,
)

bp = Blueprint("people", __name__)

MAX_CSV_BYTES = 2 * 1024 * 1024


# --- Cohorts --------------------------------------------------------------------------


@bp.get("/promotions/")
@require(may_manage_people)
def cohorts() -> str:
    return render_template("people/cohorts.html", cohorts=service.list_cohorts(db.session))


@bp.route("/promotions/nouvelle", methods=["GET", "POST"])
@require(may_manage_people)
def new_cohort() -> Response | str:
    form = CohortCreateForm()
    tracks = {f"{cert.id}:{track.id}": track for cert, track in service.track_choices(db.session)}
    form.track.choices = [
        SelectChoice(key, f"{t.certification.code} v{t.certification.version} — {t.name}")
        for key, t in tracks.items()
    ]
    if request.method == "GET":
        form.start_year.data = date.today().year
    if form.validate_on_submit():
        try:
            cohort = service.create_cohort(
                db.session,
                track=tracks[form.track.data],
                name=form.name.data or "",
                start_year=form.start_year.data or 0,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _("Promotion « %(name)s » créée avec le calendrier par défaut.", name=cohort.name),
                "success",
            )
            return redirect(url_for("people.cohort", cohort_id=cohort.id))
    return render_template("people/cohort_new.html", form=form)


@bp.get("/promotions/<int:cohort_id>")
@require(may_manage_people)
def cohort(cohort_id: int) -> str:
    item = service.get_cohort(db.session, cohort_id)
    return render_template(
        "people/cohort.html",
        cohort=item,
        apprenticeships=service.cohort_apprenticeships(db.session, item),
        today=date.today(),
    )


@bp.route("/promotions/<int:cohort_id>/modifier", methods=["GET", "POST"])
@require(may_manage_people)
def edit_cohort(cohort_id: int) -> Response | str:
    item = service.get_cohort(db.session, cohort_id)
    form = CohortEditForm(
        data={
            "name": item.name,
            "scale": "\n".join(item.scale_labels),
            "not_observed_label": item.not_observed_label,
            "threshold": item.threshold,
            "semesters": [vars(plan) for plan in service.semester_plans(item)],
        }
        if request.method == "GET"
        else None
    )
    problems: list[str] = []
    if form.validate_on_submit():
        problems = service.check_settings(
            form.scale_labels(), form.threshold.data or 0, form.plans()
        )
    if form.validate_on_submit() and not problems:
        try:
            service.update_cohort(
                db.session,
                item,
                name=form.name.data or "",
                scale_labels=form.scale_labels(),
                not_observed_label=form.not_observed_label.data or "",
                threshold=form.threshold.data or 0,
                plans=form.plans(),
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Promotion enregistrée."), "success")
            return redirect(url_for("people.cohort", cohort_id=item.id))
    return render_template("people/cohort_edit.html", cohort=item, form=form, problems=problems)


# --- Apprenticeships ------------------------------------------------------------------


def _fill_academic_tutors(form: PlacementFields) -> None:
    form.academic_tutor.choices = [
        SelectChoice(tutor.id, f"{tutor.name} ({tutor.email})")
        for tutor in service.people_with_role(db.session, Role.ACADEMIC_TUTOR)
    ]


def _placement(form: PlacementFields) -> tuple[service.Placement, list[User]]:
    """The placement the form describes; the company tutor is found by e-mail or created
    (returned in the list of accounts to invite)."""
    tutor, created = service.find_or_create_person(
        db.session,
        name=form.company_tutor_name.data or "",
        email=form.company_tutor_email.data or "",
        role=Role.COMPANY_TUTOR,
        actor=current_user,
    )
    academic = service.get_person(db.session, form.academic_tutor.data or 0)
    placement = service.Placement(
        form.company_name.data or "", form.siret.data or "", tutor, academic
    )
    return placement, [tutor] if created else []


@bp.route("/promotions/<int:cohort_id>/apprentis/nouveau", methods=["GET", "POST"])
@require(may_manage_people)
def new_apprenticeship(cohort_id: int) -> Response | str:
    item = service.get_cohort(db.session, cohort_id)
    form = ApprenticeshipForm(
        data=contract_defaults(item.start_year) if request.method == "GET" else None
    )
    _fill_academic_tutors(form)
    if form.validate_on_submit():
        try:
            apprentice, created = service.find_or_create_person(
                db.session,
                name=form.apprentice_name.data or "",
                email=form.apprentice_email.data or "",
                role=Role.APPRENTICE,
                actor=current_user,
            )
            placement, invited = _placement(form)
            apprenticeship = service.create_apprenticeship(
                db.session,
                item,
                apprentice=apprentice,
                placement=placement,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            invited = ([apprentice] if created else []) + invited
            db.session.commit()
            flash(_("%(name)s ajouté·e à la promotion.", name=apprentice.name), "success")
            send_invitations(invited)
            return redirect(url_for("people.apprenticeship", apprenticeship_id=apprenticeship.id))
    return render_template("people/apprenticeship_new.html", cohort=item, form=form)


def _load_apprenticeship(apprenticeship_id: int) -> Apprenticeship:
    apprenticeship = service.get_apprenticeship(db.session, apprenticeship_id)
    if not may_view_apprenticeship(current_user, apprenticeship):
        abort(404)  # someone else's contract: not even its existence is disclosed
    return apprenticeship


@bp.get("/contrats/<int:apprenticeship_id>")
def apprenticeship(apprenticeship_id: int) -> str:
    item = _load_apprenticeship(apprenticeship_id)
    return render_template(
        "people/apprenticeship.html",
        apprenticeship=item,
        periods=[p for p in item.periods if may_view_period(current_user, item, p)],
        semesters=[
            (semester, item.period_of(semester))
            for semester in item.cohort.semesters
            if may_view_semester(current_user, item, semester)
        ],
        full_view=has_full_view(current_user, item),
        can_manage=may_manage_people(current_user),
        today=date.today(),
    )


@bp.route("/contrats/<int:apprenticeship_id>/dates", methods=["GET", "POST"])
@require(may_manage_people)
def edit_contract_dates(apprenticeship_id: int) -> Response | str:
    item = service.get_apprenticeship(db.session, apprenticeship_id)
    form = ContractDatesForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_contract_dates(
                db.session,
                item,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.ends_on.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Dates du contrat enregistrées."), "success")
            return redirect(url_for("people.apprenticeship", apprenticeship_id=item.id))
    return render_template("people/contract_dates.html", apprenticeship=item, form=form)


@bp.route("/contrats/<int:apprenticeship_id>/changement", methods=["GET", "POST"])
@require(may_manage_people)
def change_placement(apprenticeship_id: int) -> Response | str:
    item = service.get_apprenticeship(db.session, apprenticeship_id)
    current = item.current_period
    form = PlacementChangeForm(
        data={
            "company_name": current.company_name,
            "siret": current.siret,
            "company_tutor_name": current.company_tutor.name,
            "company_tutor_email": current.company_tutor.email,
            "academic_tutor": current.academic_tutor_id,
            "effective_on": date.today(),
        }
        if request.method == "GET"
        else None
    )
    _fill_academic_tutors(form)
    if form.validate_on_submit():
        try:
            placement, invited = _placement(form)
            service.change_placement(
                db.session,
                item,
                effective_on=form.effective_on.data,
                placement=placement,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                _("Nouvelle période ouverte : les semestres passés restent à l'ancien tuteur."),
                "success",
            )
            send_invitations(invited)
            return redirect(url_for("people.apprenticeship", apprenticeship_id=item.id))
    return render_template("people/placement_change.html", apprenticeship=item, form=form)


@bp.get("/mon-contrat")
@require(is_apprentice)
def my_contract() -> Response | str:
    """The apprentice's own contract (the latest, when they have had several)."""
    mine = service.apprenticeships_of(db.session, current_user)
    if mine:
        return redirect(url_for("people.apprenticeship", apprenticeship_id=mine[0].id))
    return render_template("people/no_contract.html")


@bp.get("/apprentis")
@require(may_follow_apprentices)
def my_apprentices() -> str:
    tutorings = service.tutored_by(db.session, current_user)
    # The dashboards of the cohorts where the user is someone's academic tutor now.
    cohorts = {
        t.apprenticeship.cohort.id: t.apprenticeship.cohort
        for t in tutorings
        if t.current and dashboard_includes(current_user, t.apprenticeship)
    }
    return render_template(
        "people/my_apprentices.html",
        tutorings=tutorings,
        dashboards=sorted(cohorts.values(), key=lambda c: c.name),
    )


# --- Cohort CSV import ----------------------------------------------------------------


@bp.get("/promotions/modele-import.csv")
@require(may_manage_people)
def import_template() -> Response:
    return Response(
        "\ufeff" + TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="modele-promotion.csv"'},
    )


@bp.route("/promotions/<int:cohort_id>/importer", methods=["GET", "POST"])
@require(may_manage_people)
def import_cohort(cohort_id: int) -> Response | str:
    item = service.get_cohort(db.session, cohort_id)
    form = CohortImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(MAX_CSV_BYTES + 1)
        try:
            if len(data) > MAX_CSV_BYTES:
                raise ImportFileError(_("Le fichier dépasse 2 Mo : ce n'est pas une promotion."))
            parsed = parse_cohort_csv(data)
            plan = service.plan_import(db.session, item, parsed.rows, parsed.errors)
            draft = service.create_import_draft(
                db.session, item, user=current_user, source_name=upload.filename or "", plan=plan
            )
        except ImportFileError as error:
            db.session.rollback()
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("people.import_preview", cohort_id=item.id, token=draft.token))
    return render_template("people/import.html", cohort=item, form=form, columns=COLUMNS)


@bp.route("/promotions/<int:cohort_id>/importer/<token>", methods=["GET", "POST"])
@require(may_manage_people)
def import_preview(cohort_id: int, token: str) -> Response | str:
    item = service.get_cohort(db.session, cohort_id)
    draft = service.get_import_draft(db.session, item, token, current_user)
    rows, errors = service.draft_rows(draft)
    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("action") == "cancel" or errors:
            db.session.delete(draft)
            db.session.commit()
            flash(_("Import abandonné : rien n'a été enregistré."), "info")
            return redirect(url_for("people.cohort", cohort_id=item.id))
        try:
            outcome = service.save_import(db.session, item, rows, actor=current_user)
            db.session.delete(draft)
        except DomainError as error:
            db.session.rollback()
            flash(_("Rien n'a été enregistré. %(error)s", error=str(error)), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "%(n)s apprenti·e(s) ajouté·e(s) à la promotion.",
                    n=len(outcome.apprenticeships),
                ),
                "success",
            )
            send_invitations(outcome.invited)
            return redirect(url_for("people.cohort", cohort_id=item.id))
    plan = service.plan_import(db.session, item, rows, errors)
    return render_template(
        "people/import_preview.html", cohort=item, draft=draft, plan=plan, form=form
    )


# --- People ---------------------------------------------------------------------------


@bp.get("/personnes/")
@require(may_manage_people)
def people() -> str:
    form = PeopleSearchForm(request.args)
    role = Role(form.role.data) if form.validate() and form.role.data else None
    found = service.list_people(db.session, search=form.q.data or "", role=role)
    return render_template("people/people.html", form=form, people=found)


@bp.route("/personnes/nouvelle", methods=["GET", "POST"])
@require(may_manage_people)
def new_person() -> Response | str:
    form = PersonForm()
    if form.validate_on_submit():
        try:
            person = service.create_person(
                db.session,
                name=form.name.data or "",
                email=form.email.data or "",
                roles=form.role_values(),
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Compte créé pour %(name)s.", name=person.name), "success")
            send_invitations([person])
            return redirect(url_for("people.person", person_id=person.id))
    return render_template("people/person_new.html", form=form)


@bp.route("/personnes/<int:person_id>", methods=["GET", "POST"])
@require(may_manage_people)
def person(person_id: int) -> Response | str:
    item = service.get_person(db.session, person_id)
    form = PersonForm(
        data={"name": item.name, "email": item.email, "roles": [r.value for r in item.roles]}
        if request.method == "GET"
        else None
    )
    if item.anonymised_at is None and form.validate_on_submit():
        try:
            service.update_person(
                db.session,
                item,
                name=form.name.data or "",
                email=form.email.data or "",
                roles=form.role_values(),
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            form.roles.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Fiche enregistrée."), "success")
            return redirect(url_for("people.person", person_id=item.id))
    return render_template(
        "people/person.html",
        person=item,
        form=form,
        anonymise_form=AnonymiseForm(formdata=None),
        apprenticeships=service.apprenticeships_of(db.session, item),
        tutorings=service.tutored_by(db.session, item),
    )


@bp.post("/personnes/<int:person_id>/invitation")
@require(may_manage_people)
def invite_person(person_id: int) -> Response:
    item = service.get_person(db.session, person_id)
    if not item.invited or not item.active:
        flash(
            _("Cette personne a déjà choisi son mot de passe ou son compte est désactivé."), "error"
        )
    else:
        send_invitations([item])
    return redirect(url_for("people.person", person_id=item.id))


@bp.post("/personnes/<int:person_id>/activation")
@require(may_manage_people)
def set_active(person_id: int) -> Response:
    item = service.get_person(db.session, person_id)
    try:
        service.set_active(db.session, item, not item.active, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Compte réactivé.") if item.active else _("Compte désactivé."), "success")
    return redirect(url_for("people.person", person_id=item.id))


@bp.post("/personnes/<int:person_id>/anonymiser")
@require(may_manage_people)
def anonymise(person_id: int) -> Response | str:
    item = service.get_person(db.session, person_id)
    form = AnonymiseForm()
    if not form.validate_on_submit():
        flash(_("Cochez la case de confirmation pour anonymiser cette personne."), "error")
        return redirect(url_for("people.person", person_id=item.id))
    try:
        service.anonymise_person(db.session, item, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Personne anonymisée : son nom et son adresse ont été effacés."), "success")
    return redirect(url_for("people.person", person_id=item.id))


@bp.get("/personnes/<int:person_id>/donnees")
def export(person_id: int) -> Response:
    item = service.get_person(db.session, person_id)
    if not may_export_person(current_user, item):
        abort(404)
    return Response(
        json.dumps(export_person(db.session, item), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="livret-personne-{item.id}.json"'},
    )
