"""Campaign follow-up in Chromium: the manager reminds a tutor, who finds the grid on home."""

from __future__ import annotations

import re

from playwright.sync_api import expect

MANAGER = "responsable@demo.livret.fr"
COMPANY_TUTOR = "maitre.apprentissage@demo.livret.fr"


def test_manager_reminds_a_tutor_who_finds_the_grid_on_home(
    page, sign_in, check_a11y, outbox
) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.get_by_role("navigation").get_by_role("link", name="Promotions").click()
    page.get_by_role("link", name=re.compile("^Arts et Métiers Mécanique — promotion")).click()
    # The semester whose evaluation window is open today.
    page.locator("li", has_text="fenêtre ouverte").get_by_role(
        "link", name=re.compile(r"^Suivi S\d$")
    ).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Suivi de campagne S")
    expect(page.get_by_text(re.compile(r"\d+ grilles sur 9 soumises"))).to_be_visible()
    expect(page.get_by_role("rowheader", name="Léa Bernard")).to_be_visible()
    check_a11y()

    page.get_by_label("Seulement ceux qui ont quelque chose en attente").check()
    page.get_by_role("button", name="Filtrer").click()
    assert page.get_by_label("Seulement ceux qui ont quelque chose en attente").is_checked()
    page.get_by_label("Sophie Martin (Maître d'apprentissage, Léa Bernard)").check()
    page.get_by_role("button", name="Relancer les personnes cochées").click()
    expect(page.get_by_text("1 relance(s) envoyée(s) par e-mail : Sophie Martin.")).to_be_visible()
    expect(page.get_by_text(re.compile("relancé·e le")).first).to_be_visible()
    check_a11y()
    (reminder,) = [m for m in outbox if m.recipients == [COMPANY_TUTOR]]
    assert re.search(r"Léa Bernard : (remplir|terminer) et soumettre votre grille", reminder.body)
    link = re.search(r"http://\S+/grille/entreprise", reminder.body).group(0)

    sign_in(COMPANY_TUTOR)
    todo = page.locator("ul.todo-list")
    for name in ("Léa Bernard", "Hugo Petit"):  # one line per apprentice, one click each
        line = todo.locator(":scope > li", has_text=name)
        grid = line.get_by_role("link", name=re.compile(r"grille S\d à (remplir|terminer)"))
        assert grid.is_visible()
        assert grid.get_attribute("aria-describedby") == line.locator(
            ".todo-list__who"
        ).get_attribute("id")
    check_a11y()
    todo.locator(":scope > li", has_text="Léa Bernard").get_by_role(
        "link", name=re.compile("^grille")
    ).click()
    assert page.url == link
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Évaluation du maître d'apprentissage")
    )
