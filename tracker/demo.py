"""Demonstration data for the Quickstart: ``flask --app wsgi demo load``.

Every capability adds its part here, so that a newcomer who runs the Quickstart sees each
feature at work on realistic French data. Refused in production.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from tracker.auth.models import Role, User
from tracker.auth.service import create_user, hash_password
from tracker.conditions.demo import seed_demo_conditions
from tracker.evaluations.demo import seed_evaluations
from tracker.extensions import db
from tracker.jury.demo import seed_demo_jury
from tracker.people.models import Cohort
from tracker.situations.demo import seed_demo_situations

DEMO_PASSWORD = "livret-demo-2026"  # noqa: S105 - documented demonstration password


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[Role, ...]


# The accounts the README lists: one per role, and a company tutor who handed over.
MANAGER = DemoAccount("responsable@demo.livret.fr", "Claire Dubois", (Role.MANAGER,))
ACADEMIC = DemoAccount("tuteur.academique@demo.livret.fr", "Marc Lefèvre", (Role.ACADEMIC_TUTOR,))
COMPANY = DemoAccount("maitre.apprentissage@demo.livret.fr", "Sophie Martin", (Role.COMPANY_TUTOR,))
FORMER_COMPANY = DemoAccount("ancien.maitre@demo.livret.fr", "Thomas Girard", (Role.COMPANY_TUTOR,))
APPRENTICE = DemoAccount("apprentie@demo.livret.fr", "Léa Bernard", (Role.APPRENTICE,))
JURY = DemoAccount("jury@demo.livret.fr", "Jean Moreau", (Role.JURY,))
ACCOUNTS = (MANAGER, ACADEMIC, COMPANY, FORMER_COMPANY, APPRENTICE, JURY)

# Their S2 review was reopened by the programme manager, corrected and signed again.
REOPENED = "Nathan Rousseau"

OTHER_ACADEMICS = {
    "cnam": ("Nadia Haddad", "nadia.haddad@demo.livret.fr"),
    "cqpm": ("Julien Roux", "julien.roux@demo.livret.fr"),
}


@dataclass(frozen=True)
class DemoCohort:
    code: str  # fiche RNCP
    track: str | None  # None: the fiche's only track
    name: str
    years_ago: int  # 2: started two academic years ago (now in S5)
    academic: str  # "marc" or a key of OTHER_ACADEMICS
    # (apprentice, company, SIRET, company tutor): names; e-mails are derived
    apprentices: tuple[tuple[str, str, str, str], ...]


COHORTS = (
    DemoCohort(
        "RNCP39303",
        None,
        "Arts et Métiers Mécanique — promotion {year}",
        2,
        "marc",
        (
            (APPRENTICE.name, "Aérotech Systèmes", "32601815908303", COMPANY.name),
            ("Nathan Rousseau", "Hydraulique Sud-Ouest", "76131860913906", "Philippe Roche"),
            ("Manon Lambert", "Alpes Usinage", "56030824628192", "Isabelle Colin"),
        ),
    ),
    DemoCohort(
        "RNCP39304",
        None,
        "Arts et Métiers Mécanique et Mécatronique — promotion {year}",
        1,
        "marc",
        (
            ("Hugo Petit", "Aérotech Systèmes", "32601815908303", COMPANY.name),
            ("Chloé Garnier", "Cobot France", "42199351819099", "Karim Saïdi"),
            ("Yanis Benali", "Énergies Marines Bretagne", "78657975432315", "Valérie Brun"),
        ),
    ),
    DemoCohort(
        "RNCP39056",
        None,
        "Cnam Mécanique — promotion {year}",
        1,
        "cnam",
        (
            ("Camille Chevalier", "Transmission Auto Lorraine", "48757491186259", "Olivier Noël"),
            ("Théo Mercier", "Ferroviaire Nord Équipements", "36018955597976", "Sandrine Picard"),
            ("Sarah Dupuis", "Mécanique de Précision du Rhône", "54710497465079", "Laurent Masson"),
        ),
    ),
    DemoCohort(
        "RNCP39055",
        "Angoulême",
        "Cnam Mécatronique Angoulême–Poitiers — promotion {year}",
        0,
        "cnam",
        (
            ("Enzo Faure", "Robotique Industrielle Poitou", "49170342366717", "Céline Roy"),
            ("Jade Robin", "Robotique Industrielle Poitou", "49170342366717", "Céline Roy"),
            ("Louis Gauthier", "Charentes Automatismes", "36842684656328", "Éric Barbier"),
        ),
    ),
    DemoCohort(
        "RNCP39055",
        "Paris",
        "Cnam Mécatronique Paris–Saint-Denis — promotion {year}",
        2,
        "cnam",
        (
            ("Emma Perrin", "Cobot France", "42199351819099", "Karim Saïdi"),
            ("Adam Renaud", "Métro Maintenance Île-de-France", "72330792440269", "Hélène Arnaud"),
            ("Zoé Marchand", "Alpes Usinage", "56030824628192", "Isabelle Colin"),
        ),
    ),
    DemoCohort(
        "RNCP21806",
        None,
        "CQPM Concepteur modélisateur — promotion {year}",
        0,
        "cqpm",
        (
            ("Gabriel Lemoine", "Chaudronnerie Picarde", "69952890786668", "Pascal Lefort"),
            ("Inès Carpentier", "Hydraulique Sud-Ouest", "76131860913906", "Philippe Roche"),
            ("Maxime Girardin", "Transmission Auto Lorraine", "48757491186259", "Olivier Noël"),
        ),
    ),
)


def _email(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", ".") + "@demo.livret.fr"


def academic_year_start(today: date) -> int:
    """The year the current academic year started in (September)."""
    return today.year if today.month >= 9 else today.year - 1


def _open_current_campaign(cohort: Cohort, today: date, manager: User) -> None:
    """Open the evaluation window of the semester running today (a campaign opened early
    by the programme manager), so the demo's grids can be filled right away."""
    from tracker.people import service as people

    current = cohort.current_semester(today)
    if current is None or current.window_open(today):
        return
    plans = people.semester_plans(cohort)
    plan = plans[current.number - 1]
    plan.window_opens_on = max(plan.starts_on, today - timedelta(days=14))
    people.update_cohort(
        db.session,
        cohort,
        name=cohort.name,
        scale_labels=cohort.scale_labels,
        not_observed_label=cohort.not_observed_label,
        threshold=cohort.threshold,
        plans=plans,
        actor=manager,
    )


def load_demo(today: date | None = None) -> list[DemoAccount]:
    """Fill an empty database with the demonstration data; returns the accounts.

    Cohorts are placed relative to ``today`` so the demo always shows a first-year, a
    second-year and a third-year cohort. Léa Bernard changed company tutor at the start
    of her second year: Thomas Girard keeps read access to her first two semesters.
    """
    from tracker.people import service as people
    from tracker.referentials.service import get_certification, load_bundled

    year = academic_year_start(today or date.today())
    load_bundled(db.session)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account
    accounts: dict[str, DemoAccount] = {}

    def person(name: str, email: str, role: Role) -> User:
        user, _created = people.find_or_create_person(
            db.session, name=name, email=email, role=role, actor=manager
        )
        user.password_hash = password_hash
        accounts[email] = DemoAccount(email, user.name, tuple(sorted(user.roles)))
        return user

    manager = create_user(db.session, email=MANAGER.email, name=MANAGER.name, roles={Role.MANAGER})
    manager.password_hash = password_hash
    accounts[MANAGER.email] = MANAGER
    person(JURY.name, JURY.email, Role.JURY)
    academics = {"marc": person(ACADEMIC.name, ACADEMIC.email, Role.ACADEMIC_TUTOR)} | {
        key: person(name, email, Role.ACADEMIC_TUTOR)
        for key, (name, email) in OTHER_ACADEMICS.items()
    }
    known_emails = {a.name: a.email for a in ACCOUNTS}
    for plan in COHORTS:
        certification = get_certification(db.session, plan.code)
        track = next(t for t in certification.tracks if plan.track is None or plan.track in t.name)
        start = year - plan.years_ago
        cohort = people.create_cohort(
            db.session,
            track=track,
            name=plan.name.format(year=start),
            start_year=start,
            actor=manager,
        )
        _open_current_campaign(cohort, today or date.today(), manager)
        contracts = []
        for apprentice_name, company, siret, tutor_name in plan.apprentices:
            # Léa Bernard's first company tutor handed over to Sophie Martin a year later.
            changed = apprentice_name == APPRENTICE.name
            tutors = [FORMER_COMPANY.name, tutor_name] if changed else [tutor_name]
            placements = [
                people.Placement(
                    company,
                    siret,
                    person(name, known_emails.get(name, _email(name)), Role.COMPANY_TUTOR),
                    academics[plan.academic],
                )
                for name in tutors
            ]
            apprentice = person(
                apprentice_name,
                known_emails.get(apprentice_name, _email(apprentice_name)),
                Role.APPRENTICE,
            )
            apprenticeship = people.create_apprenticeship(
                db.session,
                cohort,
                apprentice=apprentice,
                placement=placements[0],
                starts_on=date(start, 9, 1),
                ends_on=date(start + 3, 8, 31),
                actor=manager,
            )
            for placement in placements[1:]:
                people.change_placement(
                    db.session,
                    apprenticeship,
                    effective_on=date(start + 1, 9, 1),
                    placement=placement,
                    actor=manager,
                )
            contracts.append(apprenticeship)
        seed_evaluations(
            db.session,
            contracts,
            today or date.today(),
            manager,
            reopen=next((c for c in contracts if c.apprentice.name == REOPENED), None),
        )
        seed_demo_situations(db.session, contracts, today or date.today())
        seed_demo_conditions(db.session, contracts, today or date.today())
    jury_members = seed_demo_jury(
        db.session, manager, today or date.today(), password_hash=password_hash
    )
    for user in jury_members:
        accounts[user.email] = DemoAccount(user.email, user.name, tuple(sorted(user.roles)))
    db.session.flush()
    return list(accounts.values())


demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
@click.option("--json", "as_json", is_flag=True, help="Print the demo accounts as JSON.")
def load_command(if_empty: bool, as_json: bool) -> None:
    """Load the demonstration data into an empty database."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demonstration data are never loaded in production.")
    has_accounts = bool(db.session.scalar(select(func.count()).select_from(User)))
    if has_accounts and not if_empty:
        raise click.ClickException("The database is not empty: demo data go into an empty one.")
    accounts = list(ACCOUNTS)
    if not has_accounts:
        accounts = load_demo()
        db.session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "password": DEMO_PASSWORD,
                    "accounts": [
                        {"email": a.email, "name": a.name, "roles": [r.value for r in a.roles]}
                        for a in accounts
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif has_accounts:
        click.echo("Demonstration data already present: nothing loaded.")
    else:
        click.echo(f"Demonstration data loaded. Password of every account: {DEMO_PASSWORD}")
        for account in ACCOUNTS:
            roles = ", ".join(role.label for role in account.roles)
            click.echo(f"  {account.email:40} {account.name} ({roles})")
        others = len(accounts) - len(ACCOUNTS)
        click.echo(f"  ... and {others} more apprentices and tutors (demo load --json lists them).")
