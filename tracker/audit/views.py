"""The audit log pages: the journal of one contract and of one of its semesters,
read by the programme manager."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from tracker.audit import service
from tracker.audit.forms import JournalFilterForm
from tracker.audit.presenter import present
from tracker.extensions import db
from tracker.people.service import get_apprenticeship
from tracker.permissions import may_read_audit, require

bp = Blueprint("audit", __name__)


@bp.app_context_processor
def audit_helpers() -> dict[str, object]:
    """Lets the contract and semester pages show their journal link to who may read it."""
    return {"may_read_audit": may_read_audit}


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/contrats/<int:apprenticeship_id>/journal")
@require(may_read_audit)
def apprenticeship_journal(apprenticeship_id: int) -> str:
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    form = JournalFilterForm(request.args, kinds=service.APPRENTICESHIP_KINDS)
    journal = service.events_for_apprenticeship(
        db.session,
        apprenticeship,
        kinds=form.kinds(),
        page=_page_number(),
        per_page=service.PER_PAGE,
    )
    return render_template(
        "audit/journal.html",
        apprenticeship=apprenticeship,
        semester=None,
        form=form,
        journal=journal,
        entries=present(journal, apprenticeship),
    )


@bp.get("/contrats/<int:apprenticeship_id>/S<int:number>/journal")
@require(may_read_audit)
def semester_journal(apprenticeship_id: int, number: int) -> str:
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    semester = apprenticeship.cohort.semester(number)
    if semester is None:
        abort(404)
    form = JournalFilterForm(request.args, kinds=service.SEMESTER_KINDS)
    journal = service.events_for_semester(
        db.session,
        apprenticeship,
        semester,
        kinds=form.kinds(),
        page=_page_number(),
        per_page=service.PER_PAGE,
    )
    return render_template(
        "audit/journal.html",
        apprenticeship=apprenticeship,
        semester=semester,
        form=form,
        journal=journal,
        entries=present(journal, apprenticeship, semester),
    )
