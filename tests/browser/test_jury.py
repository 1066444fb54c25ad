"""Jury sessions in Chromium: the programme manager reads a session (composition, candidates
and their readiness) and records a decision; the demo jury member reads their session and
the decisions, and nothing else. Every page passes axe-core."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

MANAGER = "responsable@demo.livret.fr"
JURY = "jury@demo.livret.fr"


@pytest.fixture(scope="module", autouse=True)
def jury_sessions(live_app: Flask) -> dict[str, int]:
    """The demo's jury sessions (seeded here while tracker.demo does not seed them)."""
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.jury.demo import seed_demo_jury
    from tracker.jury.models import JurySession

    with live_app.app_context():
        if db.session.scalar(select(JurySession.id)) is None:
            manager = db.session.scalar(select(User).where(User.email == MANAGER))
            seed_demo_jury(db.session, manager, date.today(), password_hash=manager.password_hash)
            db.session.commit()
        return {s.certification.code: s.id for s in db.session.scalars(select(JurySession)).all()}


def test_the_manager_reads_a_session_and_records_a_decision(  # type: ignore[no-untyped-def]
    page, base_url, sign_in, check_a11y, jury_sessions
) -> None:
    sign_in(MANAGER)
    page.get_by_role("link", name="Jurys").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions de jury")
    check_a11y()

    page.goto(f"{base_url}/jury/sessions/{jury_sessions['RNCP39303']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session de jury")
    expect(page.get_by_text("Composition conforme")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Jean Moreau")).to_contain_text("Professionnel")
    nathan = page.get_by_role("row").filter(has_text="Nathan Rousseau")
    expect(nathan).to_contain_text("pas encore prêt·e")
    expect(nathan.get_by_role("link", name=re.compile("Dossier"))).to_have_attribute(
        "href", re.compile(r"/contrats/\d+/dossier$")
    )
    check_a11y()

    # The session of the Cnam: its page says what the rule still asks for.
    page.goto(f"{base_url}/jury/sessions/{jury_sessions['RNCP39055']}")
    expect(page.get_by_text("Composition incomplète")).to_be_visible()
    expect(page.get_by_text("Parité non respectée (hors président)").first).to_be_visible()
    check_a11y()

    page.goto(f"{base_url}/jury/sessions/{jury_sessions['RNCP39303']}")
    nathan = page.get_by_role("row").filter(has_text="Nathan Rousseau")
    nathan.get_by_role("link", name="Nathan Rousseau", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nathan Rousseau")
    first_block = page.locator(".jury-block").first
    expect(first_block.locator(".jury-formative")).to_contain_text("Évaluation formative (livret)")
    check_a11y()
    decision = first_block.get_by_role("group", name=re.compile("Décision du jury — BC01"))
    decision.get_by_label("Acquis", exact=True).check()
    first_block.get_by_label(re.compile("Commentaire du jury — BC01")).fill(
        "Bonne maîtrise de la conception, attestée par trois situations."
    )
    page.get_by_role("button", name="Enregistrer les décisions").click()
    expect(page.get_by_role("status").filter(has_text="Décisions enregistrées.")).to_be_visible()
    expect(page.locator(".jury-block").first.get_by_label("Acquis", exact=True)).to_be_checked()
    check_a11y()


def test_the_jury_member_reads_their_session_only(  # type: ignore[no-untyped-def]
    page, base_url, sign_in, check_a11y, jury_sessions
) -> None:
    sign_in(JURY)
    page.get_by_role("link", name="Jurys").first.click()
    expect(page.get_by_role("link", name=re.compile("RNCP39303"))).to_be_visible()
    expect(page.get_by_text("RNCP39055")).to_have_count(0)
    check_a11y()

    page.get_by_role("link", name=re.compile("RNCP39303")).click()
    expect(page.get_by_text("le président du jury les saisit")).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter au jury")).to_have_count(0)
    check_a11y()

    page.get_by_role("row").filter(has_text="Léa Bernard").get_by_role(
        "link", name="Léa Bernard", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Léa Bernard")
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_text("Le jury statuera de nouveau")).to_be_visible()
    check_a11y()

    response = page.goto(f"{base_url}/jury/sessions/{jury_sessions['RNCP39055']}")
    assert response is not None
    assert response.status == 404


def test_the_managers_forms_are_accessible(  # type: ignore[no-untyped-def]
    page, base_url, sign_in, check_a11y, jury_sessions
) -> None:
    sign_in(MANAGER)
    session = f"{base_url}/jury/sessions/{jury_sessions['RNCP39055']}"
    page.goto(f"{base_url}/jury/sessions/nouvelle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle session de jury")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").count()
    check_a11y()
    for path, heading in (
        ("/modifier", "Modifier la session"),
        ("/candidats", "Ajouter des candidats"),
        ("/clore", "Clore la session"),
    ):
        page.goto(session + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_a11y()
    page.goto(session)
    page.get_by_role("link", name=re.compile("Modifier : Agnès Fontaine")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agnès Fontaine")
    check_a11y()
    # Inviting a member with the form left empty: the errors are tied to the fields.
    page.goto(session)
    page.get_by_role("button", name="Créer le compte et ajouter au jury").click()
    expect(page.get_by_label("Nom et prénom")).to_have_attribute("aria-invalid", "true")
    check_a11y()
