"""The cohort dashboard, the livret and the tutor's alerts in Chromium, on the demo data."""

from __future__ import annotations

import re

from playwright.sync_api import expect

MANAGER = "responsable@demo.livret.fr"
ACADEMIC_TUTOR = "tuteur.academique@demo.livret.fr"
APPRENTICE = "apprentie@demo.livret.fr"


def test_manager_goes_from_the_dashboard_to_a_livret(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.get_by_role("navigation").get_by_role("link", name="Promotions").click()
    page.get_by_role("link", name=re.compile("^Arts et Métiers Mécanique — promotion 2024")).click()
    page.get_by_role("link", name="Tableau de bord de la promotion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tableau de bord")
    table = page.get_by_role("table")
    expect(table.get_by_role("rowheader", name="Léa Bernard")).to_be_visible()
    expect(table.get_by_role("columnheader", name="BC01")).to_be_visible()
    check_a11y()

    page.get_by_label("Afficher").select_option(label="En retard sur la trajectoire attendue")
    page.get_by_label("Trier par").select_option(label="Retard (le plus grand d'abord)")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_label("Afficher")).to_have_value("retard")
    first = table.get_by_role("row").nth(1)
    expect(first).to_contain_text("en retard")
    check_a11y()

    first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Livret de suivi")
    expect(
        page.get_by_text(re.compile(r"\d+ compétence\(s\) sous le niveau attendu"))
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Niveau moyen retenu par bloc"))).to_be_visible()
    page.get_by_text("Tableau des données").first.click()
    expect(
        page.get_by_role("table", name=re.compile("trajectoire", re.IGNORECASE)).first
    ).to_be_visible()
    page.get_by_text("Règles appliquées").first.click()
    expect(page.get_by_text("toutes ses compétences sont acquises").first).to_be_visible()
    check_a11y()


def test_tutor_sees_alerts_and_opens_the_livret(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(ACADEMIC_TUTOR)
    mine = page.locator("ul.tutored-list")
    expect(mine.get_by_role("link", name="Livret de Léa Bernard")).to_be_visible()
    expect(mine.get_by_text(re.compile("Écarts de 2 niveaux ou plus")).first).to_be_visible()
    check_a11y()
    mine.get_by_role("link", name="Livret de Léa Bernard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Léa Bernard")
    check_a11y()


def test_apprentice_reads_their_livret(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.get_by_role("link", name="Mon livret de suivi").click()
    expect(page.get_by_role("heading", name="Synthèse")).to_be_visible()
    expect(page.get_by_role("table", name="Statut des blocs de compétences")).to_be_visible()
    check_a11y()
