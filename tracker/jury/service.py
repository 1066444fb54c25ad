"""Jury sessions: the session itself, its members and their composition check, its
candidates with their readiness, the decisions per block and overall, closing, and the
plain data of the procès-verbal.

Who may do what is asked by the views (``tracker.permissions``): the programme manager
prepares sessions; decisions are recorded by the programme manager or the session's
president; every other member reads. A closed session is final: every function that
changes something refuses it with ``SessionClosed`` (and the database refuses the rows'
changes too, see the migration).

The candidates' readiness reads the same retained levels as the cohort dashboard and the
same conditions of award as the livret, in a fixed number of queries whatever the number
of candidates (``formative_statuses``). Every change is written to the audit log: events
on the session (object type ``jury_session``) and on each candidate (``jury_candidate``,
carrying the contract's id, so the contract's journal shows them).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from time import perf_counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from tracker.audit.service import record
from tracker.auth.models import Role, User
from tracker.conditions.service import requirements_met_of
from tracker.conditions.wording import day
from tracker.db import in_ids, utcnow
from tracker.dossiers import render
from tracker.dossiers.service import DossierStore
from tracker.errors import DomainError, NotFound
from tracker.i18n import _
from tracker.jury.composition import Composition, Family, Rule, Seat, check, family_of, rule_for
from tracker.jury.models import (
    BLOCK_OUTCOME_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REPRESENTATION_LABELS,
    BlockDecision,
    BlockOutcome,
    Candidate,
    JuryMember,
    JurySession,
    MemberKind,
    Outcome,
    Representation,
    SessionStatus,
)
from tracker.livret.retained import retained_standings
from tracker.people.models import Apprenticeship, Cohort
from tracker.progress.rules import BlockState, BlockStatus, Readiness, block_status, readiness
from tracker.referentials.models import Block, Certification, track_blocks

log = logging.getLogger(__name__)

SESSION_TYPE = "jury_session"
CANDIDATE_TYPE = "jury_candidate"
PLACE_MAX = 200
CAPACITY_MAX = 200
COMMENT_MAX = 5_000


class SessionClosed(DomainError):
    """The session is closed: its decisions are final and nothing in it changes."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Cette session de jury est close : ses décisions sont définitives et plus rien "
                "n'y peut être modifié."
            )
        )


class StaleJury(DomainError):
    """Someone changed the session or the candidate after this page was loaded."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Ces informations ont été modifiées pendant que vous les consultiez : votre "
                "saisie n'a pas été enregistrée. Relisez la version enregistrée, puis "
                "recommencez si vous le souhaitez."
            )
        )


def sits_on_jury_of(session: Session, user_id: int, apprenticeship_id: int) -> bool:
    """Whether ``user_id`` is a member of a jury session (open or closed) that has this
    apprenticeship among its candidates: what lets a jury member read its dossier."""
    return (
        session.scalar(
            select(JuryMember.id)
            .join(Candidate, Candidate.jury_session_id == JuryMember.jury_session_id)
            .where(JuryMember.user_id == user_id, Candidate.apprenticeship_id == apprenticeship_id)
            .limit(1)
        )
        is not None
    )


# --- Reading sessions -------------------------------------------------------------------------


def get_jury_session(session: Session, jury_session_id: int) -> JurySession:
    found = session.scalar(
        select(JurySession)
        .where(JurySession.id == jury_session_id)
        .options(selectinload(JurySession.members))
    )
    if found is None:
        raise NotFound(_("Session de jury introuvable."))
    return found


def get_candidate(session: Session, jury_session: JurySession, candidate_id: int) -> Candidate:
    """A candidate of this session (another session's is not found)."""
    found = session.scalar(
        select(Candidate)
        .where(Candidate.id == candidate_id, Candidate.jury_session_id == jury_session.id)
        .options(
            joinedload(Candidate.apprenticeship).options(
                joinedload(Apprenticeship.apprentice), joinedload(Apprenticeship.cohort)
            ),
            selectinload(Candidate.block_decisions),
        )
    )
    if found is None:
        raise NotFound(_("Candidat introuvable."))
    return found


def member_of(jury_session: JurySession, user_id: int | None) -> JuryMember | None:
    """The user's seat in the session, if they sit on it."""
    return next((m for m in jury_session.members if m.user_id == user_id), None)


def president_of(jury_session: JurySession) -> JuryMember | None:
    return next((m for m in jury_session.members if m.is_president), None)


@dataclass(frozen=True)
class SessionSummary:
    jury_session: JurySession
    members: int
    candidates: int
    decided: int  # candidates with an overall decision


def list_sessions(session: Session, *, member_id: int | None = None) -> list[SessionSummary]:
    """Every session, latest first, with its counts (one query); only those where
    ``member_id`` sits when it is given."""
    members = (
        select(func.count(JuryMember.id))
        .where(JuryMember.jury_session_id == JurySession.id)
        .scalar_subquery()
    )
    candidates = (
        select(func.count(Candidate.id))
        .where(Candidate.jury_session_id == JurySession.id)
        .scalar_subquery()
    )
    decided = (
        select(func.count(Candidate.id))
        .where(Candidate.jury_session_id == JurySession.id, Candidate.decision.is_not(None))
        .scalar_subquery()
    )
    query = select(JurySession, members, candidates, decided).order_by(
        JurySession.held_on.desc(), JurySession.id.desc()
    )
    if member_id is not None:
        query = query.where(
            JurySession.members.any(JuryMember.user_id == member_id)  # type: ignore[arg-type]
        )
    return [SessionSummary(*row) for row in session.execute(query).tuples()]


def certification_choices(session: Session) -> list[Certification]:
    """The certifications a session can be held for: active ones, latest version first."""
    return list(
        session.scalars(
            select(Certification)
            .where(Certification.active)
            .order_by(Certification.code, Certification.version.desc())
        )
    )


def jury_accounts(session: Session, jury_session: JurySession) -> list[User]:
    """Active accounts with the jury role that do not sit on the session yet."""
    seated = {m.user_id for m in jury_session.members}
    return [
        user
        for user in session.scalars(
            select(User)
            .where(User.active, User.role_rows.any(role=str(Role.JURY)))
            .order_by(User.name)
        )
        if user.id not in seated
    ]


# --- Composition ------------------------------------------------------------------------------


def family(certification: Certification) -> Family:
    return family_of(certification.code, certification.certifiers or [], certification.title)


def rule_of(jury_session: JurySession) -> Rule:
    return rule_for(family(jury_session.certification))


def composition_of(jury_session: JurySession) -> Composition:
    """The session's members checked against its certification's rule."""
    return check(
        family(jury_session.certification),
        [
            Seat(m.kind, m.representation, m.is_president, m.represents_head)
            for m in jury_session.members
        ],
    )


# --- Readiness of candidates ----------------------------------------------------------------


@dataclass(frozen=True)
class FormativeBlock:
    """A block of the track as the livret sees it (formative: the tutors' ratings)."""

    id: int
    code: str
    short: str  # without the certification's prefix: BC01
    title: str
    status: BlockStatus

    @property
    def acquired(self) -> bool:
        return self.status.state is BlockState.ACQUIRED


@dataclass(frozen=True)
class CandidateStatus:
    """Where a contract stands for the jury: its track's blocks (from the signed
    semesters), the conditions of award, and whether it is ready (and why not)."""

    blocks: list[FormativeBlock]
    requirements: Mapping[str, bool]
    readiness: Readiness

    @property
    def blocks_missing(self) -> list[str]:
        """Short codes of the blocks not acquired yet."""
        return [b.short for b in self.blocks if not b.acquired]

    @property
    def requirements_missing(self) -> list[str]:
        return list(self.readiness.requirements_missing)


def _short(code: str, certification_code: str) -> str:
    return code.removeprefix(certification_code) or code


def track_blocks_of(session: Session, track_ids: Iterable[int]) -> dict[int, list[Block]]:
    """The blocks of each track with their competences, in position order (two queries)."""
    ids = sorted(set(track_ids))
    result: dict[int, list[Block]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(track_blocks.c.track_id, Block)
        .join(Block, Block.id == track_blocks.c.block_id)
        .where(in_ids(track_blocks.c.track_id, ids))
        .options(selectinload(Block.competences))
        .order_by(Block.position)
    ).tuples()
    for track_id, block in rows:
        result[track_id].append(block)
    return result


def formative_statuses(
    session: Session, apprenticeships: Sequence[Apprenticeship], today: date
) -> dict[int, CandidateStatus]:
    """The status of each contract (of any cohorts) for the jury, in a fixed number of
    queries: the blocks of their tracks, their retained levels (the table the cohort
    dashboard reads) and their conditions of award. A block is acquired by the default
    block rule (``progress.rules.block_status``); ready means every block of the track
    acquired and every condition of award met (``progress.rules.readiness``)."""
    if not apprenticeships:
        return {}
    blocks = track_blocks_of(session, {a.cohort.track_id for a in apprenticeships})
    standing = retained_standings(session, [a.id for a in apprenticeships])
    requirements = requirements_met_of(session, apprenticeships, today)
    result = {}
    for apprenticeship in apprenticeships:
        cohort = apprenticeship.cohort
        lines = [
            FormativeBlock(
                block.id,
                block.code,
                _short(block.code, cohort.certification.code),
                block.title,
                block_status(
                    [c.id for c in block.competences],
                    standing[apprenticeship.id],
                    cohort.threshold,
                ),
            )
            for block in blocks[cohort.track_id]
        ]
        met = requirements.get(apprenticeship.id, {})
        result[apprenticeship.id] = CandidateStatus(
            lines, met, readiness({b.code: b.status for b in lines}, met)
        )
    return result


@dataclass(frozen=True)
class CandidateLine:
    candidate: Candidate
    status: CandidateStatus
    decided_blocks: int  # blocks of the track with a jury decision

    @property
    def apprenticeship(self) -> Apprenticeship:
        return self.candidate.apprenticeship

    @property
    def total_blocks(self) -> int:
        return len(self.status.blocks)


# A contract as lists of candidates read it: the apprentice's name and the cohort; the
# roles of everyone and the periods stay unloaded.
_LEAN = (
    joinedload(Apprenticeship.apprentice).lazyload(User.role_rows),
    joinedload(Apprenticeship.cohort),
    lazyload(Apprenticeship.periods),
)


def _candidates(session: Session, jury_session: JurySession) -> list[Candidate]:
    """The session's candidates with their contract, apprentice, cohort and block
    decisions, by apprentice name (a fixed number of queries)."""
    candidates = list(
        session.scalars(
            select(Candidate)
            .where(Candidate.jury_session_id == jury_session.id)
            .options(
                joinedload(Candidate.apprenticeship).options(*_LEAN),
                selectinload(Candidate.block_decisions),
                joinedload(Candidate.decided_by).lazyload(User.role_rows),
            )
        ).unique()
    )
    candidates.sort(key=lambda c: (c.apprenticeship.apprentice.name.casefold(), c.id))
    return candidates


def candidate_lines(
    session: Session, jury_session: JurySession, today: date
) -> list[CandidateLine]:
    """The session's candidates with their readiness and how many blocks are decided."""
    candidates = _candidates(session, jury_session)
    statuses = formative_statuses(session, [c.apprenticeship for c in candidates], today)
    lines = []
    for candidate in candidates:
        status = statuses[candidate.apprenticeship_id]
        track = {b.id for b in status.blocks}
        decided = sum(1 for d in candidate.block_decisions if d.block_id in track)
        lines.append(CandidateLine(candidate, status, decided))
    return lines


def candidate_contract_ids(session: Session, jury_session: JurySession) -> list[int]:
    """The contracts of the session's candidates, by apprentice name (their dossiers)."""
    return list(
        session.scalars(
            select(Candidate.apprenticeship_id)
            .join(Apprenticeship, Apprenticeship.id == Candidate.apprenticeship_id)
            .join(User, User.id == Apprenticeship.apprentice_id)
            .where(Candidate.jury_session_id == jury_session.id)
            .order_by(User.name, Candidate.id)
        )
    )


@dataclass(frozen=True)
class EligibleGroup:
    cohort: Cohort
    lines: list[tuple[Apprenticeship, CandidateStatus]]


def eligible_candidates(
    session: Session, jury_session: JurySession, today: date
) -> list[EligibleGroup]:
    """The contracts of the cohorts of the session's certification (any version of the
    fiche) that are not candidates yet, by cohort and apprentice name, with their
    readiness."""
    taken = select(Candidate.apprenticeship_id).where(Candidate.jury_session_id == jury_session.id)
    apprenticeships = list(
        session.scalars(
            select(Apprenticeship)
            .join(Apprenticeship.cohort)
            .join(Cohort.certification)
            .join(Apprenticeship.apprentice)
            .where(
                Certification.code == jury_session.certification.code,
                Apprenticeship.id.not_in(taken),
            )
            .order_by(Cohort.start_year, Cohort.name, User.name, Apprenticeship.id)
            .options(*_LEAN)
        ).unique()
    )
    statuses = formative_statuses(session, apprenticeships, today)
    groups: dict[int, EligibleGroup] = {}
    for apprenticeship in apprenticeships:
        group = groups.setdefault(
            apprenticeship.cohort_id, EligibleGroup(apprenticeship.cohort, [])
        )
        group.lines.append((apprenticeship, statuses[apprenticeship.id]))
    return list(groups.values())


# --- Writing: the session -----------------------------------------------------------------------


def _ensure_open(jury_session: JurySession) -> None:
    if jury_session.closed:
        raise SessionClosed()


def _check_version(row: JurySession | Candidate, version: int) -> None:
    if version != row.version:
        raise StaleJury()


@dataclass(frozen=True)
class SessionInput:
    certification_id: int
    held_on: date
    place: str


def _session_state(jury_session: JurySession) -> dict[str, Any]:
    return {
        "certification_id": jury_session.certification_id,
        "held_on": jury_session.held_on.isoformat(),
        "place": jury_session.place,
    }


def _checked_session(session: Session, data: SessionInput) -> tuple[Certification, str]:
    certification = session.get(Certification, data.certification_id)
    if certification is None:
        raise DomainError(_("Choisissez la certification du jury."))
    place = (data.place or "").strip()
    if not place:
        raise DomainError(_("Indiquez le lieu de la session."))
    if len(place) > PLACE_MAX:
        raise DomainError(_("Le lieu dépasse %(n)s caractères.", n=PLACE_MAX))
    if not date(2000, 1, 1) <= data.held_on <= date(2100, 12, 31):
        raise DomainError(_("Cette date n'est pas plausible : vérifiez l'année."))
    return certification, place


def create_session(session: Session, data: SessionInput, *, actor: User) -> JurySession:
    certification, place = _checked_session(session, data)
    jury_session = JurySession(
        certification=certification,
        held_on=data.held_on,
        place=place,
        status=SessionStatus.OPEN.value,
        created_by_id=actor.id,
    )
    session.add(jury_session)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="jury_session.created",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        after=_session_state(jury_session),
    )
    return jury_session


def update_session(
    session: Session, jury_session: JurySession, data: SessionInput, *, version: int, actor: User
) -> bool:
    """Change the date, the place (and the certification while there is no candidate);
    False when nothing changed."""
    _ensure_open(jury_session)
    _check_version(jury_session, version)
    certification, place = _checked_session(session, data)
    if certification.id != jury_session.certification_id and jury_session.candidates:
        raise DomainError(
            _(
                "La session a déjà des candidats : sa certification ne change plus. Créez une "
                "autre session pour une autre certification."
            )
        )
    before = _session_state(jury_session)
    jury_session.certification = certification
    jury_session.held_on = data.held_on
    jury_session.place = place
    after = _session_state(jury_session)
    if after == before:
        return False
    _conform_members(jury_session)
    session.flush()
    changed = sorted(k for k in after if after[k] != before[k])
    record(
        session,
        actor_id=actor.id,
        action="jury_session.updated",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return True


# --- Writing: members -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    kind: str
    representation: str | None = None
    capacity: str = ""
    is_president: bool = False
    represents_head: bool = False


def _member_state(member: JuryMember) -> dict[str, Any]:
    return {
        "user_id": member.user_id,
        "kind": member.kind,
        "representation": member.representation,
        "capacity": member.capacity,
        "is_president": member.is_president,
        "represents_head": member.represents_head,
    }


def _checked_member(jury_session: JurySession, data: MemberInput) -> dict[str, Any]:
    rule = rule_of(jury_session)
    if data.kind not in {k.value for k in MemberKind}:
        raise DomainError(_("Indiquez si le membre est un professionnel ou un académique."))
    representation = data.representation or None
    if representation is not None and representation not in {r.value for r in Representation}:
        raise DomainError(_("Indiquez le collège du membre : employeurs ou salariés."))
    capacity = (data.capacity or "").strip()
    if len(capacity) > CAPACITY_MAX:
        raise DomainError(_("La qualité dépasse %(n)s caractères.", n=CAPACITY_MAX))
    return {
        "kind": data.kind,
        "representation": representation if rule.uses_representation else None,
        "capacity": capacity,
        "is_president": data.is_president,
        "represents_head": bool(
            data.represents_head and data.is_president and rule.head_label is not None
        ),
    }


def _conform_members(jury_session: JurySession) -> None:
    """After a change of certification, drop what the new rule does not use."""
    rule = rule_of(jury_session)
    for member in jury_session.members:
        if not rule.uses_representation:
            member.representation = None
        if rule.head_label is None:
            member.represents_head = False


def _hand_over_presidency(
    session: Session, jury_session: JurySession, keep: JuryMember | None, *, actor: User
) -> None:
    """Whoever presided steps down (flushed first: one president at a time, the
    database's unique index checks every row as it is written)."""
    for member in jury_session.members:
        if member is keep or not member.is_president:
            continue
        before = {"user_id": member.user_id, "is_president": True}
        after = {"user_id": member.user_id, "is_president": False}
        if member.represents_head:
            before["represents_head"], after["represents_head"] = True, False
        member.is_president = False
        member.represents_head = False
        session.flush()
        record(
            session,
            actor_id=actor.id,
            action="jury_session.member_updated",
            object_type=SESSION_TYPE,
            object_id=jury_session.id,
            before=before,
            after=after,
        )


def add_member(
    session: Session, jury_session: JurySession, user: User, data: MemberInput, *, actor: User
) -> JuryMember:
    _ensure_open(jury_session)
    if not user.has_role(Role.JURY) or not user.active:
        raise DomainError(
            _(
                "Seul un compte actif de membre du jury peut siéger : %(name)s n'en est pas un.",
                name=user.name,
            )
        )
    if member_of(jury_session, user.id) is not None:
        raise DomainError(_("%(name)s siège déjà dans ce jury.", name=user.name))
    values = _checked_member(jury_session, data)
    if values["is_president"]:
        _hand_over_presidency(session, jury_session, None, actor=actor)
    member = JuryMember(user=user, **values)
    jury_session.members.append(member)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="jury_session.member_added",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        after=_member_state(member),
    )
    return member


def get_member(jury_session: JurySession, member_id: int) -> JuryMember:
    found = next((m for m in jury_session.members if m.id == member_id), None)
    if found is None:
        raise NotFound(_("Membre introuvable."))
    return found


def update_member(session: Session, member: JuryMember, data: MemberInput, *, actor: User) -> bool:
    jury_session = member.jury_session
    _ensure_open(jury_session)
    values = _checked_member(jury_session, data)
    before = _member_state(member)
    if values["is_president"] and not member.is_president:
        _hand_over_presidency(session, jury_session, member, actor=actor)
    for name, value in values.items():
        setattr(member, name, value)
    after = _member_state(member)
    if after == before:
        return False
    session.flush()
    changed = sorted(k for k in after if after[k] != before[k])
    record(
        session,
        actor_id=actor.id,
        action="jury_session.member_updated",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        before={"user_id": member.user_id, **{k: before[k] for k in changed}},
        after={"user_id": member.user_id, **{k: after[k] for k in changed}},
    )
    return True


def remove_member(session: Session, member: JuryMember, *, actor: User) -> None:
    jury_session = member.jury_session
    _ensure_open(jury_session)
    before = _member_state(member)
    jury_session.members.remove(member)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="jury_session.member_removed",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        before=before,
    )


# --- Writing: candidates ------------------------------------------------------------------------


def _candidate_ids(candidate: Candidate) -> dict[str, int]:
    return {
        "apprenticeship_id": candidate.apprenticeship_id,
        "jury_session_id": candidate.jury_session_id,
    }


def add_candidates(
    session: Session, jury_session: JurySession, apprenticeship_ids: Iterable[int], *, actor: User
) -> int:
    """Add contracts of cohorts of the session's certification; those already candidates
    are left as they are. Returns how many were added."""
    _ensure_open(jury_session)
    ids = sorted(set(apprenticeship_ids))
    if not ids:
        raise DomainError(_("Cochez au moins un apprenti·e à présenter au jury."))
    found = {
        a.id: a
        for a in session.scalars(
            select(Apprenticeship)
            .where(in_ids(Apprenticeship.id, ids))
            .options(joinedload(Apprenticeship.cohort))
        )
    }
    code = jury_session.certification.code
    if set(ids) - set(found) or any(found[i].cohort.certification.code != code for i in ids):
        raise DomainError(
            _(
                "Seuls les apprentis des promotions de la certification %(code)s peuvent être "
                "présentés à ce jury.",
                code=code,
            )
        )
    present = set(
        session.scalars(
            select(Candidate.apprenticeship_id).where(Candidate.jury_session_id == jury_session.id)
        )
    )
    added = []
    for apprenticeship_id in ids:
        if apprenticeship_id in present:
            continue
        candidate = Candidate(apprenticeship_id=apprenticeship_id)
        jury_session.candidates.append(candidate)
        added.append(candidate)
    session.flush()
    for candidate in added:
        record(
            session,
            actor_id=actor.id,
            action="jury_candidate.added",
            object_type=CANDIDATE_TYPE,
            object_id=candidate.id,
            after=_candidate_ids(candidate),
        )
    return len(added)


def remove_candidate(session: Session, candidate: Candidate, *, actor: User) -> None:
    """Withdraw a candidate (with the decisions recorded for them, kept in the log)."""
    jury_session = candidate.jury_session
    _ensure_open(jury_session)
    codes = {d.block_id: d.block.code for d in candidate.block_decisions}
    before = {**_candidate_ids(candidate), **_decision_state(candidate, codes)}
    candidate_id = candidate.id
    record(
        session,
        actor_id=actor.id,
        action="jury_candidate.removed",
        object_type=CANDIDATE_TYPE,
        object_id=candidate_id,
        before=before,
    )
    jury_session.candidates.remove(candidate)
    session.flush()


# --- Writing: decisions -------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockChoice:
    """The jury's decision on one block: an ``BlockOutcome`` value, or "" for none yet."""

    decision: str
    comment: str = ""


def _decision_state(candidate: Candidate, codes: Mapping[int, str]) -> dict[str, Any]:
    """What the log keeps of a candidate's decisions: per block (by its code, ``codes``
    maps ids to codes), the decision and its comment; the overall decision and comment."""
    blocks = {codes.get(d.block_id, str(d.block_id)): d for d in candidate.block_decisions}
    return {
        "blocks": {
            code: {"decision": d.decision, "comment": d.comment}
            for code, d in sorted(blocks.items())
        },
        "decision": candidate.decision,
        "comment": candidate.comment,
    }


def _clean_comment(text: str) -> str:
    text = (text or "").strip()
    if len(text) > COMMENT_MAX:
        raise DomainError(_("Un commentaire dépasse %(n)s caractères.", n=COMMENT_MAX))
    return text


def record_decisions(
    session: Session,
    candidate: Candidate,
    *,
    track: Sequence[Block],
    blocks: Mapping[int, BlockChoice],
    decision: str,
    comment: str,
    version: int,
    actor: User,
) -> bool:
    """Record the jury's decisions on a candidate as seen on ``version``: per block of the
    candidate's ``track`` (a choice for every block given; "" removes a decision) and
    overall. The certification is awarded only with every block of the track acquired.
    Returns whether anything changed."""
    jury_session = candidate.jury_session
    _ensure_open(jury_session)
    _check_version(candidate, version)
    track_ids = {b.id for b in track}
    if set(blocks) - track_ids:
        raise DomainError(_("Ce bloc n'appartient pas au parcours du candidat."))
    outcomes = {o.value for o in BlockOutcome}
    cleaned: dict[int, BlockChoice] = {}
    for block_id, choice in blocks.items():
        if choice.decision and choice.decision not in outcomes:
            raise DomainError(_("Choisissez pour chaque bloc : acquis, non acquis ou ajourné."))
        cleaned[block_id] = BlockChoice(choice.decision, _clean_comment(choice.comment))
    overall = decision or None
    if overall is not None and overall not in {o.value for o in Outcome}:
        raise DomainError(_("Choisissez la décision du jury sur la certification."))
    existing = {d.block_id: d for d in candidate.block_decisions}
    final = {
        block_id: cleaned[block_id].decision
        if block_id in cleaned
        else (existing[block_id].decision if block_id in existing else "")
        for block_id in track_ids
    }
    if overall == Outcome.AWARDED and any(
        value != BlockOutcome.ACQUIRED for value in final.values()
    ):
        codes = [b.code for b in track if final[b.id] != BlockOutcome.ACQUIRED]
        raise DomainError(
            _(
                "La certification ne peut être délivrée que si tous les blocs du parcours sont "
                "acquis : ce n'est pas le cas de %(blocks)s.",
                blocks=", ".join(_short(c, jury_session.certification.code) for c in codes),
            )
        )
    codes = {b.id: b.code for b in track}
    before = _decision_state(candidate, codes)
    now = utcnow()
    for block_id, choice in cleaned.items():
        row = existing.get(block_id)
        if not choice.decision:
            if row is not None:
                candidate.block_decisions.remove(row)
            continue
        if row is None:
            candidate.block_decisions.append(
                BlockDecision(
                    block_id=block_id,
                    decision=choice.decision,
                    comment=choice.comment,
                    decided_by_id=actor.id,
                    decided_at=now,
                )
            )
        elif (row.decision, row.comment) != (choice.decision, choice.comment):
            row.decision, row.comment = choice.decision, choice.comment
            row.decided_by_id, row.decided_at = actor.id, now
    overall_comment = _clean_comment(comment)
    if (candidate.decision, candidate.comment) != (overall, overall_comment):
        candidate.decision = overall
        candidate.comment = overall_comment
        candidate.decided_by_id = actor.id if overall is not None else None
        candidate.decided_at = now if overall is not None else None
    after = _decision_state(candidate, codes)
    if after == before:
        return False
    # The candidate's version covers its block decisions too: a save of the block
    # decisions moves it, so a page showing the old ones is stale.
    candidate.updated_at = now
    session.flush()
    ids = _candidate_ids(candidate)
    changed_blocks = [
        code
        for code in sorted(before["blocks"].keys() | after["blocks"].keys())
        if before["blocks"].get(code) != after["blocks"].get(code)
    ]
    old: dict[str, Any] = {**ids}
    new: dict[str, Any] = {**ids}
    if changed_blocks:
        old["blocks"] = {k: before["blocks"].get(k) for k in changed_blocks}
        new["blocks"] = {k: after["blocks"].get(k) for k in changed_blocks}
    for key in ("decision", "comment"):
        if before[key] != after[key]:
            old[key], new[key] = before[key], after[key]
    record(
        session,
        actor_id=actor.id,
        action="jury_candidate.decided",
        object_type=CANDIDATE_TYPE,
        object_id=candidate.id,
        before=old,
        after=new,
    )
    return True


# --- Closing ------------------------------------------------------------------------------------


def close_problems(session: Session, jury_session: JurySession) -> list[str]:
    """What keeps the session from closing (empty: it may close): a conform composition,
    at least one candidate, and for each a decision on every block of the track and an
    overall decision."""
    if jury_session.closed:
        return []
    problems = []
    composition = composition_of(jury_session)
    if not composition.valid:
        problems.append(
            _(
                "La composition du jury n'est pas conforme à la règle de la certification : "
                "%(missing)s",
                missing=" ".join(composition.missing),
            )
        )
    candidates = _candidates(session, jury_session)
    if not candidates:
        problems.append(_("La session n'a aucun candidat."))
    blocks = track_blocks_of(session, {c.apprenticeship.cohort.track_id for c in candidates})
    no_overall = [c for c in candidates if c.decision is None]
    undecided = [
        c
        for c in candidates
        if {b.id for b in blocks[c.apprenticeship.cohort.track_id]}
        - {d.block_id for d in c.block_decisions}
    ]
    if undecided:
        problems.append(
            _(
                "Des blocs restent sans décision pour : %(names)s.",
                names=", ".join(c.apprenticeship.apprentice.name for c in undecided),
            )
        )
    if no_overall:
        problems.append(
            _(
                "La décision sur la certification manque pour : %(names)s.",
                names=", ".join(c.apprenticeship.apprentice.name for c in no_overall),
            )
        )
    return problems


def close_session(
    session: Session, jury_session: JurySession, *, version: int, actor: User
) -> None:
    """Close the session: its decisions become final and the procès-verbal too."""
    _ensure_open(jury_session)
    _check_version(jury_session, version)
    problems = close_problems(session, jury_session)
    if problems:
        raise DomainError(
            _("La session ne peut pas être close : %(problems)s", problems=" ".join(problems))
        )
    jury_session.status = SessionStatus.CLOSED.value
    jury_session.closed_at = utcnow()
    jury_session.closed_by_id = actor.id
    session.flush()
    counts: dict[str, int] = defaultdict(int)
    for candidate in jury_session.candidates:
        counts[candidate.decision or ""] += 1
    record(
        session,
        actor_id=actor.id,
        action="jury_session.closed",
        object_type=SESSION_TYPE,
        object_id=jury_session.id,
        before={"status": SessionStatus.OPEN.value},
        after={"status": SessionStatus.CLOSED.value, "decisions": dict(sorted(counts.items()))},
    )


# --- The procès-verbal --------------------------------------------------------------------------


def archive_name(jury_session: JurySession) -> str:
    """The name of the zip of the session's dossiers."""
    return f"dossiers-{jury_session.certification.code}-{jury_session.held_on.isoformat()}.zip"


def pv_filename(jury_session: JurySession) -> str:
    code = jury_session.certification.code
    return f"proces-verbal-{code}-{jury_session.held_on.isoformat()}.pdf"


def _text(label: object) -> str:
    return str(label)


def pv_context(session: Session, jury_session: JurySession) -> dict[str, Any]:
    """Everything the procès-verbal prints, as plain JSON-able data (also what its cache
    key is computed from): no rendering time in it, so a closed session always gives the
    same data."""
    certification = jury_session.certification
    composition = composition_of(jury_session)
    rule = composition.rule
    candidates = _candidates(session, jury_session)
    blocks = track_blocks_of(session, {c.apprenticeship.cohort.track_id for c in candidates})
    members = sorted(
        jury_session.members, key=lambda m: (not m.is_president, m.user.name.casefold())
    )
    president = president_of(jury_session)
    counts = {str(label): 0 for label in OUTCOME_LABELS.values()}
    undecided = 0
    candidate_data = []
    for candidate in candidates:
        apprenticeship = candidate.apprenticeship
        cohort = apprenticeship.cohort
        decisions = {d.block_id: d for d in candidate.block_decisions}
        if candidate.decision is None:
            undecided += 1
        else:
            counts[_text(OUTCOME_LABELS[Outcome(candidate.decision)])] += 1
        candidate_data.append(
            {
                "name": apprenticeship.apprentice.name,
                "cohort": cohort.name,
                "track": cohort.track.name,
                "blocks": [
                    {
                        "code": _short(block.code, cohort.certification.code),
                        "title": block.title,
                        "decision": decisions[block.id].decision if block.id in decisions else None,
                        "decision_label": _text(
                            BLOCK_OUTCOME_LABELS[BlockOutcome(decisions[block.id].decision)]
                        )
                        if block.id in decisions
                        else _("Pas encore de décision"),
                        "comment": decisions[block.id].comment if block.id in decisions else "",
                    }
                    for block in blocks[cohort.track_id]
                ],
                "decision": candidate.decision,
                "decision_label": _text(OUTCOME_LABELS[Outcome(candidate.decision)])
                if candidate.decision
                else _("Pas encore de décision"),
                "comment": candidate.comment,
            }
        )
    return {
        "certification": {
            "code": certification.code,
            "version": certification.version,
            "title": certification.title,
            "level": certification.level or "",
            "certifiers": list(certification.certifiers or []),
        },
        "session": {
            "id": jury_session.id,
            "held_on": day(jury_session.held_on),
            "place": jury_session.place,
            "closed": jury_session.closed,
            "closed_on": day(jury_session.closed_at.date()) if jury_session.closed_at else "",
            "closed_by": jury_session.closed_by.name if jury_session.closed_by else "",
        },
        "provisional": not jury_session.closed,
        "composition": {
            "rule": rule.text,
            "quoted": certification.jury_composition or "",
            "valid": composition.valid,
            "missing": list(composition.missing),
        },
        "members": [
            {
                "name": member.user.name,
                "kind": _text(KIND_LABELS[MemberKind(member.kind)]),
                "representation": _text(
                    REPRESENTATION_LABELS[Representation(member.representation)]
                )
                if member.representation
                else "",
                "capacity": member.capacity,
                "president": member.is_president,
                "head": rule.head_label if member.represents_head and rule.head_label else "",
            }
            for member in members
        ],
        "president": president.user.name if president is not None else "",
        "candidates": candidate_data,
        "counts": {**counts, _("Sans décision"): undecided},
    }


def pv_fingerprint(context: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the procès-verbal's data."""
    canonical = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PvCache(DossierStore):
    """Rendered procès-verbaux, one file per fingerprint of their data (stored like the
    dossiers): the same data are rendered once; any change (a decision, a member renamed,
    the closing) gives another fingerprint, never a stale PDF."""

    def get(self, fingerprint: str) -> bytes | None:
        return self.path(fingerprint).read_bytes() if self.exists(fingerprint) else None

    def put(self, fingerprint: str, data: bytes) -> None:
        self.write(fingerprint, data)


def proces_verbal(session: Session, jury_session: JurySession, *, cache: PvCache) -> bytes:
    """The procès-verbal as a PDF, from ``cache`` when its data have been rendered before.

    The cache key is the fingerprint of the data (``pv_context``), which hold nothing that
    changes by itself: a closed session's procès-verbal is rendered once and then always
    read from the cache; an open session's is rendered again only after a change (a
    decision, a member) since its last download. A render takes some 0.3 s (up to 1 s for
    the first one of a process, which loads the fonts): acceptable in a request, rarely
    paid."""
    context = pv_context(session, jury_session)
    fingerprint = pv_fingerprint(context)
    cached = cache.get(fingerprint)
    if cached is not None:
        return cached
    certification = context["certification"]
    started = perf_counter()
    data = render.render_pdf(
        "pdf/proces_verbal.html",
        context,
        metadata=render.PdfMetadata(
            title=_(
                "Procès-verbal du jury %(code)s du %(day)s",
                code=certification["code"],
                day=context["session"]["held_on"],
            ),
            author=" ; ".join(certification["certifiers"])
            or _("Livret de suivi de l'apprentissage"),
            subject=_(
                "Délibérations du jury de la certification %(code)s — %(title)s",
                code=certification["code"],
                title=certification["title"],
            ),
        ),
    )
    log.info(
        "procès-verbal of jury session %s rendered in %.0f ms",
        jury_session.id,
        (perf_counter() - started) * 1000,
    )
    cache.put(fingerprint, data)
    return data
