"""The programme manager's follow-up of a cohort semester, and reminders sent from it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.campaigns import service
from tracker.campaigns.links import item_url
from tracker.campaigns.mail import send_reminders
from tracker.extensions import db
from tracker.i18n import _
from tracker.pagination import paginate
from tracker.people.models import Cohort, Semester
from tracker.people.service import get_cohort
from tracker.permissions import may_manage_people, require

bp = Blueprint("campaigns", __name__)

ONLY_PENDING = "en_attente"


@bp.app_context_processor
def campaign_helpers() -> dict[str, object]:
    return {
        "pending_url": item_url,
        "pending_kinds": service.PendingKind,
        "review_states": service.ReviewState,
    }


def _load(cohort_id: int, number: int) -> tuple[Cohort, Semester]:
    cohort = get_cohort(db.session, cohort_id)
    semester = cohort.semester(number)
    if semester is None:
        abort(404)
    return cohort, semester


def _back(cohort: Cohort, semester: Semester, only_pending: bool) -> Response:
    arguments: dict[str, str | int] = {ONLY_PENDING: "1"} if only_pending else {}
    page = request.form.get("page", type=int)
    if page and page > 1:
        arguments["page"] = page
    return redirect(
        url_for("campaigns.follow_up", cohort_id=cohort.id, number=semester.number, **arguments)
    )


@bp.get("/promotions/<int:cohort_id>/S<int:number>/suivi")
@require(may_manage_people)
def follow_up(cohort_id: int, number: int) -> str:
    cohort, semester = _load(cohort_id, number)
    today = date.today()
    data = service.load_follow_up(db.session, cohort, semester, today)
    only_pending = request.args.get(ONLY_PENDING) == "1"
    rows = [row for row in data.rows if row.pending] if only_pending else data.rows
    shown = paginate(rows, request.args.get("page", type=int))
    return render_template(
        "campaigns/follow_up.html",
        cohort=cohort,
        semester=semester,
        follow_up=data,
        rows=shown.items,
        shown=shown,
        only_pending=only_pending,
        pending_people=len(service.reminders(data)),
        today=today,
    )


@bp.post("/promotions/<int:cohort_id>/S<int:number>/relances")
@require(may_manage_people)
def remind(cohort_id: int, number: int) -> Response:
    cohort, semester = _load(cohort_id, number)
    only_pending = request.form.get(ONLY_PENDING) == "1"
    data = service.load_follow_up(db.session, cohort, semester, date.today())
    if request.form.get("action") == "all":
        chosen = None
    else:
        chosen = {int(v) for v in request.form.getlist("person") if v.isdigit()}
        if not chosen:
            flash(_("Cochez au moins une personne à relancer."), "error")
            return _back(cohort, semester, only_pending)
    to_send = service.reminders(data, chosen)
    if not to_send:
        flash(_("Aucune des personnes choisies n'a quelque chose en attente."), "info")
        return _back(cohort, semester, only_pending)
    delivery = send_reminders(
        db.session, to_send, actor_id=current_user.id, sender_name=current_user.name
    )
    db.session.commit()
    if delivery.sent:
        flash(
            _(
                "%(n)s relance(s) envoyée(s) par e-mail : %(names)s.",
                n=len(delivery.sent),
                names=", ".join(r.person.name for r in delivery.sent),
            ),
            "success",
        )
    if delivery.failed:
        flash(
            _(
                "Le serveur de messagerie n'a pas accepté %(n)s relance(s) : %(names)s. "
                "Réessayez plus tard.",
                n=len(delivery.failed),
                names=", ".join(r.person.name for r in delivery.failed),
            ),
            "error",
        )
    pending = data.pending_by_person
    skipped = [
        person
        for person_id, person in data.people().items()
        if person_id in pending
        and (chosen is None or person_id in chosen)
        and (not person.active or person.anonymised_at is not None)
    ]
    if skipped:
        flash(
            _(
                "Non relancé(s), compte désactivé : %(names)s.",
                names=", ".join(person.name for person in skipped),
            ),
            "warning",
        )
    return _back(cohort, semester, only_pending)
