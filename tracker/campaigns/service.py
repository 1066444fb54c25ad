"""What each person still has to do for a semester, and who to remind.

The rules (``pending_items``), for one apprenticeship × semester:

- **grid to fill or finish**: while the evaluation window is open and the review is not
  frozen, each rater (apprentice, company tutor, academic tutor) whose grid is not
  submitted; the deadline is the window's last day;
- **review to conduct**: the academic tutor, once the review is available (three grids
  submitted, or the window closed) and not started or still open;
- **review to sign** (the apprentice: to acknowledge): while the review collects
  signatures, each role that has not signed its current revision.

The tutors concerned are those of the period running when the semester ends
(``Apprenticeship.period_of``); a semester outside the contract's dates asks nothing.

``pending_items`` is pure over loaded rows; the loaders below issue a fixed number of
queries whatever the number of apprentices (one for the apprenticeships and their periods,
one for the grids, one for the reviews and their signatures, one for the last reminders).
Nothing here reads the request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, defer, joinedload, lazyload, selectinload

from tracker.audit.models import AuditEvent
from tracker.audit.service import record
from tracker.auth.models import User
from tracker.db import in_ids
from tracker.evaluations.models import Grid, RaterRole, Review, ReviewStatus, Signature
from tracker.evaluations.service import review_available
from tracker.people.models import Apprenticeship, ApprenticeshipPeriod, Cohort, Semester

REMINDER_ACTION = "reminder.sent"


class PendingKind(StrEnum):
    GRID = "grid"  # fill in (or finish) one's grid
    LEAD_REVIEW = "lead_review"  # the academic tutor conducts the three-way review
    SIGN_REVIEW = "sign_review"  # sign the review (the apprentice: acknowledge it)


class ReviewState(StrEnum):
    """The review of a semester as the follow-up page shows it."""

    NOT_OPEN = "not_open"
    TO_LEAD = "to_lead"
    SIGNING = "signing"
    LOCKED = "locked"


@dataclass(frozen=True)
class PendingItem:
    apprenticeship_id: int
    semester_number: int
    role: RaterRole
    kind: PendingKind
    person_id: int
    # The last day to act, when there is one (a grid: the window's last day).
    deadline: date | None = None
    # A grid: a draft exists already ("à terminer" rather than "à remplir").
    started: bool = False


# --- The rules (pure) ---------------------------------------------------------------------


def raters(apprenticeship: Apprenticeship, semester: Semester) -> dict[RaterRole, int]:
    """Who holds each role for the semester (ids): the apprentice and the tutors of the
    period running when the semester ends."""
    period = apprenticeship.period_of(semester)
    return {
        RaterRole.APPRENTICE: apprenticeship.apprentice_id,
        RaterRole.COMPANY_TUTOR: period.company_tutor_id,
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor_id,
    }


def review_state(
    grids: Mapping[RaterRole, Grid], semester: Semester, review: Review | None, today: date
) -> ReviewState:
    if review is not None and review.status == ReviewStatus.LOCKED:
        return ReviewState.LOCKED
    if review is not None and review.status == ReviewStatus.SIGNING:
        return ReviewState.SIGNING
    if review is not None or review_available(grids, semester, today):
        return ReviewState.TO_LEAD
    return ReviewState.NOT_OPEN


def pending_items(
    apprenticeship: Apprenticeship,
    semester: Semester,
    grids: Mapping[RaterRole, Grid],
    review: Review | None,
    today: date,
) -> list[PendingItem]:
    """Everything the three people of this semester still have to do (module docstring)."""
    if not apprenticeship.covers(semester):
        return []
    people = raters(apprenticeship, semester)

    def item(
        role: RaterRole, kind: PendingKind, deadline: date | None = None, started: bool = False
    ) -> PendingItem:
        return PendingItem(
            apprenticeship.id, semester.number, role, kind, people[role], deadline, started
        )

    items = []
    frozen = review is not None and review.status != ReviewStatus.OPEN
    if semester.window_open(today) and not frozen:
        for role in RaterRole:
            grid = grids.get(role)
            if grid is None or not grid.submitted:
                items.append(
                    item(role, PendingKind.GRID, semester.window_closes_on, grid is not None)
                )
    if (review is None or review.status == ReviewStatus.OPEN) and review_available(
        grids, semester, today
    ):
        items.append(item(RaterRole.ACADEMIC_TUTOR, PendingKind.LEAD_REVIEW))
    elif review is not None and review.status == ReviewStatus.SIGNING:
        signed = review.current_signatures
        items += [item(role, PendingKind.SIGN_REVIEW) for role in RaterRole if role not in signed]
    return items


# --- Loading a cohort semester (fixed number of queries) -----------------------------------


def _grids_by_key(
    session: Session, semester_ids: Sequence[int], apprenticeship_ids: Sequence[int] | None
) -> dict[tuple[int, int], dict[RaterRole, Grid]]:
    """Grids of these semesters, by (apprenticeship id, semester id): their state, without
    their ratings or comment (what campaign pages need, for hundreds of contracts)."""
    query = (
        select(Grid)
        .where(Grid.semester_id.in_(semester_ids))
        .options(lazyload(Grid.ratings), defer(Grid.general_comment))
    )
    if apprenticeship_ids is not None:
        query = query.where(in_ids(Grid.apprenticeship_id, apprenticeship_ids))
    found: dict[tuple[int, int], dict[RaterRole, Grid]] = defaultdict(dict)
    for grid in session.scalars(query):
        found[grid.apprenticeship_id, grid.semester_id][RaterRole(grid.rater_role)] = grid
    return found


def _reviews_by_key(
    session: Session, semester_ids: Sequence[int], apprenticeship_ids: Sequence[int] | None
) -> dict[tuple[int, int], Review]:
    """Reviews of these semesters: their state, without agreed levels, comment or signed
    content (a locked review's content is the whole semester, kilobytes each), and the
    signatures of those being signed only (a locked one is signed by all three: on a
    finished semester, its signatures were a third of the follow-up page's time)."""
    query = (
        select(Review)
        .where(Review.semester_id.in_(semester_ids))
        .options(
            defer(Review.signed_content),
            defer(Review.comment),
            lazyload(Review.agreed),
            lazyload(Review.reopenings),
        )
    )
    if apprenticeship_ids is not None:
        query = query.where(in_ids(Review.apprenticeship_id, apprenticeship_ids))
    signing = Review.status == ReviewStatus.SIGNING.value
    found: dict[tuple[int, int], Review] = {}
    for part in (
        query.where(signing).options(
            selectinload(Review.signatures).options(lazyload(Signature.signer))
        ),
        query.where(~signing).options(lazyload(Review.signatures)),
    ):
        found.update({(r.apprenticeship_id, r.semester_id): r for r in session.scalars(part)})
    return found


def _apprenticeships(session: Session, cohort_ids: Iterable[int]) -> list[Apprenticeship]:
    """The apprenticeships of these cohorts, by apprentice name, with their periods and
    tutors (periods are loaded by one more query, tutors joined). Nobody's roles are
    loaded: for a cohort of 500 they were a third of the follow-up page's time."""
    return list(
        session.scalars(
            select(Apprenticeship)
            .join(Apprenticeship.apprentice)
            .where(Apprenticeship.cohort_id.in_(list(cohort_ids)))
            .order_by(User.name, Apprenticeship.id)
            .options(
                contains_eager(Apprenticeship.apprentice).lazyload(User.role_rows),
                selectinload(Apprenticeship.periods).options(
                    joinedload(ApprenticeshipPeriod.company_tutor).lazyload(User.role_rows),
                    joinedload(ApprenticeshipPeriod.academic_tutor).lazyload(User.role_rows),
                ),
            )
        )
    )


@dataclass(frozen=True)
class FollowUpRow:
    """One apprentice of a cohort semester on the follow-up page."""

    apprenticeship: Apprenticeship
    period: ApprenticeshipPeriod
    grids: Mapping[RaterRole, Grid]
    review: Review | None
    review_state: ReviewState
    pending: list[PendingItem]

    @property
    def signatures(self) -> dict[RaterRole, Signature]:
        """The signatures given so far to a review being signed."""
        if self.review is None or self.review_state != ReviewState.SIGNING:
            return {}
        return self.review.current_signatures

    @property
    def unsigned(self) -> list[RaterRole]:
        """Who has not signed yet: nobody once the review is locked."""
        if self.review_state == ReviewState.LOCKED:
            return []
        signed = self.signatures
        return [role for role in RaterRole if role not in signed]

    def person(self, role: RaterRole) -> User:
        if role == RaterRole.APPRENTICE:
            return self.apprenticeship.apprentice
        if role == RaterRole.COMPANY_TUTOR:
            return self.period.company_tutor
        return self.period.academic_tutor

    @property
    def pending_roles(self) -> list[RaterRole]:
        """The roles with something to do, in the usual order."""
        roles = {item.role for item in self.pending}
        return [role for role in RaterRole if role in roles]


@dataclass(frozen=True)
class FollowUp:
    """A cohort semester's campaign: one row per apprentice whose contract covers it."""

    cohort: Cohort
    semester: Semester
    rows: list[FollowUpRow]
    # When each person was last reminded for this cohort semester (UTC).
    last_reminded: dict[int, datetime] = field(default_factory=dict)

    @property
    def grids_submitted(self) -> int:
        return sum(1 for row in self.rows for grid in row.grids.values() if grid.submitted)

    @property
    def grids_expected(self) -> int:
        return len(self.rows) * len(RaterRole)

    @property
    def reviews_locked(self) -> int:
        return sum(1 for row in self.rows if row.review_state == ReviewState.LOCKED)

    @property
    def pending_by_person(self) -> dict[int, list[PendingItem]]:
        found: dict[int, list[PendingItem]] = defaultdict(list)
        for row in self.rows:
            for item in row.pending:
                found[item.person_id].append(item)
        return dict(found)

    def people(self) -> dict[int, User]:
        """Every person of the page, by id."""
        return {row.person(role).id: row.person(role) for row in self.rows for role in RaterRole}


def _rows(
    apprenticeships: Iterable[Apprenticeship],
    semester: Semester,
    grids: Mapping[tuple[int, int], Mapping[RaterRole, Grid]],
    reviews: Mapping[tuple[int, int], Review],
    today: date,
) -> list[FollowUpRow]:
    rows = []
    for apprenticeship in apprenticeships:
        if not apprenticeship.covers(semester):
            continue
        key = (apprenticeship.id, semester.id)
        its_grids = grids.get(key, {})
        review = reviews.get(key)
        rows.append(
            FollowUpRow(
                apprenticeship=apprenticeship,
                period=apprenticeship.period_of(semester),
                grids=its_grids,
                review=review,
                review_state=review_state(its_grids, semester, review, today),
                pending=pending_items(apprenticeship, semester, its_grids, review, today),
            )
        )
    return rows


def load_follow_up(session: Session, cohort: Cohort, semester: Semester, today: date) -> FollowUp:
    """The follow-up of one cohort semester, in a fixed number of queries."""
    apprenticeships = _apprenticeships(session, [cohort.id])
    grids = _grids_by_key(session, [semester.id], None)
    reviews = _reviews_by_key(session, [semester.id], None)
    last = last_reminders(session, cohort_ids=[cohort.id])
    return FollowUp(
        cohort=cohort,
        semester=semester,
        rows=_rows(apprenticeships, semester, grids, reviews, today),
        last_reminded={
            person: at
            for (person, cohort_id, number), at in last.items()
            if cohort_id == cohort.id and number == semester.number
        },
    )


def load_campaigns(session: Session, today: date) -> list[FollowUp]:
    """Every cohort semester with something that may be pending on ``today``: its window
    is open, or it has closed (a review may still be due). Fixed number of queries."""
    cohorts = list(session.scalars(select(Cohort).order_by(Cohort.start_year, Cohort.name)))
    semesters = [s for c in cohorts for s in c.semesters if s.window_opens_on <= today]
    if not semesters:
        return []
    ids = [s.id for s in semesters]
    apprenticeships = _apprenticeships(session, {s.cohort_id for s in semesters})
    by_cohort: dict[int, list[Apprenticeship]] = defaultdict(list)
    for apprenticeship in apprenticeships:
        by_cohort[apprenticeship.cohort_id].append(apprenticeship)
    grids = _grids_by_key(session, ids, None)
    reviews = _reviews_by_key(session, ids, None)
    return [
        FollowUp(
            cohort=semester.cohort,
            semester=semester,
            rows=_rows(by_cohort[semester.cohort_id], semester, grids, reviews, today),
        )
        for semester in semesters
    ]


# --- A person's own pending items (home page) ----------------------------------------------


@dataclass(frozen=True)
class PendingGroup:
    """What a person has to do for one apprenticeship (one line of their home page)."""

    apprenticeship: Apprenticeship
    items: list[PendingItem]


def pending_for(
    session: Session, user: User, apprenticeships: Iterable[Apprenticeship], today: date
) -> list[PendingGroup]:
    """``user``'s pending items over ``apprenticeships`` (those the caller loaded: the
    user's contracts and the ones they tutor or tutored), one group per apprenticeship,
    by apprentice name. Two queries whatever the number of apprenticeships."""
    apprenticeships = {a.id: a for a in apprenticeships}
    if not apprenticeships:
        return []
    ids = list(apprenticeships)
    semester_ids = [s.id for a in apprenticeships.values() for s in a.cohort.semesters]
    grids = _grids_by_key(session, semester_ids, ids)
    reviews = _reviews_by_key(session, semester_ids, ids)
    groups = []
    for apprenticeship in apprenticeships.values():
        items = [
            item
            for semester in apprenticeship.cohort.semesters
            for item in pending_items(
                apprenticeship,
                semester,
                grids.get((apprenticeship.id, semester.id), {}),
                reviews.get((apprenticeship.id, semester.id)),
                today,
            )
            if item.person_id == user.id
        ]
        if items:
            groups.append(PendingGroup(apprenticeship, items))
    return sorted(
        groups, key=lambda g: (g.apprenticeship.apprentice.name.casefold(), g.apprenticeship.id)
    )


# --- Reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One e-mail: everything one person has to do for one cohort semester."""

    person: User
    cohort: Cohort
    semester: Semester
    # Each item with the apprenticeship it is about.
    items: list[tuple[PendingItem, Apprenticeship]]


def reminders(follow_up: FollowUp, person_ids: Iterable[int] | None = None) -> list[Reminder]:
    """One reminder per person with pending items (among ``person_ids`` when given), by
    name. Disabled and anonymised accounts are left out: they cannot act."""
    wanted = None if person_ids is None else set(person_ids)
    people = follow_up.people()
    by_id = {row.apprenticeship.id: row.apprenticeship for row in follow_up.rows}
    result = []
    for person_id, items in follow_up.pending_by_person.items():
        person = people[person_id]
        if wanted is not None and person_id not in wanted:
            continue
        if not person.active or person.anonymised_at is not None:
            continue
        result.append(
            Reminder(
                person=person,
                cohort=follow_up.cohort,
                semester=follow_up.semester,
                items=[(item, by_id[item.apprenticeship_id]) for item in items],
            )
        )
    return sorted(result, key=lambda r: (r.person.name.casefold(), r.person.id))


def record_reminder(session: Session, reminder: Reminder, *, actor_id: int | None) -> None:
    """Write the reminder to the audit log: one event per apprenticeship and role it
    covers (ids and codes only, no names or addresses)."""
    kinds: dict[tuple[int, RaterRole], list[str]] = defaultdict(list)
    for item, apprenticeship in reminder.items:
        kinds[apprenticeship.id, item.role].append(item.kind.value)
    for (apprenticeship_id, role), items in kinds.items():
        record(
            session,
            actor_id=actor_id,
            action=REMINDER_ACTION,
            object_type="apprenticeship",
            object_id=apprenticeship_id,
            after={
                "to": reminder.person.id,
                "role": role.value,
                "items": items,
                "semester": reminder.semester.number,
            },
        )
    session.flush()


def last_reminders(
    session: Session, *, cohort_ids: Iterable[int] | None = None, since: datetime | None = None
) -> dict[tuple[int, int, int], datetime]:
    """When each person was last reminded, by (person id, cohort id, semester number),
    from the audit log in one query (optionally only reminders after ``since``)."""
    query = (
        select(AuditEvent.at, AuditEvent.after, Apprenticeship.cohort_id)
        .join(Apprenticeship, Apprenticeship.id == AuditEvent.object_id)
        .where(AuditEvent.action == REMINDER_ACTION, AuditEvent.object_type == "apprenticeship")
    )
    if cohort_ids is not None:
        query = query.where(Apprenticeship.cohort_id.in_(list(cohort_ids)))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    last: dict[tuple[int, int, int], datetime] = {}
    for at, after, cohort_id in session.execute(query):
        try:
            key = (int(after["to"]), cohort_id, int(after["semester"]))
        except (KeyError, TypeError, ValueError):
            continue  # not a reminder this code wrote
        if key not in last or at > last[key]:
            last[key] = at
    return last
