"""Jury sessions: the list, a session (its composition, members and candidates), the
decisions on one candidate, closing, the batch of dossiers and the procès-verbal.

The programme manager prepares sessions; the president of a session (or the programme
manager) records its decisions and closes it; the other members read. A jury member sees
only the sessions they sit on: any other answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from tracker.auth.models import Role
from tracker.conditions import service as conditions
from tracker.db import is_write_conflict
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.i18n import _
from tracker.jobs.service import start_dossier_job
from tracker.jury import service
from tracker.jury.forms import (
    ActionForm,
    AddMemberForm,
    CandidatesForm,
    CloseForm,
    InviteMemberForm,
    SeatForm,
    SessionForm,
    block_field,
    comment_field,
    decision_data,
    decision_form_class,
)
from tracker.jury.models import (
    BLOCK_OUTCOME_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REPRESENTATION_LABELS,
    STATUS_LABELS,
    JurySession,
    MemberKind,
    Representation,
)
from tracker.livret import service as livret
from tracker.people import service as people
from tracker.people.invitations import send_invitations
from tracker.permissions import (
    may_close_jury_session,
    may_list_jury_sessions,
    may_manage_jury,
    may_record_decisions,
    may_view_jury_session,
    require,
)
from tracker.situations.storage import upload_root

bp = Blueprint("jury", __name__)

SESSION = "/jury/sessions/<int:jury_session_id>"
CANDIDATE = SESSION + "/candidats/<int:candidate_id>"


@bp.app_context_processor
def jury_labels() -> dict[str, object]:
    return {
        "jury_status_labels": STATUS_LABELS,
        "jury_kind_labels": KIND_LABELS,
        "jury_representation_labels": REPRESENTATION_LABELS,
        "jury_block_labels": BLOCK_OUTCOME_LABELS,
        "jury_outcome_labels": OUTCOME_LABELS,
    }


def _load(jury_session_id: int) -> tuple[JurySession, bool, bool]:
    """The session, whether the user sits on it and whether they preside; 404 for a jury
    member who does not sit on it."""
    jury_session = service.get_jury_session(db.session, jury_session_id)
    seat = service.member_of(jury_session, current_user.id)
    if not may_view_jury_session(current_user, jury_session, seat is not None):
        abort(404)
    return jury_session, seat is not None, bool(seat is not None and seat.is_president)


def _managed(jury_session_id: int) -> JurySession:
    jury_session, _member, _president = _load(jury_session_id)
    if not may_manage_jury(current_user):
        abort(403)
    return jury_session


def _show_url(jury_session: JurySession, anchor: str = "") -> str:
    url = url_for("jury.show", jury_session_id=jury_session.id)
    return f"{url}#{anchor}" if anchor else url


# --- The list ---------------------------------------------------------------------------------


@bp.get("/jury/")
@require(may_list_jury_sessions)
def index() -> str:
    manager = may_manage_jury(current_user)
    return render_template(
        "jury/index.html",
        sessions=service.list_sessions(db.session, member_id=None if manager else current_user.id),
        manager=manager,
    )


# --- Creating and editing a session ------------------------------------------------------------


def _fill_certifications(form: SessionForm) -> None:
    form.certification_id.choices = [
        SelectChoice(c.id, f"{c.code} (v{c.version}) — {c.title}")
        for c in service.certification_choices(db.session)
    ]


@bp.route("/jury/sessions/nouvelle", methods=["GET", "POST"])
@require(may_manage_jury)
def new() -> Response | str | tuple[str, int]:
    form = SessionForm()
    _fill_certifications(form)
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("jury/session_form.html", form=form, jury_session=None), status
    try:
        jury_session = service.create_session(db.session, form.to_input(), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("jury/session_form.html", form=form, jury_session=None), 400
    db.session.commit()
    flash(_("Session de jury créée : ajoutez ses membres et ses candidats."), "success")
    return redirect(_show_url(jury_session))


@bp.route(SESSION + "/modifier", methods=["GET", "POST"])
@require(may_list_jury_sessions)
def edit(jury_session_id: int) -> Response | str | tuple[str, int]:
    jury_session = _managed(jury_session_id)
    if jury_session.closed:
        flash(str(service.SessionClosed()), "error")
        return redirect(_show_url(jury_session))
    if request.method == "GET":
        form = SessionForm(
            formdata=None,
            data={
                "version": jury_session.version,
                "certification_id": jury_session.certification_id,
                "held_on": jury_session.held_on,
                "place": jury_session.place,
            },
        )
    else:
        form = SessionForm()
    _fill_certifications(form)
    if request.method == "GET":
        return render_template("jury/session_form.html", form=form, jury_session=jury_session)
    if not form.validate_on_submit():
        return render_template("jury/session_form.html", form=form, jury_session=jury_session), 400
    try:
        changed = service.update_session(
            db.session,
            jury_session,
            form.to_input(),
            version=form.version_value,
            actor=current_user,
        )
        db.session.commit()
    except (DomainError, SQLAlchemyError) as error:
        db.session.rollback()
        message = _stale_or_raise(error)
        jury_session = service.get_jury_session(db.session, jury_session_id)
        form.version.data = jury_session.version
        form.version.raw_data = [str(jury_session.version)]
        flash(message, "error")
        status = 409 if isinstance(error, service.StaleJury | SQLAlchemyError) else 400
        return render_template(
            "jury/session_form.html", form=form, jury_session=jury_session
        ), status
    flash(_("Session modifiée.") if changed else _("Rien n'a changé."), "success")
    return redirect(_show_url(jury_session))


def _stale_or_raise(error: Exception) -> str:
    """The message of a refused save: a domain error's own, or "changed meanwhile" for a
    lost write race (any other database error is a bug and goes up)."""
    if isinstance(error, DomainError):
        return str(error)
    if is_write_conflict(error):
        return str(service.StaleJury())
    raise error


# --- A session's page ---------------------------------------------------------------------------


@bp.get(SESSION)
@require(may_list_jury_sessions)
def show(jury_session_id: int) -> str:
    jury_session, member, president = _load(jury_session_id)
    return _render_show(jury_session, member=member, president=president)


def _seat_form(form: SeatForm, jury_session: JurySession) -> SeatForm:
    rule = service.rule_of(jury_session)
    if rule.head_label:
        form.represents_head.label.text = rule.head_label
    return form


def _render_show(
    jury_session: JurySession,
    *,
    member: bool,
    president: bool,
    add_form: AddMemberForm | None = None,
    invite_form: InviteMemberForm | None = None,
) -> str:
    user = current_user
    manager = may_manage_jury(user)
    today = date.today()
    lines = service.candidate_lines(db.session, jury_session, today)
    add_form = add_form or AddMemberForm(formdata=None)
    if manager and not jury_session.closed:
        add_form.user_id.choices = [
            SelectChoice(u.id, f"{u.name} ({u.email})")
            for u in service.jury_accounts(db.session, jury_session)
        ]
    recorder = may_record_decisions(user, jury_session, president)
    return render_template(
        "jury/session.html",
        jury_session=jury_session,
        rule=service.rule_of(jury_session),
        composition=service.composition_of(jury_session),
        members=sorted(
            jury_session.members, key=lambda m: (not m.is_president, m.user.name.casefold())
        ),
        lines=lines,
        manager=manager,
        member=member,
        recorder=recorder,
        closer=may_close_jury_session(user, jury_session, president),
        add_form=_seat_form(add_form, jury_session),
        invite_form=_seat_form(invite_form or InviteMemberForm(formdata=None), jury_session),
        action_form=ActionForm(formdata=None),
        close_problems=service.close_problems(db.session, jury_session) if recorder else [],
        kinds=list(MemberKind),
        representations=list(Representation),
    )


# --- Members ------------------------------------------------------------------------------------


@bp.post(SESSION + "/membres")
@require(may_list_jury_sessions)
def add_member(jury_session_id: int) -> Response | str | tuple[str, int]:
    jury_session = _managed(jury_session_id)
    form = AddMemberForm()
    form.user_id.choices = [
        SelectChoice(u.id, u.name) for u in service.jury_accounts(db.session, jury_session)
    ]
    if not form.validate_on_submit():
        return _render_show(jury_session, member=False, president=False, add_form=form)
    try:
        user = people.get_person(db.session, form.user_id.data or 0)
        service.add_member(db.session, jury_session, user, form.seat(), actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_show_url(jury_session, "membres"))
    flash(_("%(name)s siège désormais dans ce jury.", name=user.name), "success")
    return redirect(_show_url(jury_session, "membres"))


@bp.post(SESSION + "/membres/inviter")
@require(may_list_jury_sessions)
def invite_member(jury_session_id: int) -> Response | str | tuple[str, int]:
    """A member who has no account yet: created with the jury role and invited by e-mail
    (an existing account with this address is given the role instead)."""
    jury_session = _managed(jury_session_id)
    form = InviteMemberForm()
    if not form.validate_on_submit():
        return _render_show(jury_session, member=False, president=False, invite_form=form)
    try:
        user, created = people.find_or_create_person(
            db.session,
            name=form.name.data or "",
            email=form.email.data or "",
            role=Role.JURY,
            actor=current_user,
        )
        service.add_member(db.session, jury_session, user, form.seat(), actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_show_url(jury_session, "membres"))
    flash(_("%(name)s siège désormais dans ce jury.", name=user.name), "success")
    if created:
        send_invitations([user])
    return redirect(_show_url(jury_session, "membres"))


@bp.route(SESSION + "/membres/<int:member_id>", methods=["GET", "POST"])
@require(may_list_jury_sessions)
def edit_member(jury_session_id: int, member_id: int) -> Response | str | tuple[str, int]:
    jury_session = _managed(jury_session_id)
    seat = service.get_member(jury_session, member_id)
    if jury_session.closed:
        flash(str(service.SessionClosed()), "error")
        return redirect(_show_url(jury_session, "membres"))
    if request.method == "GET":
        form = SeatForm(
            formdata=None,
            data={
                "kind": seat.kind,
                "representation": seat.representation or "",
                "capacity": seat.capacity,
                "is_president": seat.is_president,
                "represents_head": seat.represents_head,
            },
        )
    else:
        form = SeatForm()
    _seat_form(form, jury_session)
    page = {
        "jury_session": jury_session,
        "seat": seat,
        "form": form,
        "rule": service.rule_of(jury_session),
        "action_form": ActionForm(formdata=None),
    }
    if request.method == "GET":
        return render_template("jury/member.html", **page)
    if not form.validate_on_submit():
        return render_template("jury/member.html", **page), 400
    try:
        changed = service.update_member(db.session, seat, form.seat(), actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_show_url(jury_session, "membres"))
    flash(_("Membre modifié.") if changed else _("Rien n'a changé."), "success")
    return redirect(_show_url(jury_session, "membres"))


@bp.post(SESSION + "/membres/<int:member_id>/retirer")
@require(may_list_jury_sessions)
def remove_member(jury_session_id: int, member_id: int) -> Response:
    jury_session = _managed(jury_session_id)
    seat = service.get_member(jury_session, member_id)
    return _removal(
        jury_session,
        "membres",
        lambda: service.remove_member(db.session, seat, actor=current_user),
        _("%(name)s ne siège plus dans ce jury.", name=seat.user.name),
    )


def _removal(
    jury_session: JurySession, tab: str, remove: Callable[[], object], done: str
) -> Response:
    """A removal posted from a tab of the session page: checked form, ``remove()``,
    commit, then back to the tab with ``done`` or the reason it was refused."""
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré : rechargez la page et recommencez."), "error")
        return redirect(_show_url(jury_session, tab))
    try:
        remove()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(_show_url(jury_session, tab))


# --- Candidates ---------------------------------------------------------------------------------


@bp.route(SESSION + "/candidats", methods=["GET", "POST"])
@require(may_list_jury_sessions)
def candidates(jury_session_id: int) -> Response | str | tuple[str, int]:
    """The apprentices of the cohorts of the session's certification who are not
    candidates yet, with their readiness, to add some or all of them."""
    jury_session = _managed(jury_session_id)
    if jury_session.closed:
        flash(str(service.SessionClosed()), "error")
        return redirect(_show_url(jury_session, "candidats"))
    groups = service.eligible_candidates(db.session, jury_session, date.today())
    form = CandidatesForm()
    form.apprenticeship_ids.choices = [
        SelectChoice(a.id, a.apprentice.name) for group in groups for a, _s in group.lines
    ]
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                added = service.add_candidates(
                    db.session,
                    jury_session,
                    form.apprenticeship_ids.data or [],
                    actor=current_user,
                )
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                flash(_("%(n)s candidat(s) ajouté(s).", n=added), "success")
                return redirect(_show_url(jury_session, "candidats"))
        else:
            flash(_("Cochez au moins un apprenti·e à présenter au jury."), "error")
    return render_template(
        "jury/candidates.html", jury_session=jury_session, groups=groups, form=form
    )


@bp.post(CANDIDATE + "/retirer")
@require(may_list_jury_sessions)
def remove_candidate(jury_session_id: int, candidate_id: int) -> Response:
    jury_session = _managed(jury_session_id)
    candidate = service.get_candidate(db.session, jury_session, candidate_id)
    name = candidate.apprenticeship.apprentice.name
    return _removal(
        jury_session,
        "candidats",
        lambda: service.remove_candidate(db.session, candidate, actor=current_user),
        _("%(name)s n'est plus candidat·e de cette session.", name=name),
    )


# --- Decisions on one candidate -----------------------------------------------------------------


@bp.route(CANDIDATE, methods=["GET", "POST"])
@require(may_list_jury_sessions)
def candidate(jury_session_id: int, candidate_id: int) -> Response | str | tuple[str, int]:
    jury_session, _member, president = _load(jury_session_id)
    row = service.get_candidate(db.session, jury_session, candidate_id)
    recorder = may_record_decisions(current_user, jury_session, president)
    if request.method == "POST" and not recorder:
        if jury_session.closed:
            flash(str(service.SessionClosed()), "error")
            return redirect(request.path)
        abort(403)
    apprenticeship = row.apprenticeship
    data = livret.load_livret(db.session, apprenticeship, situations={})
    blocks = service.track_blocks_of(db.session, [apprenticeship.cohort.track_id])[
        apprenticeship.cohort.track_id
    ]
    short = {b.id: livret.short_code(b.code, apprenticeship.cohort) for b in blocks}
    form_class = decision_form_class(blocks, short)
    if request.method == "GET":
        form = form_class(formdata=None, data=decision_data(row))
        return _render_candidate(jury_session, row, data, blocks, short, form, recorder)
    form = form_class()
    if not form.validate_on_submit():
        return _render_candidate(jury_session, row, data, blocks, short, form, recorder), 400
    try:
        changed = service.record_decisions(
            db.session,
            row,
            track=blocks,
            blocks=form.block_choices(),
            decision=form.decision.data or "",
            comment=form.comment.data or "",
            version=form.version_value,
            actor=current_user,
        )
        db.session.commit()
    except (DomainError, SQLAlchemyError) as error:
        db.session.rollback()
        message = _stale_or_raise(error)
        stale = not isinstance(error, DomainError) or isinstance(
            error, service.StaleJury | service.SessionClosed
        )
        jury_session, _member, president = _load(jury_session_id)
        row = service.get_candidate(db.session, jury_session, candidate_id)
        form.version.data = row.version
        form.version.raw_data = [str(row.version)]
        recorder = may_record_decisions(current_user, jury_session, president)
        return _render_candidate(
            jury_session, row, data, blocks, short, form, recorder, error=message, saved=stale
        ), 409 if stale else 400
    flash(_("Décisions enregistrées.") if changed else _("Rien n'a changé."), "success")
    return redirect(url_for("jury.candidate", jury_session_id=jury_session.id, candidate_id=row.id))


def _render_candidate(  # type: ignore[no-untyped-def]
    jury_session, row, data, blocks, short, form, recorder, *, error=None, saved=False
) -> str:
    apprenticeship = row.apprenticeship
    today = date.today()
    checklist = conditions.checklist(db.session, apprenticeship, today)
    decisions = {d.block_id: d for d in row.block_decisions}
    return render_template(
        "jury/candidate.html",
        jury_session=jury_session,
        candidate=row,
        apprenticeship=apprenticeship,
        cohort=apprenticeship.cohort,
        livret=data,
        formative={b.id: b for b in data.blocks},
        blocks=blocks,
        short=short,
        checklist=checklist,
        readiness=data.readiness({item.label: item.met for item in checklist}),
        decisions=decisions,
        form=form,
        recorder=recorder,
        error=error,
        saved=saved,
        block_field=block_field,
        comment_field=comment_field,
        manager=may_manage_jury(current_user),
        action_form=ActionForm(formdata=None),
    )


# --- Closing ------------------------------------------------------------------------------------


@bp.route(SESSION + "/clore", methods=["GET", "POST"])
@require(may_list_jury_sessions)
def close(jury_session_id: int) -> Response | str | tuple[str, int]:
    jury_session, _member, president = _load(jury_session_id)
    if jury_session.closed:
        flash(_("Cette session de jury est déjà close."), "info")
        return redirect(_show_url(jury_session))
    if not may_close_jury_session(current_user, jury_session, president):
        abort(403)
    if request.method == "GET":
        form = CloseForm(formdata=None, data={"version": jury_session.version})
        return _render_close(jury_session, form)
    form = CloseForm()
    if not form.validate_on_submit():
        return _render_close(jury_session, form), 400
    try:
        service.close_session(
            db.session, jury_session, version=form.version_value, actor=current_user
        )
        db.session.commit()
    except (DomainError, SQLAlchemyError) as error:
        db.session.rollback()
        message = _stale_or_raise(error)
        jury_session = service.get_jury_session(db.session, jury_session_id)
        form.version.data = jury_session.version
        form.version.raw_data = [str(jury_session.version)]
        return _render_close(jury_session, form, error=message), 409
    flash(_("Session close : ses décisions sont définitives, le procès-verbal aussi."), "success")
    return redirect(_show_url(jury_session))


def _render_close(jury_session: JurySession, form: CloseForm, *, error: str | None = None) -> str:
    return render_template(
        "jury/close.html",
        jury_session=jury_session,
        form=form,
        problems=service.close_problems(db.session, jury_session),
        error=error,
    )


# --- Dossiers and procès-verbal ------------------------------------------------------------------


@bp.post(SESSION + "/dossiers")
@require(may_list_jury_sessions)
def dossiers(jury_session_id: int) -> Response:
    """All the candidates' dossiers as one zip, made by a background job whose progress
    page the user is sent to."""
    jury_session, _member, _president = _load(jury_session_id)
    if not ActionForm().validate_on_submit():
        flash(_("Le formulaire a expiré : rechargez la page et recommencez."), "error")
        return redirect(_show_url(jury_session, "candidats"))
    ids = service.candidate_contract_ids(db.session, jury_session)
    if not ids:
        flash(_("La session n'a aucun candidat : il n'y a pas de dossier à préparer."), "error")
        return redirect(_show_url(jury_session, "candidats"))
    try:
        job = start_dossier_job(
            db.session,
            apprenticeship_ids=ids,
            archive_name=service.archive_name(jury_session),
            requested_by_id=current_user.id,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_show_url(jury_session, "candidats"))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get(SESSION + "/proces-verbal.pdf")
@require(may_list_jury_sessions)
def pv(jury_session_id: int) -> Response:
    """The procès-verbal: provisional while the session is open, final once closed; read
    from the cache when its data have been rendered before."""
    jury_session, _member, _president = _load(jury_session_id)
    data = service.proces_verbal(
        db.session, jury_session, cache=service.PvCache(upload_root() / "proces-verbaux")
    )
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{service.pv_filename(jury_session)}"'
        },
    )
