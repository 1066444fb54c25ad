"""Demonstration jury sessions (called by ``tracker.demo`` once the cohorts are seeded).

Through the same service as the pages, so the audit log and the contracts' journals show
them too:

- the jury of the Arts et Métiers Mécanique cohort (RNCP39303), meeting today: its
  composition meets the ENSAM rule (four members, two professionals and two academics,
  chaired by the director general's representative); the demo jury account (Jean Moreau)
  sits on it; its three apprentices are candidates, not all of them ready, and the
  president has recorded the first decisions;
- the jury of the Cnam Mécatronique Paris–Saint-Denis cohort (RNCP39055), a month ahead,
  still being composed: its page says what the Cnam rule still asks for (quorum, parity).

The jury members other than the demo account get their own accounts (role "Membre du
jury"), with the demo password when ``password_hash`` is given.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.models import Role, User
from tracker.jury import service
from tracker.jury.models import JurySession
from tracker.people import service as people
from tracker.people.models import Apprenticeship, Cohort
from tracker.referentials.models import Certification

DEMO_JURY_EMAIL = "jury@demo.livret.fr"

# (name, e-mail, kind, capacity, president, head of school)
ENSAM_MEMBERS = (
    (
        "Hélène Vasseur",
        "helene.vasseur@demo.livret.fr",
        "academic",
        "Directrice générale adjointe aux formations, représentante du directeur général",
        True,
        True,
    ),
    (
        "Bertrand Lacoste",
        "bertrand.lacoste@demo.livret.fr",
        "academic",
        "Maître de conférences en génie mécanique, campus de Bordeaux-Talence",
        False,
        False,
    ),
    (
        None,  # the demo jury account
        DEMO_JURY_EMAIL,
        "professional",
        "Responsable bureau d'études, Safran Landing Systems",
        False,
        False,
    ),
    (
        "Sylvie Marchetti",
        "sylvie.marchetti@demo.livret.fr",
        "professional",
        "Directrice technique, Aquitaine Composites",
        False,
        False,
    ),
)
CNAM_MEMBERS = (
    (
        "Patrick Delorme",
        "patrick.delorme@demo.livret.fr",
        "academic",
        "Représentant du directeur de l'EICnam",
        True,
        True,
    ),
    (
        "Agnès Fontaine",
        "agnes.fontaine@demo.livret.fr",
        "academic",
        "Responsable nationale du diplôme d'ingénieur en mécatronique",
        False,
        False,
    ),
    (
        "Rachid Belkacem",
        "rachid.belkacem@demo.livret.fr",
        "professional",
        "Directeur du CFA partenaire",
        False,
        False,
    ),
    (
        "Isabelle Caron",
        "isabelle.caron@demo.livret.fr",
        "professional",
        "Responsable automatisation, Métro Maintenance Île-de-France",
        False,
        False,
    ),
)

# The apprentices whose case the ENSAM jury has examined so far: every block gets the
# decision its formative status suggests (acquired, or deferred until the last semester is
# signed), and the overall decision below (None: not taken yet).
EXAMINED = {
    "Léa Bernard": (
        "deferred",
        "Le jury statuera de nouveau à l'issue du semestre 6, au vu du dernier bilan "
        "tripartite signé et des conditions de délivrance qui restent à remplir.",
    ),
    "Manon Lambert": (None, ""),
}
ACQUIRED_COMMENT = "Acquis au vu du livret et des situations professionnelles présentées."
DEFERRED_COMMENT = (
    "Compétences encore sous le seuil ou non évaluées au dernier bilan signé ({codes}) : "
    "à revoir après le semestre 6."
)


def _cohort(session: Session, code: str, track: str | None = None) -> Cohort | None:
    cohorts = session.scalars(
        select(Cohort)
        .join(Cohort.certification)
        .where(Certification.code == code)
        .order_by(Cohort.start_year)
    ).all()
    return next((c for c in cohorts if track is None or track in c.track.name), None)


def _member(
    session: Session,
    name: str | None,
    email: str,
    *,
    manager: User,
    password_hash: str | None,
) -> User:
    if name is None:
        found = session.scalar(select(User).where(User.email == email))
        if found is None:
            raise LookupError(f"the demo jury account {email} is missing")
        return found
    user, created = people.find_or_create_person(
        session, name=name, email=email, role=Role.JURY, actor=manager
    )
    if created and password_hash is not None:
        user.password_hash = password_hash
    return user


def _session(
    session: Session,
    cohort: Cohort,
    held_on: date,
    place: str,
    members: tuple[tuple[str | None, str, str, str, bool, bool], ...],
    *,
    manager: User,
    password_hash: str | None,
) -> tuple[JurySession, list[User]]:
    created = service.create_session(
        session, service.SessionInput(cohort.certification_id, held_on, place), actor=manager
    )
    seated = []
    for name, email, kind, capacity, president, head in members:
        user = _member(session, name, email, manager=manager, password_hash=password_hash)
        service.add_member(
            session,
            created,
            user,
            service.MemberInput(
                kind=kind, capacity=capacity, is_president=president, represents_head=head
            ),
            actor=manager,
        )
        seated.append(user)
    contracts = session.scalars(
        select(Apprenticeship).where(Apprenticeship.cohort_id == cohort.id)
    ).all()
    service.add_candidates(session, created, [c.id for c in contracts], actor=manager)
    return created, seated


def seed_demo_jury(
    session: Session, manager: User, today: date, *, password_hash: str | None = None
) -> list[User]:
    """Seed the demonstration jury sessions; returns the jury accounts it created or
    seated (the demo jury account included)."""
    accounts: list[User] = []
    ensam = _cohort(session, "RNCP39303")
    if ensam is not None:
        jury_session, seated = _session(
            session,
            ensam,
            today,
            "Arts et Métiers, campus de Bordeaux-Talence — salle du conseil",
            ENSAM_MEMBERS,
            manager=manager,
            password_hash=password_hash,
        )
        accounts += seated
        _record_decisions(session, jury_session, today)
    cnam = _cohort(session, "RNCP39055", "Paris")
    if cnam is not None:
        _cnam_session, seated = _session(
            session,
            cnam,
            today + timedelta(days=30),
            "Cnam, 292 rue Saint-Martin, Paris 3e — amphithéâtre Abbé-Grégoire",
            CNAM_MEMBERS,
            manager=manager,
            password_hash=password_hash,
        )
        accounts += seated
    session.flush()
    return accounts


def _record_decisions(session: Session, jury_session: JurySession, today: date) -> None:
    president = service.president_of(jury_session)
    if president is None:
        return
    candidates = [
        c for c in jury_session.candidates if c.apprenticeship.apprentice.name in EXAMINED
    ]
    statuses = service.formative_statuses(session, [c.apprenticeship for c in candidates], today)
    for candidate in candidates:
        decision, comment = EXAMINED[candidate.apprenticeship.apprentice.name]
        status = statuses[candidate.apprenticeship_id]
        codes = {
            c.id: c.code.removeprefix(jury_session.certification.code)
            for block in service.track_blocks_of(
                session, [candidate.apprenticeship.cohort.track_id]
            )[candidate.apprenticeship.cohort.track_id]
            for c in block.competences
        }
        choices = {}
        for block in status.blocks:
            if block.acquired:
                choices[block.id] = service.BlockChoice("acquired", ACQUIRED_COMMENT)
            else:
                missing = block.status.below + block.status.unrated
                listed = ", ".join(codes[c] for c in missing) or block.short
                choices[block.id] = service.BlockChoice(
                    "deferred", DEFERRED_COMMENT.format(codes=listed)
                )
        if decision is None:
            choices = dict(list(choices.items())[:1])  # examined block by block: one so far
        service.record_decisions(
            session,
            candidate,
            track=people.load_track_blocks(session, candidate.apprenticeship.cohort),
            blocks=choices,
            decision=decision or "",
            comment=comment,
            version=candidate.version,
            actor=president.user,
        )
