"""A semester in Chromium, as its three people live it: the apprentice, the company tutor
and the academic tutor fill and submit their grids, the academic tutor leads the review
and signs, the company tutor signs, the apprentice acknowledges: the semester is locked.
Then the programme manager reopens it, with a reason."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.people.models import Apprenticeship

APPRENTICE = "apprentie@demo.livret.fr"
# Hugo Petit (2nd year, RNCP39304: 26 competences), followed by Sophie Martin and Marc
# Lefèvre; the demo's campaign has just started for him (Sophie's grid is half done).
HUGO = "hugo.petit@demo.livret.fr"
SOPHIE = "maitre.apprentissage@demo.livret.fr"
MARC = "tuteur.academique@demo.livret.fr"
CLAIRE = "responsable@demo.livret.fr"


def _semester_url(live_app, email: str) -> str:  # type: ignore[no-untyped-def]
    from datetime import date

    with live_app.app_context():
        apprenticeship = db.session.scalar(
            select(Apprenticeship).join(Apprenticeship.apprentice).where(User.email == email)
        )
        number = apprenticeship.cohort.current_semester(date.today()).number
        return f"/contrats/{apprenticeship.id}/S{number}"


def _fill(page, *, skip_answered: bool = False) -> int:  # type: ignore[no-untyped-def]
    """Answer every radio group of the page still empty; returns how many were answered."""
    groups = page.locator("fieldset").filter(has=page.locator("input[type=radio]"))
    answered = 0
    for index in range(groups.count()):
        group = groups.nth(index)
        if skip_answered and group.locator("input:checked").count():
            continue
        choice = (
            "Non observé"
            if index % 7 == 6
            else ("3 — Acquis" if index % 2 else "2 — En cours d'acquisition")
        )
        group.get_by_label(choice).check()
        answered += 1
    return answered


def test_a_whole_semester_fill_submit_review_sign_lock(  # type: ignore[no-untyped-def]
    page, live_app, base_url, sign_in, check_a11y
) -> None:
    semester = _semester_url(live_app, HUGO)

    # The apprentice self-assesses: what is missing is said before submitting.
    sign_in(HUGO)
    page.goto(f"{base_url}{semester}/grille/auto-evaluation")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Auto-évaluation")
    expect(page.get_by_text("26 compétence(s) avant de pouvoir soumettre")).to_be_visible()
    page.get_by_role("button", name="Soumettre la grille").click()
    expect(page.get_by_text("Il reste 26 compétence(s)").first).to_be_visible()
    check_a11y()
    assert _fill(page) == 26
    page.get_by_role("button", name="Soumettre la grille").click()
    expect(page.get_by_text("Grille soumise")).to_be_visible()

    # The company tutor finishes the draft begun earlier, then submits.
    sign_in(SOPHIE)
    page.goto(f"{base_url}{semester}/grille/entreprise")
    assert page.locator("input[type=radio]:checked").count() == 13  # the draft kept them
    _fill(page, skip_answered=True)
    page.get_by_label("Commentaire général").fill("Très bon engagement sur le banc d'essai.")
    page.get_by_role("button", name="Soumettre la grille").click()
    expect(page.get_by_text("Grille soumise")).to_be_visible()
    # Independence: the academic tutor's grid is not in yet, nothing of it shows.
    expect(page.get_by_text("non visible").first).to_be_visible()

    # The academic tutor submits, then leads the review.
    sign_in(MARC)
    page.goto(f"{base_url}{semester}/grille/ecole")
    _fill(page)
    page.get_by_role("button", name="Soumettre la grille").click()
    page.get_by_role("link", name="Ouvrir le bilan").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bilan tripartite")
    expect(page.get_by_text("Très bon engagement sur le banc d'essai.")).to_be_visible()
    check_a11y()
    # Where the two tutors agreed the level is offered; the rest is decided together.
    offered = page.locator(".radio-group--cell input:checked").count()
    assert 0 < offered < 26
    _fill(page, skip_answered=True)
    page.get_by_label("Commentaire du bilan").fill("Objectif S suivant : autonomie en essais.")
    page.get_by_role("button", name="Enregistrer et signer").click()
    expect(page.get_by_text("Bilan enregistré et signé")).to_be_visible()
    expect(page.get_by_text("1 signature(s) sur 3")).to_be_visible()
    digest = page.locator("code.hash").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)

    # The company tutor signs the same content.
    sign_in(SOPHIE)
    page.goto(f"{base_url}{semester}/bilan")
    assert page.locator("code.hash").first.inner_text() == digest
    check_a11y()
    page.get_by_role("button", name="Signer le bilan").click()
    expect(page.get_by_text("Signature enregistrée.")).to_be_visible()

    # The apprentice acknowledges, with a remark: the semester is locked.
    sign_in(HUGO)
    page.goto(f"{base_url}{semester}/bilan")
    page.get_by_label("Votre remarque sur ce bilan (facultatif)").fill("Objectif bien compris.")
    page.get_by_role("button", name="J'ai pris connaissance du bilan").click()
    expect(page.get_by_text("le semestre est verrouillé").first).to_be_visible()
    expect(page.get_by_role("cell", name="Objectif bien compris.")).to_be_visible()
    check_a11y()
    page.goto(f"{base_url}{semester}")
    expect(page.get_by_text("verrouillé", exact=True)).to_be_visible()
    assert page.get_by_role("link", name="Remplir ma grille").count() == 0

    # The programme manager reopens it: a reason is required, the signed hash stays.
    sign_in(CLAIRE)
    page.goto(f"{base_url}{semester}/bilan")
    page.get_by_role("link", name="Rouvrir le semestre").click()
    check_a11y()
    page.get_by_role("button", name="Rouvrir le semestre").click()
    expect(page.get_by_role("alert").first).to_be_visible()  # the reason is missing
    check_a11y()
    page.get_by_label("Raison de la réouverture").fill("Niveau de C03 inversé avec C04.")
    page.get_by_role("button", name="Rouvrir le semestre").click()
    expect(page.get_by_text("Semestre rouvert")).to_be_visible()
    expect(page.get_by_role("cell", name=digest)).to_be_visible()
    check_a11y()


def test_the_apprentice_does_not_see_the_tutors_levels_before_submitting(  # type: ignore[no-untyped-def]
    page, live_app, base_url, sign_in
) -> None:
    sign_in(APPRENTICE)
    page.goto(f"{base_url}{_semester_url(live_app, APPRENTICE)}")
    expect(page.get_by_role("link", name="Remplir ma grille")).to_be_visible()
    assert page.get_by_text("Niveaux donnés").count() == 0
    expect(page.get_by_text("pas encore ouvert")).to_be_visible()
