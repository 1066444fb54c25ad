"""A typical three-year contract for the dossier tests (and for looking at a dossier by
hand): the bundled RNCP39303 fiche (33 competences in four blocks), six semesters signed
by the three parties, a change of company tutor after the first year, work situations and
conditions of award, all through the demo seeders and the real services."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session

from tests.conftest import PASSWORD
from tracker.auth.models import Role, User
from tracker.auth.service import create_user
from tracker.conditions.demo import seed_demo_conditions
from tracker.errors import NotFound
from tracker.evaluations.demo import seed_evaluations
from tracker.people import service as people
from tracker.people.models import Apprenticeship
from tracker.referentials import service as referentials
from tracker.situations.demo import seed_demo_situations

CODE = "RNCP39303"
START_YEAR = 2023
# After the sixth semester's evaluation window: every semester is signed.
AFTER_SIXTH = date(START_YEAR + 3, 10, 1)

_numbers = itertools.count(1)


def person(session: Session, role: Role, name: str) -> User:
    user = create_user(
        session,
        email=f"dossier{next(_numbers)}-{role.value}@exemple.fr",
        name=name,
        roles={role},
        password=PASSWORD,
    )
    session.flush()
    return user


def typical_apprenticeship(
    session: Session,
    *,
    name: str = "Léa Bernard",
    today: date = AFTER_SIXTH,
    situations: bool = True,
    conditions: bool = True,
) -> Apprenticeship:
    """A contract of RNCP39303 with every semester up to ``today`` signed."""
    record = next(r for r in referentials.bundled_records() if r.code == CODE)
    try:
        certification = referentials.get_certification(session, CODE)
    except NotFound:  # not loaded yet in this database
        certification = referentials.save_certification(
            session, record, source="rncp", source_name=f"bundled/{CODE}.xml"
        ).certification
    manager = person(session, Role.MANAGER, "Claire Dubois")
    cohort = people.create_cohort(
        session,
        track=certification.tracks[0],
        name=f"Arts et Métiers Mécanique — promotion {START_YEAR} ({next(_numbers)})",
        start_year=START_YEAR,
        actor=manager,
    )
    academic = person(session, Role.ACADEMIC_TUTOR, "Marc Lefèvre")
    first = person(session, Role.COMPANY_TUTOR, "Thomas Girard")
    second = person(session, Role.COMPANY_TUTOR, "Sophie Martin")
    apprenticeship = people.create_apprenticeship(
        session,
        cohort,
        apprentice=person(session, Role.APPRENTICE, name),
        placement=people.Placement("Aérotech Systèmes", "32601815908303", first, academic),
        starts_on=date(START_YEAR, 9, 1),
        ends_on=date(START_YEAR + 3, 8, 31),
        actor=manager,
    )
    people.change_placement(
        session,
        apprenticeship,
        effective_on=date(START_YEAR + 1, 9, 1),
        placement=people.Placement("Aérotech Systèmes", "32601815908303", second, academic),
        actor=manager,
    )
    seed_evaluations(session, [apprenticeship], today, manager)
    if situations:
        seed_demo_situations(session, [apprenticeship], today)
    if conditions:
        seed_demo_conditions(session, [apprenticeship], today)
    session.flush()
    return apprenticeship
