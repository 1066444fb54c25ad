"""People: cohorts and their calendar, accounts created by programme managers,
apprenticeships and their periods, and the whole-cohort CSV import.

Services flush and raise ``DomainError`` with a French message; they never commit and
never read the request. Every change is written to the audit log with its actor.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.audit.service import record
from tracker.auth.models import AccountToken, Role, User, UserRole
from tracker.auth.service import create_user, normalise_email, revoke_sessions
from tracker.db import utcnow
from tracker.errors import DomainError, NotFound
from tracker.i18n import _
from tracker.people.csv_import import CohortRow, LineError
from tracker.people.models import (
    SEMESTER_COUNT,
    Apprenticeship,
    ApprenticeshipPeriod,
    Cohort,
    CohortImportDraft,
    Semester,
)
from tracker.people.privacy import erase_person
from tracker.people.siret import is_valid_siret, normalise_siret
from tracker.referentials.models import Block, Certification, Track, track_blocks

# The defaults of a new cohort (DESIGN.md §3); each cohort may change them.
DEFAULT_SCALE = ("Non acquis", "En cours d'acquisition", "Acquis", "Maîtrisé")
DEFAULT_NOT_OBSERVED = "Non observé"
DEFAULT_THRESHOLD = 3
DEFAULT_TRAJECTORY = (1, 2, 2, 2, 3, 3)
MIN_LEVELS, MAX_LEVELS = 2, 10
# Evaluation window: opens three weeks before a semester ends, closes four weeks after.
WINDOW_OPENS_BEFORE_END = timedelta(days=21)
WINDOW_CLOSES_AFTER_END = timedelta(days=28)


# --- Cohorts --------------------------------------------------------------------------


@dataclass
class SemesterPlan:
    number: int
    starts_on: date
    ends_on: date
    window_opens_on: date
    window_closes_on: date
    expected_level: int


def default_semesters(start_year: int) -> list[SemesterPlan]:
    """Six semesters from September of ``start_year``: odd ones September to January,
    even ones February to August, each with its evaluation window around its end."""
    plans = []
    for number in range(1, SEMESTER_COUNT + 1):
        year = start_year + (number - 1) // 2
        if number % 2:
            starts_on, ends_on = date(year, 9, 1), date(year + 1, 1, 31)
        else:
            starts_on, ends_on = date(year + 1, 2, 1), date(year + 1, 8, 31)
        plans.append(
            SemesterPlan(
                number=number,
                starts_on=starts_on,
                ends_on=ends_on,
                window_opens_on=ends_on - WINDOW_OPENS_BEFORE_END,
                window_closes_on=ends_on + WINDOW_CLOSES_AFTER_END,
                expected_level=DEFAULT_TRAJECTORY[number - 1],
            )
        )
    return plans


def semester_plans(cohort: Cohort) -> list[SemesterPlan]:
    return [
        SemesterPlan(
            s.number,
            s.starts_on,
            s.ends_on,
            s.window_opens_on,
            s.window_closes_on,
            s.expected_level,
        )
        for s in cohort.semesters
    ]


def list_cohorts(session: Session) -> list[tuple[Cohort, int]]:
    """Every cohort, newest first, with its number of apprentices."""
    counts = (
        select(Apprenticeship.cohort_id, func.count().label("n"))
        .group_by(Apprenticeship.cohort_id)
        .subquery()
    )
    rows = session.execute(
        select(Cohort, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .order_by(Cohort.start_year.desc(), Cohort.name)
    )
    return [(cohort, count) for cohort, count in rows]


def get_cohort(session: Session, cohort_id: int) -> Cohort:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_("Promotion introuvable."))
    return cohort


def track_choices(session: Session) -> list[tuple[Certification, Track]]:
    """Every (certification version, track) a new cohort may follow: active versions."""
    certifications = session.scalars(
        select(Certification)
        .where(Certification.active)
        .options(selectinload(Certification.tracks))
        .order_by(Certification.code, Certification.version.desc())
    )
    return [(cert, track) for cert in certifications for track in cert.tracks]


def _check_name_free(session: Session, name: str, cohort_id: int | None = None) -> None:
    query = select(Cohort.id).where(func.lower(Cohort.name) == name.lower())
    if cohort_id is not None:
        query = query.where(Cohort.id != cohort_id)
    if session.scalar(query) is not None:
        raise DomainError(_("Une promotion porte déjà ce nom."))


def create_cohort(
    session: Session, *, track: Track, name: str, start_year: int, actor: User
) -> Cohort:
    """A cohort with the default scale, threshold, calendar and expected trajectory."""
    name = name.strip()
    _check_name_free(session, name)
    cohort = Cohort(
        name=name,
        certification=track.certification,
        track=track,
        start_year=start_year,
        scale_labels=list(DEFAULT_SCALE),
        not_observed_label=DEFAULT_NOT_OBSERVED,
        threshold=DEFAULT_THRESHOLD,
        semesters=[Semester(**vars(plan)) for plan in default_semesters(start_year)],
    )
    session.add(cohort)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="cohort.created",
        object_type="cohort",
        object_id=cohort.id,
        after=_cohort_state(cohort),
    )
    return cohort


def _cohort_state(cohort: Cohort) -> dict[str, Any]:
    return {
        "name": cohort.name,
        "certification_id": cohort.certification_id,
        "track_id": cohort.track_id,
        "start_year": cohort.start_year,
        "scale_labels": list(cohort.scale_labels),
        "not_observed_label": cohort.not_observed_label,
        "threshold": cohort.threshold,
        "semesters": [
            {key: _iso(value) for key, value in vars(plan).items()}
            for plan in semester_plans(cohort)
        ],
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def check_settings(
    scale_labels: Sequence[str], threshold: int, plans: Sequence[SemesterPlan]
) -> list[str]:
    """Every problem of a cohort's scale and calendar, in French (empty when valid)."""
    problems = []
    n = len(scale_labels)
    if not MIN_LEVELS <= n <= MAX_LEVELS:
        problems.append(
            _(
                "L'échelle doit compter de %(min)s à %(max)s niveaux.",
                min=MIN_LEVELS,
                max=MAX_LEVELS,
            )
        )
    if len({label.casefold() for label in scale_labels}) != n:
        problems.append(_("Deux niveaux de l'échelle portent le même libellé."))
    if not 1 <= threshold <= n:
        problems.append(
            _("Le seuil de maîtrise doit être un niveau de l'échelle (1 à %(n)s).", n=n)
        )
    previous: SemesterPlan | None = None
    for plan in plans:
        label = f"S{plan.number}"
        if plan.ends_on <= plan.starts_on:
            problems.append(_("%(s)s : la fin doit suivre le début.", s=label))
        if plan.window_closes_on < plan.window_opens_on:
            problems.append(
                _("%(s)s : la fenêtre d'évaluation doit se fermer après son ouverture.", s=label)
            )
        if plan.window_opens_on < plan.starts_on:
            problems.append(
                _(
                    "%(s)s : la fenêtre d'évaluation ne peut pas s'ouvrir avant le semestre.",
                    s=label,
                )
            )
        if not 1 <= plan.expected_level <= n:
            problems.append(
                _(
                    "%(s)s : le niveau attendu doit être un niveau de l'échelle (1 à %(n)s).",
                    s=label,
                    n=n,
                )
            )
        if previous is not None:
            if plan.starts_on <= previous.ends_on:
                problems.append(
                    _("%(s)s doit commencer après la fin de S%(p)s.", s=label, p=previous.number)
                )
            if plan.expected_level < previous.expected_level:
                problems.append(
                    _(
                        "%(s)s : le niveau attendu ne peut pas baisser d'un semestre à l'autre.",
                        s=label,
                    )
                )
        previous = plan
    return problems


def cohort_has_ratings(session: Session, cohort: Cohort) -> bool:
    """Whether any grid of the cohort holds a rating (its scale is then fixed)."""
    from tracker.evaluations.models import Grid, Rating

    return (
        session.scalar(
            select(Rating.id)
            .join(Grid, Grid.id == Rating.grid_id)
            .join(Apprenticeship, Apprenticeship.id == Grid.apprenticeship_id)
            .where(Apprenticeship.cohort_id == cohort.id)
            .limit(1)
        )
        is not None
    )


def update_cohort(
    session: Session,
    cohort: Cohort,
    *,
    name: str,
    scale_labels: Sequence[str],
    not_observed_label: str,
    threshold: int,
    plans: Sequence[SemesterPlan],
    actor: User,
) -> None:
    name = name.strip()
    scale_labels = [label.strip() for label in scale_labels if label.strip()]
    problems = check_settings(scale_labels, threshold, plans)
    if problems:
        raise DomainError(" ".join(str(p) for p in problems))
    _check_name_free(session, name, cohort.id)
    scale_changed = (scale_labels, not_observed_label.strip()) != (
        list(cohort.scale_labels),
        cohort.not_observed_label,
    )
    if scale_changed and cohort_has_ratings(session, cohort):
        raise DomainError(
            _(
                "Des grilles de cette promotion sont déjà remplies : son échelle ne peut plus "
                "changer (les niveaux donnés et signés perdraient leur sens)."
            )
        )
    before = _cohort_state(cohort)
    cohort.name = name
    cohort.scale_labels = scale_labels
    cohort.not_observed_label = not_observed_label.strip()
    cohort.threshold = threshold
    by_number = {plan.number: plan for plan in plans}
    for semester in cohort.semesters:
        plan = by_number[semester.number]
        semester.starts_on, semester.ends_on = plan.starts_on, plan.ends_on
        semester.window_opens_on = plan.window_opens_on
        semester.window_closes_on = plan.window_closes_on
        semester.expected_level = plan.expected_level
    session.flush()
    after = _cohort_state(cohort)
    if after != before:
        record(
            session,
            actor_id=actor.id,
            action="cohort.updated",
            object_type="cohort",
            object_id=cohort.id,
            before=before,
            after=after,
        )


def cohort_apprenticeships(session: Session, cohort: Cohort) -> list[Apprenticeship]:
    return list(
        session.scalars(
            select(Apprenticeship)
            .join(Apprenticeship.apprentice)
            .where(Apprenticeship.cohort_id == cohort.id)
            .order_by(User.name)
        )
    )


# --- People ---------------------------------------------------------------------------


def get_person(session: Session, person_id: int) -> User:
    person = session.get(User, person_id)
    if person is None:
        raise NotFound(_("Personne introuvable."))
    return person


def list_people(session: Session, *, search: str = "", role: Role | None = None) -> list[User]:
    query = select(User).order_by(User.name, User.id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
    if role is not None:
        query = query.where(User.role_rows.any(UserRole.role == str(role)))
    return list(session.scalars(query))


def people_with_role(session: Session, role: Role) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.active, User.role_rows.any(UserRole.role == str(role)))
            .order_by(User.name)
        )
    )


def _roles_state(user: User) -> dict[str, Any]:
    return {"roles": sorted(str(role) for role in user.roles)}


def grant_role(session: Session, user: User, role: Role, *, actor: User) -> None:
    if user.has_role(role):
        return
    before = _roles_state(user)
    user.role_rows.append(UserRole(role=str(role)))
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="person.roles_changed",
        object_type="user",
        object_id=user.id,
        before=before,
        after=_roles_state(user),
    )


def create_person(
    session: Session, *, name: str, email: str, roles: Iterable[Role], actor: User
) -> User:
    """A new account without a password: the person joins through an invitation."""
    roles = set(roles)
    if not roles:
        raise DomainError(_("Choisissez au moins un rôle."))
    user = create_user(session, email=email, name=name, roles=roles)
    record(
        session,
        actor_id=actor.id,
        action="person.created",
        object_type="user",
        object_id=user.id,
        after=_roles_state(user),
    )
    return user


def find_or_create_person(
    session: Session, *, name: str, email: str, role: Role, actor: User
) -> tuple[User, bool]:
    """The account with this e-mail, given ``role`` if it lacked it, or a new invited
    account; ``True`` when it was created."""
    existing = session.scalar(select(User).where(User.email == normalise_email(email)))
    if existing is None:
        return create_person(session, name=name, email=email, roles={role}, actor=actor), True
    if existing.anonymised_at is not None or not existing.active:
        raise DomainError(
            _("Le compte %(email)s est désactivé : choisissez une autre adresse.", email=email)
        )
    grant_role(session, existing, role, actor=actor)
    return existing, False


def update_person(
    session: Session, person: User, *, name: str, email: str, roles: Iterable[Role], actor: User
) -> None:
    roles = set(roles)
    if person.anonymised_at is not None:
        raise DomainError(_("Cette personne a été anonymisée : sa fiche ne se modifie plus."))
    if not roles:
        raise DomainError(_("Choisissez au moins un rôle."))
    if person.id == actor.id and Role.MANAGER not in roles:
        raise DomainError(_("Vous ne pouvez pas retirer votre propre rôle de responsable."))
    email = normalise_email(email)
    taken = session.scalar(select(User.id).where(User.email == email, User.id != person.id))
    if taken is not None:
        raise DomainError(_("Un compte existe déjà avec cette adresse e-mail."))
    before = _roles_state(person)
    person.name, person.email = name.strip(), email
    person.role_rows = [row for row in person.role_rows if Role(row.role) in roles] + [
        UserRole(role=str(role)) for role in sorted(roles - person.roles)
    ]
    session.flush()
    after = _roles_state(person)
    record(
        session,
        actor_id=actor.id,
        action="person.updated" if before == after else "person.roles_changed",
        object_type="user",
        object_id=person.id,
        before=before,
        after=after,
    )


def set_active(session: Session, person: User, active: bool, *, actor: User) -> None:
    if person.id == actor.id:
        raise DomainError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if person.anonymised_at is not None:
        raise DomainError(_("Cette personne a été anonymisée : sa fiche ne se modifie plus."))
    if person.active == active:
        return
    person.active = active
    if not active:
        revoke_sessions(person)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="person.activated" if active else "person.deactivated",
        object_type="user",
        object_id=person.id,
    )


def anonymise_person(session: Session, person: User, *, actor: User) -> None:
    """Erase what identifies a person who left (RGPD) while keeping what they rated and
    signed attributed to a stable, anonymous account: name and e-mail are replaced,
    password and second factor removed, sign-in disabled, pending links deleted."""
    if person.id == actor.id:
        raise DomainError(_("Vous ne pouvez pas anonymiser votre propre compte."))
    if person.anonymised_at is not None:
        raise DomainError(_("Cette personne est déjà anonymisée."))
    # Stored data, not interface text: the same words whatever the manager's language.
    person.name = f"Personne anonymisée n° {person.id}"
    person.email = f"anonyme-{person.id}@anonyme.invalid"
    person.password_hash = None
    person.totp_secret = None
    person.totp_last_step = None
    person.active = False
    person.anonymised_at = utcnow()
    revoke_sessions(person)
    for token in session.scalars(select(AccountToken).where(AccountToken.user_id == person.id)):
        session.delete(token)
    erase_person(session, person)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="person.anonymised",
        object_type="user",
        object_id=person.id,
    )


# --- Apprenticeships ------------------------------------------------------------------


@dataclass
class Placement:
    """A company and its two tutors: what a period holds."""

    company_name: str
    siret: str
    company_tutor: User
    academic_tutor: User


def load_track_blocks(session: Session, cohort: Cohort) -> list[Block]:
    """The blocks of the cohort's track with their competences, in two queries."""
    return list(
        session.scalars(
            select(Block)
            .join(track_blocks, track_blocks.c.block_id == Block.id)
            .where(track_blocks.c.track_id == cohort.track_id)
            .options(selectinload(Block.competences))
            .order_by(Block.position)
        )
    )


def get_apprenticeship(session: Session, apprenticeship_id: int) -> Apprenticeship:
    apprenticeship = session.get(Apprenticeship, apprenticeship_id)
    if apprenticeship is None:
        raise NotFound(_("Contrat introuvable."))
    return apprenticeship


def _check_placement(placement: Placement, apprentice: User) -> Placement:
    siret = normalise_siret(placement.siret)
    if not is_valid_siret(siret):
        raise DomainError(
            _("Le SIRET %(siret)s n'est pas valide (14 chiffres, clé de contrôle).", siret=siret)
        )
    if not placement.company_name.strip():
        raise DomainError(_("Indiquez le nom de l'entreprise."))
    if apprentice.id in (placement.company_tutor.id, placement.academic_tutor.id):
        raise DomainError(_("L'apprenti·e ne peut pas être son propre tuteur."))
    if placement.company_tutor.id == placement.academic_tutor.id:
        raise DomainError(
            _("Le maître d'apprentissage et le tuteur académique doivent être deux personnes.")
        )
    if not placement.academic_tutor.has_role(Role.ACADEMIC_TUTOR):
        raise DomainError(_("Le tuteur académique choisi n'a pas ce rôle."))
    return Placement(
        placement.company_name.strip(), siret, placement.company_tutor, placement.academic_tutor
    )


def _period_state(period: ApprenticeshipPeriod) -> dict[str, Any]:
    return {
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat() if period.ends_on else None,
        "company_name": period.company_name,
        "siret": period.siret,
        "company_tutor_id": period.company_tutor_id,
        "academic_tutor_id": period.academic_tutor_id,
    }


def create_apprenticeship(
    session: Session,
    cohort: Cohort,
    *,
    apprentice: User,
    placement: Placement,
    starts_on: date,
    ends_on: date,
    actor: User,
) -> Apprenticeship:
    placement = _check_placement(placement, apprentice)
    if ends_on <= starts_on:
        raise DomainError(_("La fin du contrat doit suivre son début."))
    exists = session.scalar(
        select(Apprenticeship.id).where(
            Apprenticeship.cohort_id == cohort.id, Apprenticeship.apprentice_id == apprentice.id
        )
    )
    if exists is not None:
        raise DomainError(_("%(name)s fait déjà partie de cette promotion.", name=apprentice.name))
    apprenticeship = Apprenticeship(
        apprentice=apprentice, cohort=cohort, starts_on=starts_on, ends_on=ends_on
    )
    apprenticeship.periods.append(
        ApprenticeshipPeriod(
            starts_on=starts_on,
            company_name=placement.company_name,
            siret=placement.siret,
            company_tutor=placement.company_tutor,
            academic_tutor=placement.academic_tutor,
        )
    )
    session.add(apprenticeship)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="apprenticeship.created",
        object_type="apprenticeship",
        object_id=apprenticeship.id,
        after={
            "apprentice_id": apprentice.id,
            "cohort_id": cohort.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "period": _period_state(apprenticeship.periods[0]),
        },
    )
    return apprenticeship


def change_placement(
    session: Session,
    apprenticeship: Apprenticeship,
    *,
    effective_on: date,
    placement: Placement,
    actor: User,
) -> ApprenticeshipPeriod:
    """Close the current period the day before ``effective_on`` and open a new one with
    the new company or tutors. Earlier semesters stay with the earlier period's tutors."""
    placement = _check_placement(placement, apprenticeship.apprentice)
    current = apprenticeship.current_period
    if (
        placement.company_name == current.company_name
        and placement.siret == current.siret
        and placement.company_tutor.id == current.company_tutor_id
        and placement.academic_tutor.id == current.academic_tutor_id
    ):
        raise DomainError(_("Rien ne change : modifiez l'entreprise ou un tuteur."))
    if effective_on <= current.starts_on:
        raise DomainError(
            _(
                "Le changement doit prendre effet après le début de la période en cours (%(d)s).",
                d=current.starts_on.strftime("%d/%m/%Y"),
            )
        )
    if effective_on > apprenticeship.ends_on:
        raise DomainError(_("Le changement doit prendre effet avant la fin du contrat."))
    before = _period_state(current)
    current.ends_on = effective_on - timedelta(days=1)
    period = ApprenticeshipPeriod(
        starts_on=effective_on,
        company_name=placement.company_name,
        siret=placement.siret,
        company_tutor=placement.company_tutor,
        academic_tutor=placement.academic_tutor,
    )
    apprenticeship.periods.append(period)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="apprenticeship.placement_changed",
        object_type="apprenticeship",
        object_id=apprenticeship.id,
        before=before,
        after=_period_state(period),
    )
    return period


def update_contract_dates(
    session: Session,
    apprenticeship: Apprenticeship,
    *,
    starts_on: date,
    ends_on: date,
    actor: User,
) -> None:
    if ends_on <= starts_on:
        raise DomainError(_("La fin du contrat doit suivre son début."))
    periods = apprenticeship.periods
    if len(periods) > 1 and starts_on >= periods[1].starts_on:
        raise DomainError(_("Le contrat doit commencer avant le premier changement de tuteur."))
    if ends_on < periods[-1].starts_on:
        raise DomainError(_("Le contrat doit finir après le dernier changement de tuteur."))
    before = {
        "starts_on": apprenticeship.starts_on.isoformat(),
        "ends_on": apprenticeship.ends_on.isoformat(),
    }
    apprenticeship.starts_on, apprenticeship.ends_on = starts_on, ends_on
    periods[0].starts_on = starts_on
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="apprenticeship.dates_changed",
        object_type="apprenticeship",
        object_id=apprenticeship.id,
        before=before,
        after={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )


def apprenticeships_of(session: Session, apprentice: User) -> list[Apprenticeship]:
    return list(
        session.scalars(
            select(Apprenticeship)
            .options(selectinload(Apprenticeship.cohort))
            .where(Apprenticeship.apprentice_id == apprentice.id)
            .order_by(Apprenticeship.starts_on.desc())
        )
    )


@dataclass
class Tutoring:
    """An apprenticeship a tutor follows now (``current``) or followed earlier."""

    apprenticeship: Apprenticeship
    roles: list[Role]
    current: bool


def tutored_by(session: Session, tutor: User) -> list[Tutoring]:
    """The apprenticeships ``tutor`` follows or followed, current ones first."""
    apprenticeships = session.scalars(
        select(Apprenticeship)
        .options(selectinload(Apprenticeship.cohort))
        .join(Apprenticeship.periods)
        .where(
            or_(
                ApprenticeshipPeriod.company_tutor_id == tutor.id,
                ApprenticeshipPeriod.academic_tutor_id == tutor.id,
            )
        )
        .distinct()
    )
    result = []
    for apprenticeship in apprenticeships:
        current = apprenticeship.current_period
        mine = [
            p
            for p in apprenticeship.periods
            if tutor.id in (p.company_tutor_id, p.academic_tutor_id)
        ]
        roles = sorted(
            {Role.COMPANY_TUTOR for p in mine if p.company_tutor_id == tutor.id}
            | {Role.ACADEMIC_TUTOR for p in mine if p.academic_tutor_id == tutor.id}
        )
        result.append(Tutoring(apprenticeship, roles, current in mine))
    return sorted(
        result, key=lambda t: (not t.current, t.apprenticeship.apprentice.name.casefold())
    )


def followed_apprentices(session: Session, tutor: User) -> list[str]:
    """Each apprentice ``tutor`` follows now, as "Name (promotion X)", by name: what an
    invitation (e-mail and page) tells a tutor."""
    return sorted(
        (
            _(
                "%(name)s (promotion %(cohort)s)",
                name=t.apprenticeship.apprentice.name,
                cohort=t.apprenticeship.cohort.name,
            )
            for t in tutored_by(session, tutor)
            if t.current
        ),
        key=str.casefold,
    )


# --- Cohort CSV import ----------------------------------------------------------------


@dataclass
class PlannedLine:
    """One clean CSV line and what saving it will do."""

    row: CohortRow
    apprentice_exists: bool = False
    company_tutor_exists: bool = False
    academic_tutor_exists: bool = False


@dataclass
class ImportPlan:
    lines: list[PlannedLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def new_accounts(self) -> int:
        emails = set()
        for line in self.lines:
            if not line.apprentice_exists:
                emails.add(line.row.apprentice_email)
            if not line.company_tutor_exists:
                emails.add(line.row.company_tutor_email)
            if not line.academic_tutor_exists:
                emails.add(line.row.academic_tutor_email)
        return len(emails)


def plan_import(
    session: Session, cohort: Cohort, rows: Sequence[CohortRow], errors: Sequence[LineError]
) -> ImportPlan:
    """Check the parsed lines against the database: what is new, what exists, what clashes."""
    plan = ImportPlan(errors=list(errors))
    emails = {
        e
        for row in rows
        for e in (row.apprentice_email, row.company_tutor_email, row.academic_tutor_email)
    }
    users = {
        user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))
    }
    enrolled = set(
        session.scalars(
            select(User.email)
            .join(Apprenticeship, Apprenticeship.apprentice_id == User.id)
            .where(Apprenticeship.cohort_id == cohort.id)
        )
    )
    for row in rows:
        line_errors = []
        for column, email in (
            ("apprenti_email", row.apprentice_email),
            ("maitre_email", row.company_tutor_email),
            ("tuteur_email", row.academic_tutor_email),
        ):
            user = users.get(email)
            if user is not None and (user.anonymised_at is not None or not user.active):
                line_errors.append(
                    LineError(
                        row.line, column, _("Le compte %(email)s est désactivé.", email=email)
                    )
                )
        if row.apprentice_email in enrolled:
            line_errors.append(
                LineError(
                    row.line,
                    "apprenti_email",
                    _("Cet·te apprenti·e fait déjà partie de la promotion."),
                )
            )
        if row.ends_on <= row.starts_on:
            line_errors.append(
                LineError(row.line, "fin", _("La fin du contrat doit suivre son début."))
            )
        if line_errors:
            plan.errors.extend(line_errors)
            continue
        plan.lines.append(
            PlannedLine(
                row,
                apprentice_exists=row.apprentice_email in users,
                company_tutor_exists=row.company_tutor_email in users,
                academic_tutor_exists=row.academic_tutor_email in users,
            )
        )
    plan.errors.sort(key=lambda error: error.line)
    return plan


@dataclass
class ImportOutcome:
    apprenticeships: list[Apprenticeship]
    invited: list[User]  # new accounts, to be sent their invitation after commit


def save_import(
    session: Session, cohort: Cohort, rows: Sequence[CohortRow], *, actor: User
) -> ImportOutcome:
    """Save every line or nothing: the caller rolls back on ``DomainError``."""
    plan = plan_import(session, cohort, rows, [])
    if plan.errors:
        first = plan.errors[0]
        raise DomainError(_("Ligne %(line)s : %(error)s", line=first.line, error=first.message))
    invited: dict[int, User] = {}
    apprenticeships = []
    for row in rows:
        people = {}
        for key, name, email, role in (
            ("apprentice", row.apprentice_name, row.apprentice_email, Role.APPRENTICE),
            ("company", row.company_tutor_name, row.company_tutor_email, Role.COMPANY_TUTOR),
            ("academic", row.academic_tutor_name, row.academic_tutor_email, Role.ACADEMIC_TUTOR),
        ):
            person, created = find_or_create_person(
                session, name=name, email=email, role=role, actor=actor
            )
            if created:
                invited[person.id] = person
            people[key] = person
        try:
            apprenticeships.append(
                create_apprenticeship(
                    session,
                    cohort,
                    apprentice=people["apprentice"],
                    placement=Placement(
                        row.company_name, row.siret, people["company"], people["academic"]
                    ),
                    starts_on=row.starts_on,
                    ends_on=row.ends_on,
                    actor=actor,
                )
            )
        except DomainError as error:
            raise DomainError(
                _("Ligne %(line)s : %(error)s", line=row.line, error=str(error))
            ) from None
    return ImportOutcome(apprenticeships, list(invited.values()))


def _row_to_json(row: CohortRow) -> dict[str, Any]:
    data = dict(vars(row))
    data["starts_on"], data["ends_on"] = row.starts_on.isoformat(), row.ends_on.isoformat()
    return data


def _row_from_json(data: dict[str, Any]) -> CohortRow:
    values = dict(data)
    values["starts_on"] = date.fromisoformat(values["starts_on"])
    values["ends_on"] = date.fromisoformat(values["ends_on"])
    return CohortRow(**values)


def create_import_draft(
    session: Session, cohort: Cohort, *, user: User, source_name: str, plan: ImportPlan
) -> CohortImportDraft:
    draft = CohortImportDraft(
        token=secrets.token_urlsafe(24),
        user_id=user.id,
        cohort_id=cohort.id,
        source_name=source_name[:255],
        payload={
            "rows": [_row_to_json(line.row) for line in plan.lines],
            "errors": [vars(error) for error in plan.errors],
        },
    )
    session.add(draft)
    session.flush()
    return draft


def get_import_draft(session: Session, cohort: Cohort, token: str, user: User) -> CohortImportDraft:
    """The draft of this user for this cohort; another manager's draft is not found."""
    draft = session.scalar(
        select(CohortImportDraft).where(
            CohortImportDraft.token == token,
            CohortImportDraft.user_id == user.id,
            CohortImportDraft.cohort_id == cohort.id,
        )
    )
    if draft is None:
        raise NotFound(_("Import introuvable ou déjà traité."))
    return draft


def draft_rows(draft: CohortImportDraft) -> tuple[list[CohortRow], list[LineError]]:
    payload = draft.payload
    rows = [_row_from_json(row) for row in payload["rows"]]  # type: ignore[union-attr]
    errors = [LineError(**error) for error in payload["errors"]]  # type: ignore[union-attr]
    return rows, errors
