"""Personal data (RGPD): everything Livret holds about one person, as one JSON document.

Each domain adds its own section with ``@export_section("name")`` (evaluations, work
situations and jury decisions add theirs), so the export stays complete as the app grows.
Anonymisation lives in ``service.anonymise_person``; a domain that keeps copies of a
person's name elsewhere (the printed facts of jury dossiers) registers ``@on_anonymise``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.people.models import Apprenticeship, ApprenticeshipPeriod

Section = Callable[[Session, User], Any]
_SECTIONS: dict[str, Section] = {}


def export_section(name: str) -> Callable[[Section], Section]:
    def decorator(function: Section) -> Section:
        _SECTIONS[name] = function
        return function

    return decorator


Eraser = Callable[[Session, User], None]
_ERASERS: list[Eraser] = []


def on_anonymise(function: Eraser) -> Eraser:
    """Register what a domain erases when ``user`` is anonymised (their name and e-mail are
    already replaced when it runs, in the same transaction)."""
    _ERASERS.append(function)
    return function


def erase_person(session: Session, user: User) -> None:
    for eraser in _ERASERS:
        eraser(session, user)


def export_person(session: Session, user: User) -> dict[str, Any]:
    """A JSON-serialisable document of every section, dates in ISO 8601."""
    return {name: _plain(section(session, user)) for name, section in _SECTIONS.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@export_section("compte")
def _account(session: Session, user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "nom": user.name,
        "email": user.email,
        "roles": sorted(str(role) for role in user.roles),
        "actif": user.active,
        "double_authentification": user.totp_secret is not None,
        "cree_le": user.created_at,
        "anonymise_le": user.anonymised_at,
    }


def _period(period: ApprenticeshipPeriod) -> dict[str, Any]:
    return {
        "debut": period.starts_on,
        "fin": period.ends_on,
        "entreprise": period.company_name,
        "siret": period.siret,
        "maitre_apprentissage": period.company_tutor.name,
        "tuteur_academique": period.academic_tutor.name,
    }


@export_section("contrats_apprentissage")
def _apprenticeships(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(Apprenticeship).where(Apprenticeship.apprentice_id == user.id))
    return [
        {
            "promotion": a.cohort.name,
            "certification": f"{a.cohort.certification.code} v{a.cohort.certification.version}",
            "parcours": a.cohort.track.name,
            "debut": a.starts_on,
            "fin": a.ends_on,
            "periodes": [_period(p) for p in a.periods],
        }
        for a in rows
    ]


@export_section("tutorats")
def _tutoring(session: Session, user: User) -> list[dict[str, Any]]:
    periods = session.scalars(
        select(ApprenticeshipPeriod)
        .where(
            (ApprenticeshipPeriod.company_tutor_id == user.id)
            | (ApprenticeshipPeriod.academic_tutor_id == user.id)
        )
        .order_by(ApprenticeshipPeriod.starts_on)
    )
    return [
        {
            "apprenti": p.apprenticeship.apprentice.name,
            "promotion": p.apprenticeship.cohort.name,
            "role": "maitre_apprentissage"
            if p.company_tutor_id == user.id
            else "tuteur_academique",
            **_period(p),
        }
        for p in periods
    ]


@export_section("journal_des_actions")
def _actions(session: Session, user: User) -> list[dict[str, Any]]:
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at)
    )
    return [
        {"le": e.at, "action": e.action, "objet": e.object_type, "objet_id": e.object_id}
        for e in events
    ]
