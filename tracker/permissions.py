"""Who may do what: the one place the whole app asks.

Access is denied by default: every endpoint needs a signed-in user unless its view is
marked ``@public``. Views then ask the predicates below (or use ``require``) before they
act; a predicate never queries what the view has not loaded already.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from tracker.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_ATTRIBUTE = "_livret_public"


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (home, accessibility, login...)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, PUBLIC_ATTRIBUTE, False))


def require(predicate: Callable[[Any], bool]) -> Callable[[F], F]:
    """Answer 403 unless ``predicate(current_user)`` holds (the user is signed in already)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _has(user: Any, role: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(role)


# --- Referentials -------------------------------------------------------------------------


def may_view_referentials(user: Any) -> bool:
    """Staff read the certifications: programme managers, tutors and jury members."""
    return any(
        _has(user, role)
        for role in (Role.MANAGER, Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR, Role.JURY)
    )


def may_manage_referentials(user: Any) -> bool:
    """Only programme managers import, export and version referentials."""
    return _has(user, Role.MANAGER)


# --- People, cohorts, apprenticeships ----------------------------------------------------


def may_manage_people(user: Any) -> bool:
    """Programme managers create and edit cohorts, accounts and apprenticeships."""
    return _has(user, Role.MANAGER)


def may_follow_apprentices(user: Any) -> bool:
    """Company and academic tutors have a "my apprentices" page."""
    return _has(user, Role.COMPANY_TUTOR) or _has(user, Role.ACADEMIC_TUTOR)


def is_apprentice(user: Any) -> bool:
    return _has(user, Role.APPRENTICE)


def _tutors(user: Any, period: Any) -> bool:
    return (_has(user, Role.COMPANY_TUTOR) and period.company_tutor_id == user.id) or (
        _has(user, Role.ACADEMIC_TUTOR) and period.academic_tutor_id == user.id
    )


def has_full_view(user: Any, apprenticeship: Any) -> bool:
    """The programme manager, the apprentice and the current tutors see the whole contract."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        _has(user, Role.MANAGER)
        or (_has(user, Role.APPRENTICE) and apprenticeship.apprentice_id == user.id)
        or _tutors(user, apprenticeship.current_period)
    )


def may_view_apprenticeship(user: Any, apprenticeship: Any) -> bool:
    """Full viewers, and former tutors (who then see only their own periods and the
    semesters attributed to them)."""
    return has_full_view(user, apprenticeship) or any(
        _tutors(user, period) for period in apprenticeship.periods
    )


def may_view_period(user: Any, apprenticeship: Any, period: Any) -> bool:
    return has_full_view(user, apprenticeship) or _tutors(user, period)


def may_view_semester(user: Any, apprenticeship: Any, semester: Any) -> bool:
    """A former tutor keeps read access to the semesters of their period only: a
    semester belongs to the period running when it ends (``Apprenticeship.period_of``)."""
    return has_full_view(user, apprenticeship) or _tutors(user, apprenticeship.period_of(semester))


def may_export_person(user: Any, person: Any) -> bool:
    """A person downloads their own data; the programme manager anyone's."""
    return _has(user, Role.MANAGER) or (
        getattr(user, "is_authenticated", False) and user.id == person.id
    )


# --- Evaluations ----------------------------------------------------------------------------


def rater_roles(user: Any, apprenticeship: Any, semester: Any) -> list[Any]:
    """The grids ``user`` fills for this semester: the apprentice their self-assessment,
    the tutors in post when the semester ends theirs (``Apprenticeship.period_of``)."""
    from tracker.evaluations.models import RaterRole

    if not getattr(user, "is_authenticated", False):
        return []
    period = apprenticeship.period_of(semester)
    roles = []
    if _has(user, Role.APPRENTICE) and apprenticeship.apprentice_id == user.id:
        roles.append(RaterRole.APPRENTICE)
    if _has(user, Role.COMPANY_TUTOR) and period.company_tutor_id == user.id:
        roles.append(RaterRole.COMPANY_TUTOR)
    if _has(user, Role.ACADEMIC_TUTOR) and period.academic_tutor_id == user.id:
        roles.append(RaterRole.ACADEMIC_TUTOR)
    return roles


def may_read_grid(user: Any, grid: Any, own_grids: list[Any], review_available: bool) -> bool:
    """Independence: a rater reads another rater's grid once it is submitted and only
    after submitting their own; the programme manager reads any submitted grid. Once the
    three-way review is available (three grids in, or the window closed), everyone who
    sees the semester reads the submitted grids. Drafts are read by their author alone."""
    if grid in own_grids:
        return True
    if not grid.submitted:
        return False
    return (
        review_available
        or _has(user, Role.MANAGER)
        or (bool(own_grids) and all(g.submitted for g in own_grids))
    )


def may_lead_review(user: Any, apprenticeship: Any, semester: Any) -> bool:
    """The academic tutor of the semester leads its review and records the agreed levels."""
    from tracker.evaluations.models import RaterRole

    return RaterRole.ACADEMIC_TUTOR in rater_roles(user, apprenticeship, semester)


def may_reopen_semester(user: Any) -> bool:
    """Only a programme manager reopens a signed semester (with a reason)."""
    return _has(user, Role.MANAGER)


# --- Work situations ---------------------------------------------------------------------


def situation_period(apprenticeship: Any, ends_on: Any) -> Any:
    """The period a work situation is attributed to: like a semester, the one running
    when it ends (or when the contract ends, if it ends first)."""
    return apprenticeship.period_on(min(ends_on, apprenticeship.ends_on))


def may_view_situation_ending(user: Any, apprenticeship: Any, ends_on: Any) -> bool:
    """Full viewers read every situation; a former tutor reads those of their periods."""
    return has_full_view(user, apprenticeship) or _tutors(
        user, situation_period(apprenticeship, ends_on)
    )


def may_view_situation(user: Any, apprenticeship: Any, situation: Any) -> bool:
    """Who reads a situation, its files and its comments (see ``may_view_situation_ending``)."""
    return may_view_situation_ending(user, apprenticeship, situation.ends_on)


def may_edit_situations(user: Any, apprenticeship: Any) -> bool:
    """Only the apprentice records, edits and deletes their situations and files."""
    return _has(user, Role.APPRENTICE) and apprenticeship.apprentice_id == user.id


def may_comment_situation(user: Any, apprenticeship: Any, situation: Any) -> bool:
    """Tutors comment: the current ones, and those of the period the situation belongs to."""
    return _tutors(user, apprenticeship.current_period) or _tutors(
        user, situation_period(apprenticeship, situation.ends_on)
    )


# --- Livret and cohort dashboard -----------------------------------------------------------


def may_view_livret(user: Any, apprenticeship: Any) -> bool:
    """The livret (the whole progression) is read by the apprentice, their current tutors
    and the programme manager; a former tutor keeps only the semesters of their period."""
    return has_full_view(user, apprenticeship)


def may_view_cohort_dashboard(user: Any) -> bool:
    """Programme managers see every cohort's dashboard; academic tutors the dashboard of
    the cohorts of their apprentices, restricted to them."""
    return _has(user, Role.MANAGER) or _has(user, Role.ACADEMIC_TUTOR)


def dashboard_includes(user: Any, apprenticeship: Any) -> bool:
    """Whose lines a dashboard (and its export) shows: all for the programme manager, the
    apprentices an academic tutor currently follows for the tutor."""
    return _has(user, Role.MANAGER) or (
        _has(user, Role.ACADEMIC_TUTOR)
        and apprenticeship.current_period.academic_tutor_id == user.id
    )


def may_export_cohort_ratings(user: Any) -> bool:
    """The export holds every submitted grid of every semester, the current one included:
    only the programme manager, who already reads any submitted grid, downloads it (a
    tutor would otherwise read the other raters' grids before submitting their own)."""
    return _has(user, Role.MANAGER)


# --- Audit log -----------------------------------------------------------------------------


def may_read_audit(user: Any) -> bool:
    """The programme manager reads the audit log of any contract and semester."""
    return _has(user, Role.MANAGER)


# --- Conditions of award -------------------------------------------------------------------

# Kinds of evidence (tracker.conditions.models.EvidenceKind values).
_APPRENTICE_EVIDENCE = ("english", "mobility")


def _current_academic_tutor(user: Any, apprenticeship: Any) -> bool:
    return (
        _has(user, Role.ACADEMIC_TUTOR)
        and apprenticeship.current_period.academic_tutor_id == user.id
    )


def may_view_conditions(user: Any, apprenticeship: Any) -> bool:
    """The conditions of award and their proofs are read by the apprentice, the current
    tutors and the programme manager (a former tutor does not read them)."""
    return has_full_view(user, apprenticeship)


def may_validate_conditions(user: Any, apprenticeship: Any) -> bool:
    """The current academic tutor and the programme manager validate or refuse evidence."""
    return _has(user, Role.MANAGER) or _current_academic_tutor(user, apprenticeship)


def may_enter_condition(user: Any, apprenticeship: Any, kind: str) -> bool:
    """Who records (and edits) each kind of evidence: the apprentice their English
    certificates and mobility periods, the current academic tutor the final assessment
    (report and defence), the current company tutor the company's opinion; the programme
    manager every kind (a certificate sent to the school, an opinion sent by post)."""
    if _has(user, Role.MANAGER):
        return True
    if kind in _APPRENTICE_EVIDENCE:
        return _has(user, Role.APPRENTICE) and apprenticeship.apprentice_id == user.id
    if kind == "final_assessment":
        return _current_academic_tutor(user, apprenticeship)
    if kind == "company_opinion":
        return (
            _has(user, Role.COMPANY_TUTOR)
            and apprenticeship.current_period.company_tutor_id == user.id
        )
    return False


def may_delete_condition(user: Any, apprenticeship: Any, kind: str, validated: bool) -> bool:
    """Who records a kind of evidence deletes it; once validated, only a validator does."""
    return may_enter_condition(user, apprenticeship, kind) and (
        not validated or may_validate_conditions(user, apprenticeship)
    )


# --- Jury ------------------------------------------------------------------------------------


def may_manage_jury(user: Any) -> bool:
    """The programme manager prepares jury sessions: date, place, members, candidates."""
    return _has(user, Role.MANAGER)


def may_list_jury_sessions(user: Any) -> bool:
    """The list of sessions: every session for the programme manager, their own for a
    jury member."""
    return _has(user, Role.MANAGER) or _has(user, Role.JURY)


def may_view_jury_session(user: Any, jury_session: Any, is_member: bool) -> bool:
    """A session, its candidates, their decisions and its procès-verbal are read by the
    programme manager and by the members of that session (read-only for them)."""
    return _has(user, Role.MANAGER) or (_has(user, Role.JURY) and is_member)


def may_record_decisions(user: Any, jury_session: Any, is_president: bool) -> bool:
    """While the session is open, its president records the decisions (they chair the
    deliberation), or the programme manager who holds the pen for them."""
    if jury_session.closed:
        return False
    return _has(user, Role.MANAGER) or (_has(user, Role.JURY) and is_president)


def may_close_jury_session(user: Any, jury_session: Any, is_president: bool) -> bool:
    """The president (or the programme manager) closes the session: everything is final."""
    return may_record_decisions(user, jury_session, is_president)


# --- Jobs ----------------------------------------------------------------------------------


def may_view_job(user: Any, job: Any) -> bool:
    """A background job (its progress, its zip) is seen by the person who started it and
    by programme managers; to anyone else it does not exist (404)."""
    return _has(user, Role.MANAGER) or (
        getattr(user, "is_authenticated", False) and job.requested_by_id == user.id
    )


# --- Dossiers ------------------------------------------------------------------------------


def may_view_dossier(user: Any, apprenticeship: Any, *, sits_on_jury: bool) -> bool:
    """The jury dossier (its status page, its PDF, preparing it) is for those who read the
    whole livret, and for the members of a jury session that has the apprentice among its
    candidates (``sits_on_jury``, from ``tracker.jury.service.sits_on_jury_of``)."""
    return has_full_view(user, apprenticeship) or (_has(user, Role.JURY) and sits_on_jury)
