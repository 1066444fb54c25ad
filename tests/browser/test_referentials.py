"""Referential pages in Chromium: reading, exporting and importing with review."""

from __future__ import annotations

from pathlib import Path

from tracker.auth.models import Role
from tracker.referentials import service

BUNDLED = Path(str(service.BUNDLED))


def test_tutor_reads_a_certification(page, base_url, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(Role.ACADEMIC_TUTOR)
    page.get_by_role("link", name="Référentiels").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Référentiels de certification"
    assert page.get_by_role("link", name="Importer une fiche").count() == 0
    check_a11y()
    page.get_by_role("link", name="RNCP39055").click()
    assert page.get_by_role("heading", name="Paris / Saint-Denis").is_visible()
    page.get_by_text("Modalités d'évaluation du bloc RNCP39055BC01").click()
    check_a11y()


def test_manager_exports_a_referential(page, base_url, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in(Role.MANAGER)
    page.goto(f"{base_url}/referentiels/RNCP39303")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter pour Moodle (CSV)").click()
    assert download.value.suggested_filename == "RNCP39303-v1-moodle.csv"


def test_manager_imports_reviews_corrects_and_saves(
    page, base_url, sign_in, check_a11y, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    fiche = tmp_path / "RNCP98765.xml"
    fiche.write_bytes((BUNDLED / "RNCP21806.xml").read_bytes().replace(b"RNCP21806", b"RNCP98765"))
    sign_in(Role.MANAGER)
    page.goto(f"{base_url}/referentiels/")
    page.get_by_role("link", name="Importer une fiche").click()
    check_a11y()
    page.get_by_role("button", name="Lire le fichier").click()
    assert (
        page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").is_visible()
    )
    check_a11y()
    page.get_by_label("Fichier à importer").set_input_files(str(fiche))
    page.get_by_role("button", name="Lire le fichier").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Relire le découpage proposé"
    check_a11y()
    competences = page.get_by_label("Compétences du bloc RNCP98765BC02")
    competences.fill(competences.input_value() + "\nCompétence ajoutée à la relecture")
    page.get_by_role("button", name="Mettre à jour l'aperçu").click()
    assert page.get_by_text("Aperçu mis à jour").is_visible()
    assert page.get_by_text("RNCP98765BC02 — ").first.inner_text().endswith("(3 compétences)")
    page.get_by_role("button", name="Enregistrer le référentiel").click()
    assert page.get_by_text("RNCP98765 enregistrée en version 1.").is_visible()
    assert page.get_by_text("Compétence ajoutée à la relecture").is_visible()
    assert page.get_by_text("RNCP98765BC02.C03").is_visible()
    check_a11y()
