"""A semester grid in Chromium: one click from the tutor's home, draft, submit, read."""

from __future__ import annotations

import re

COMPANY_TUTOR = "maitre.apprentissage@demo.livret.fr"
APPRENTICE = "apprentie@demo.livret.fr"


def test_company_tutor_fills_and_submits_a_grid(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(COMPANY_TUTOR)
    page.get_by_role("link", name=re.compile(r"grille S\d à remplir — Léa Bernard")).click()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Évaluation du maître d'apprentissage")
    )
    check_a11y()
    groups = page.get_by_role("group").filter(has=page.locator("input[type=radio]"))
    total = groups.count()
    assert total == 33  # RNCP39303: every competence of the track, one radio group each
    groups.first.get_by_label("3 — Acquis").check()
    page.get_by_role("button", name="Soumettre la grille").click()
    assert page.get_by_text("Il reste 32 compétence(s)").first.is_visible()
    check_a11y()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    assert page.get_by_text("Brouillon enregistré : 32 compétence(s)").is_visible()
    assert groups.first.get_by_label("3 — Acquis").is_checked()  # the draft kept it
    for index in range(1, total):
        groups.nth(index).get_by_label(
            "Non observé" if index % 5 == 0 else "2 — En cours d'acquisition"
        ).check()
    page.get_by_label("Commentaire général").fill(
        "Très bon engagement sur le projet de banc d'essai."
    )
    page.get_by_role("button", name="Soumettre la grille").click()
    assert page.get_by_text("Grille soumise").is_visible()
    assert page.get_by_role("cell", name="3 — Acquis").first.is_visible()
    check_a11y()


def test_the_apprentice_does_not_see_the_tutors_levels_before_submitting(page, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.get_by_role("link", name=re.compile(r"mon auto-évaluation S\d")).click()
    page.get_by_role("link", name=re.compile(r"^S\d$")).click()
    assert page.get_by_role("link", name="Remplir ma grille").is_visible()
    assert page.get_by_text("Niveaux donnés").count() == 0
