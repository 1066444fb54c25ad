"""The demonstration jury sessions: realistic, readable by the demo jury account."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import page
from tracker.auth.models import Role, User
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.jury import service
from tracker.jury.demo import seed_demo_jury
from tracker.jury.models import JurySession

TODAY = date(2026, 11, 21)


def seeded(db_session):  # type: ignore[no-untyped-def]
    """The demo, with its jury sessions (seeded here until tracker.demo calls them)."""
    load_demo(today=TODAY)
    if db_session.scalar(select(JurySession.id)) is None:
        manager = db_session.scalar(select(User).where(User.email == "responsable@demo.livret.fr"))
        seed_demo_jury(db_session, manager, TODAY, password_hash=manager.password_hash)
    db_session.flush()
    return {s.certification.code: s for s in db_session.scalars(select(JurySession))}


def test_demo_jury_sessions(app, db_session) -> None:  # type: ignore[no-untyped-def]
    sessions = seeded(db_session)
    ensam, cnam = sessions["RNCP39303"], sessions["RNCP39055"]
    assert service.composition_of(ensam).valid
    assert {m.user.email for m in ensam.members} >= {"jury@demo.livret.fr"}
    assert service.president_of(ensam).user.name == "Hélène Vasseur"
    assert all(m.user.has_role(Role.JURY) for m in ensam.members)
    names = {c.apprenticeship.apprentice.name for c in ensam.candidates}
    assert names == {"Léa Bernard", "Nathan Rousseau", "Manon Lambert"}
    lea = next(c for c in ensam.candidates if c.apprenticeship.apprentice.name == "Léa Bernard")
    assert lea.decision == "deferred"
    assert len(lea.block_decisions) == 4
    lines = service.candidate_lines(db_session, ensam, TODAY)
    assert not any(line.status.readiness.ready for line in lines)  # third year, S5
    missing = service.composition_of(cnam).missing
    assert any("Parité non respectée" in m for m in missing)
    assert any("il en faut au moins 8" in m for m in missing)
    assert not cnam.closed
    assert all(s.held_on >= TODAY for s in sessions.values())


def test_the_demo_jury_account_reads_its_session(app, db_session, client) -> None:  # type: ignore[no-untyped-def]
    sessions = seeded(db_session)
    response = client.post(
        "/connexion", data={"email": "jury@demo.livret.fr", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    text = page(client.get("/jury/"))
    assert "RNCP39303" in text
    assert "RNCP39055" not in text
    ensam = sessions["RNCP39303"]
    text = page(client.get(f"/jury/sessions/{ensam.id}"))
    assert "Composition conforme" in text
    assert "Léa Bernard" in text
    assert "pas encore prêt·e" in text
    assert client.get(f"/jury/sessions/{sessions['RNCP39055'].id}").status_code == 404
