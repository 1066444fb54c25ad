"""Recording audit events (services call ``record`` in the same transaction as the
change) and reading them back as the journal of one contract or one semester."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.evaluations.models import Grid, Review
from tracker.people.models import Apprenticeship, Semester
from tracker.referentials.models import Block, Competence
from tracker.situations.models import WorkSituation


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def events_for(session: Session, object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


# --- Reading the log: one apprenticeship, one semester ----------------------------------

# Kinds of event a journal can be filtered on. The keys travel in the address
# (``?type=grilles``), in French like the rest of the interface.
APPRENTICESHIP_KINDS = (
    "grilles",
    "bilan",
    "calendrier",
    "contrat",
    "relances",
    "situations",
    "conditions",
    "jury",
)
# Object types of the conditions of award (tracker.conditions.service.OBJECT_TYPES).
CONDITION_TYPES = ("english_certificate", "mobility_period", "final_assessment", "company_opinion")
SEMESTER_KINDS = ("grilles", "bilan", "calendrier", "relances")
# Campaign reminders are recorded on the contract with the semester's number
# (tracker.campaigns.service.record_reminder).
REMINDER_ACTION = "reminder.sent"
# A grid save lists up to ~35 competences: 50 events a page keep a page within the
# response-time budget (QUALITY.md) on the demo data.
PER_PAGE = 50

# The fields of a semester's plan (people.service ``_cohort_state``) that make its
# calendar: its dates and its evaluation window.
CALENDAR_FIELDS = ("starts_on", "ends_on", "window_opens_on", "window_closes_on")
WINDOW_FIELDS = ("window_opens_on", "window_closes_on")


def semester_plans_of(state: object) -> dict[int, dict[str, Any]]:
    """The semesters of a recorded cohort state, by number (empty if malformed)."""
    if not isinstance(state, dict) or not isinstance(state.get("semesters"), list):
        return {}
    return {
        plan["number"]: plan
        for plan in state["semesters"]
        if isinstance(plan, dict) and isinstance(plan.get("number"), int)
    }


def calendar_changes(
    before: object, after: object, fields: tuple[str, ...] = CALENDAR_FIELDS
) -> set[int]:
    """The numbers of the semesters whose ``fields`` differ between two cohort states."""
    old, new = semester_plans_of(before), semester_plans_of(after)
    return {
        number
        for number in old.keys() | new.keys()
        if any(old.get(number, {}).get(field) != new.get(number, {}).get(field) for field in fields)
    }


@dataclass
class JournalPage:
    """One page of a journal, newest first, with what presenting it needs: the names of
    the people it mentions (actors and ids in before/after), the grids and reviews its
    events are about, and the statements of the competences it names."""

    events: list[AuditEvent]
    total: int
    page: int
    per_page: int
    names: dict[int, str] = field(default_factory=dict)
    grids: dict[int, tuple[str, int]] = field(default_factory=dict)  # id: (role, semester id)
    reviews: dict[int, int] = field(default_factory=dict)  # id: semester id
    situations: dict[int, str] = field(default_factory=dict)  # id: title (existing ones)
    competences: dict[str, str] = field(default_factory=dict)  # code: statement
    competence_codes: dict[int, str] = field(default_factory=dict)  # id: code

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def events_for_apprenticeship(
    session: Session,
    apprenticeship: Apprenticeship,
    *,
    kinds: Iterable[str] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> JournalPage:
    """Everything recorded about one contract: the contract itself (dates, placements,
    reminders), its grids and reviews of every semester, its work situations, and the
    changes of its cohort's calendar."""
    return _journal(session, apprenticeship, None, kinds, page, per_page)


def events_for_semester(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    *,
    kinds: Iterable[str] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> JournalPage:
    """One semester of a contract: its three grids, its review (agreed levels,
    signatures, locking, reopenings) and the cohort changes of its dates or window."""
    return _journal(session, apprenticeship, semester, kinds, page, per_page)


def _journal(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester | None,
    kinds: Iterable[str] | None,
    page: int,
    per_page: int,
) -> JournalPage:
    allowed = SEMESTER_KINDS if semester is not None else APPRENTICESHIP_KINDS
    wanted = set(allowed) if kinds is None else set(kinds) & set(allowed)
    conditions = _conditions(session, apprenticeship, semester, wanted)
    if not conditions:
        return JournalPage(events=[], total=0, page=1, per_page=per_page)
    where = or_(*conditions)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    result = JournalPage(events=events, total=total, page=page, per_page=per_page)
    _load_context(session, apprenticeship, result)
    return result


def _conditions(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester | None,
    kinds: set[str],
) -> list[ColumnElement[bool]]:
    """Which events belong to the journal: one condition per kind asked for. Grids,
    reviews and situations are matched through subqueries, so the number of queries
    does not grow with the contract's history."""

    conditions: list[ColumnElement[bool]] = []
    on_contract = and_(
        AuditEvent.object_type == "apprenticeship", AuditEvent.object_id == apprenticeship.id
    )
    if "contrat" in kinds:
        conditions.append(and_(on_contract, AuditEvent.action != REMINDER_ACTION))
    if "relances" in kinds:
        reminder = and_(on_contract, AuditEvent.action == REMINDER_ACTION)
        if semester is not None:
            reminder = and_(reminder, AuditEvent.after["semester"].as_integer() == semester.number)
        conditions.append(reminder)
    for kind, object_type, model in (("grilles", "grid", Grid), ("bilan", "review", Review)):
        if kind not in kinds:
            continue
        ids = select(model.id).where(model.apprenticeship_id == apprenticeship.id)
        if semester is not None:
            ids = ids.where(model.semester_id == semester.id)
        conditions.append(
            and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))
        )
    if "situations" in kinds and semester is None:
        ids = select(WorkSituation.id).where(WorkSituation.apprenticeship_id == apprenticeship.id)
        # A deleted situation's row is gone: its events are found by the contract id
        # they carry in their before/after values.
        carried = [
            AuditEvent.before["apprenticeship_id"].as_integer() == apprenticeship.id,
            AuditEvent.after["apprenticeship_id"].as_integer() == apprenticeship.id,
        ]
        conditions.append(
            and_(
                AuditEvent.object_type == "work_situation",
                or_(AuditEvent.object_id.in_(ids), *carried),
            )
        )
    if "conditions" in kinds and semester is None:
        # Every condition event carries its contract's id in its before/after values.
        conditions.append(
            and_(
                AuditEvent.object_type.in_(CONDITION_TYPES),
                or_(
                    AuditEvent.before["apprenticeship_id"].as_integer() == apprenticeship.id,
                    AuditEvent.after["apprenticeship_id"].as_integer() == apprenticeship.id,
                ),
            )
        )
    if "jury" in kinds and semester is None:
        # A candidate's events carry their contract's id (tracker.jury.service).
        conditions.append(
            and_(
                AuditEvent.object_type == "jury_candidate",
                or_(
                    AuditEvent.before["apprenticeship_id"].as_integer() == apprenticeship.id,
                    AuditEvent.after["apprenticeship_id"].as_integer() == apprenticeship.id,
                ),
            )
        )
    if "calendrier" in kinds:
        ids = _calendar_event_ids(session, apprenticeship.cohort_id, semester)
        if ids:
            conditions.append(AuditEvent.id.in_(ids))
    return conditions


def _calendar_event_ids(session: Session, cohort_id: int, semester: Semester | None) -> list[int]:
    """The cohort updates that moved a semester's dates or window (that semester's only,
    when one is given). A cohort is updated a handful of times: its updates are compared
    here rather than in SQL, where JSON comparison differs between databases."""
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after).where(
            AuditEvent.object_type == "cohort",
            AuditEvent.object_id == cohort_id,
            AuditEvent.action == "cohort.updated",
        )
    )
    return [
        event_id
        for event_id, before, after in rows
        if (changed := calendar_changes(before, after))
        and (semester is None or semester.number in changed)
    ]


# Keys of before/after values that hold the id of a person.
PERSON_KEYS = frozenset(
    {"apprentice_id", "company_tutor_id", "academic_tutor_id", "rater_id", "signer_id"}
)


def _person_ids(value: object) -> set[int]:
    """Ids of people named in a before/after value, at any depth."""
    found: set[int] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, int) and not isinstance(item, bool) and key in PERSON_KEYS:
                found.add(item)
            else:
                found |= _person_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _person_ids(item)
    return found


def _load_context(session: Session, apprenticeship: Apprenticeship, result: JournalPage) -> None:
    """One query per kind of thing the page mentions, whatever the number of events:
    people, grids, reviews, situations, competences (by code and by id)."""

    events = result.events
    if not events:
        return
    people = {e.actor_id for e in events if e.actor_id is not None}
    for event in events:
        people |= _person_ids(event.before) | _person_ids(event.after)
        if event.action == REMINDER_ACTION and isinstance(event.after, dict):
            people |= _person_ids({"apprentice_id": event.after.get("to")})
    if people:
        result.names = dict(
            session.execute(select(User.id, User.name).where(User.id.in_(people))).tuples().all()
        )
    grid_ids = {e.object_id for e in events if e.object_type == "grid"}
    if grid_ids:
        result.grids = {
            grid_id: (role, semester_id)
            for grid_id, role, semester_id in session.execute(
                select(Grid.id, Grid.rater_role, Grid.semester_id).where(Grid.id.in_(grid_ids))
            )
        }
    review_ids = {e.object_id for e in events if e.object_type == "review"}
    if review_ids:
        result.reviews = dict(
            session.execute(select(Review.id, Review.semester_id).where(Review.id.in_(review_ids)))
            .tuples()
            .all()
        )
    situation_ids = {e.object_id for e in events if e.object_type == "work_situation"}
    if situation_ids:
        result.situations = dict(
            session.execute(
                select(WorkSituation.id, WorkSituation.title).where(
                    WorkSituation.id.in_(situation_ids)
                )
            )
            .tuples()
            .all()
        )
    competence_ids = {
        competence_id
        for e in events
        if e.object_type == "work_situation"
        for state in (e.before, e.after)
        if isinstance(state, dict) and isinstance(state.get("competence_ids"), list)
        for competence_id in state["competence_ids"]
        if isinstance(competence_id, int)
    }
    if competence_ids:
        result.competence_codes = dict(
            session.execute(
                select(Competence.id, Competence.code).where(Competence.id.in_(competence_ids))
            )
            .tuples()
            .all()
        )
    codes = {
        key
        for e in events
        if e.object_type in ("grid", "review")
        for state in (e.before, e.after)
        if isinstance(state, dict)
        for key in state
    }
    if codes:
        result.competences = dict(
            session.execute(
                select(Competence.code, Competence.statement)
                .join(Block, Competence.block_id == Block.id)
                .where(
                    Block.certification_id == apprenticeship.cohort.certification_id,
                    Competence.code.in_(codes),
                )
            )
            .tuples()
            .all()
        )
