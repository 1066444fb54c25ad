"""People, cohorts and access in Chromium: each role's journey on the demonstration data."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tracker.auth.models import Role
from tracker.people.csv_import import TEMPLATE_CSV

MANAGER = "responsable@demo.livret.fr"
APPRENTICE = "apprentie@demo.livret.fr"
FORMER_TUTOR = "ancien.maitre@demo.livret.fr"
COMPANY_TUTOR = "maitre.apprentissage@demo.livret.fr"
ACADEMIC_TUTOR = "tuteur.academique@demo.livret.fr"


def h1(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=1).inner_text()


def test_manager_adds_an_apprentice_and_the_company_tutor_joins_by_invitation(
    page, base_url, sign_in, check_a11y, outbox
) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.get_by_role("navigation").get_by_role("link", name="Promotions").click()
    check_a11y()
    page.get_by_role("link", name=re.compile("^Cnam Mécanique")).click()
    assert page.get_by_role("cell", name="Camille Chevalier").count() == 0  # a row header
    assert page.get_by_role("rowheader", name="Camille Chevalier").is_visible()
    check_a11y()
    page.get_by_role("link", name="Ajouter un·e apprenti·e").click()
    check_a11y()
    page.get_by_label("Nom de l'apprenti·e").fill("Lina Chauvin")
    page.get_by_label("E-mail de l'apprenti·e").fill("lina.chauvin@exemple.fr")
    page.get_by_label("Entreprise").fill("Forges de Picardie")
    page.get_by_label("SIRET de l'établissement").fill("732 829 320 00075")  # wrong key
    page.get_by_label("Nom du maître d'apprentissage").fill("Bruno Lacombe")
    page.get_by_label("E-mail du maître d'apprentissage").fill("bruno.lacombe@forges.example")
    page.get_by_role("button", name="Ajouter et inviter").click()
    siret = page.get_by_label("SIRET de l'établissement")
    assert siret.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").filter(has_text="SIRET non valide").count() == 1
    check_a11y()
    siret.fill("732 829 320 00074")
    page.get_by_role("button", name="Ajouter et inviter").click()
    assert h1(page) == "Lina Chauvin"
    assert page.get_by_text("Lina Chauvin ajouté·e à la promotion.").is_visible()
    check_a11y()
    invitation = next(m for m in outbox if m.recipients == ["bruno.lacombe@forges.example"])
    assert "Lina Chauvin" in invitation.body
    link = re.search(r"http://\S+/invitation/\S+", invitation.body).group(0)

    # The company tutor, with no account yet, follows the link and sets a password.
    page.context.clear_cookies()
    page.goto(link)
    assert page.get_by_text("Lina Chauvin").first.is_visible()
    check_a11y()
    page.get_by_label("Nouveau mot de passe", exact=True).fill("un mot de passe assez long")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("un mot de passe assez long")
    page.get_by_role("button", name="Activer mon compte").click()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    # Home leads to the new apprentice's livret, which names the company.
    page.get_by_role("link", name="Livret de Lina Chauvin").click()
    assert h1(page) == "Livret de suivi — Lina Chauvin"
    expect(page.get_by_text("Forges de Picardie").first).to_be_visible()
    check_a11y()


def test_manager_imports_a_cohort_file(page, base_url, sign_in, check_a11y, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.goto(f"{base_url}/promotions/")
    page.get_by_role("link", name=re.compile("^CQPM")).click()
    page.get_by_role("link", name="Importer un fichier CSV").click()
    check_a11y()
    bad = tmp_path / "promotion-erreurs.csv"
    lines = TEMPLATE_CSV.splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace("@", " at "), lines[2]]), "utf-8")
    page.get_by_label("Fichier CSV de la promotion").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier le fichier").click()
    assert page.get_by_text("rien ne sera enregistré").is_visible()
    assert page.get_by_role("button", name=re.compile("^Enregistrer")).count() == 0
    check_a11y()
    page.get_by_role("button", name="Abandonner cet import").click()
    assert page.get_by_text("Import abandonné").is_visible()

    good = tmp_path / "promotion.csv"
    good.write_text("\ufeff" + TEMPLATE_CSV, "utf-8")
    page.get_by_role("link", name="Importer un fichier CSV").click()
    page.get_by_label("Fichier CSV de la promotion").set_input_files(str(good))
    page.get_by_role("button", name="Vérifier le fichier").click()
    assert page.get_by_text("Fichier valide").is_visible()
    check_a11y()
    page.get_by_role("button", name=re.compile("^Enregistrer les 2")).click()
    assert page.get_by_text("2 apprenti·e(s) ajouté·e(s) à la promotion.").is_visible()


def test_manager_edits_the_calendar_and_a_person(page, base_url, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.goto(f"{base_url}/promotions/")
    page.get_by_role("link", name=re.compile("^Arts et Métiers Mécanique —")).click()
    page.get_by_role("link", name="Modifier l'échelle et le calendrier").click()
    check_a11y()
    page.get_by_label("S3 — Niveau attendu").fill("1")  # lower than S2: refused
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("S3 : le niveau attendu ne peut pas baisser").is_visible()
    check_a11y()
    page.get_by_label("S3 — Niveau attendu").fill("2")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("Promotion enregistrée.").is_visible()

    page.get_by_role("navigation").get_by_role("link", name="Personnes").click()
    page.get_by_label("Nom ou adresse e-mail").fill("girard")
    page.get_by_role("button", name="Rechercher").click()
    check_a11y()
    page.get_by_role("link", name="Thomas Girard").click()
    assert page.get_by_role("checkbox", name="Maître d'apprentissage").is_checked()
    check_a11y()


def test_apprentice_reads_their_contract_and_tutor_history(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.get_by_role("navigation").get_by_role("link", name="Mon contrat").click()
    assert h1(page) == "Léa Bernard"
    periods = page.get_by_role("table", name=re.compile("^Périodes du contrat"))
    assert periods.get_by_role("cell", name="Thomas Girard").is_visible()
    assert periods.get_by_role("cell", name="Sophie Martin").is_visible()
    semesters = page.get_by_role("table", name="Semestres et évaluateurs")
    assert semesters.get_by_role("row").count() == 7  # header + S1..S6
    assert page.get_by_role("link", name="Changer d'entreprise ou de tuteur").count() == 0
    check_a11y()
    assert page.get_by_role("navigation").get_by_role("link", name="Promotions").count() == 0


def test_former_tutor_sees_only_the_semesters_they_followed(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(FORMER_TUTOR)
    page.get_by_role("navigation").get_by_role("link", name="Mes apprentis").click()
    assert page.get_by_role("heading", name="Apprentis suivis auparavant").is_visible()
    check_a11y()
    page.get_by_role("link", name="Léa Bernard").click()
    assert page.get_by_text("vous n'êtes plus tuteur").is_visible()
    semesters = page.get_by_role("table", name="Semestres et évaluateurs")
    assert [row.inner_text() for row in semesters.get_by_role("rowheader").all()] == ["S1", "S2"]
    assert page.get_by_text("Sophie Martin").count() == 0
    check_a11y()


def test_tutors_reach_each_apprentice_in_one_click(page, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(COMPANY_TUTOR)
    home = page.get_by_role("main")
    expect(home.get_by_role("link", name="Livret de Léa Bernard", exact=True)).to_be_visible()
    expect(home.get_by_role("link", name="Livret de Hugo Petit", exact=True)).to_be_visible()
    check_a11y()
    sign_in(ACADEMIC_TUTOR)
    page.get_by_role("navigation").get_by_role("link", name="Mes apprentis").click()
    assert page.get_by_role("link", name="Nathan Rousseau").is_visible()
    check_a11y()


def test_jury_member_sees_no_people_pages(page, base_url, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(Role.JURY)
    navigation = page.get_by_role("navigation")
    for name in ("Promotions", "Personnes", "Mes apprentis", "Mon contrat"):
        assert navigation.get_by_role("link", name=name).count() == 0
    response = page.goto(f"{base_url}/promotions/")
    assert response.status == 403
    check_a11y()
    response = page.goto(f"{base_url}/contrats/1")
    assert response.status == 404


def test_anonymous_visitors_are_sent_to_the_login_page(page, base_url) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base_url}/contrats/1")
    assert Path(page.url.split("?")[0]).name == "connexion"
