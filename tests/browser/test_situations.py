"""Work situations in Chromium: the apprentice describes a mission, links competences and
attaches a picture; the company tutor reads it and comments. Every page passes axe-core."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import expect

from tracker.demo import academic_year_start

APPRENTICE = "apprentie@demo.livret.fr"
COMPANY_TUTOR = "maitre.apprentissage@demo.livret.fr"
TITLE = "Mise au point du montage d'usinage d'un palier"


@pytest.fixture(scope="module", autouse=True)
def uploads(live_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The live app stores this module's files in a folder of its own."""
    folder = tmp_path_factory.mktemp("uploads")
    previous = live_app.config["UPLOAD_DIR"]
    live_app.config["UPLOAD_DIR"] = str(folder)
    yield folder
    live_app.config["UPLOAD_DIR"] = previous


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "steelblue").save(buffer, format="PNG")
    return buffer.getvalue()


def h1(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=1).inner_text()


def test_apprentice_records_a_situation_and_the_company_tutor_comments(
    page, base_url, sign_in, check_a11y, uploads
) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.goto(f"{base_url}/mon-contrat")
    page.get_by_role("link", name="Voir les situations professionnelles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Situations professionnelles")
    check_a11y()
    page.get_by_role("link", name="Décrire une nouvelle situation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Décrire une situation professionnelle"
    )
    check_a11y()

    # Sent empty: the errors are summarised and tied to their fields.
    page.get_by_role("button", name="Enregistrer la situation").click()
    assert page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").count()
    assert page.get_by_label("Titre").get_attribute("aria-invalid") == "true"
    check_a11y()

    year = academic_year_start(date.today()) - 2 + 1  # Léa Bernard's second year
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Début", exact=True).fill(f"{year}-10-06")
    page.get_by_label("Fin", exact=True).fill(f"{year}-11-14")
    page.get_by_label("Contexte dans l'entreprise").fill(
        "Ligne de paliers pour réducteurs, reprise d'un montage qui vibrait."
    )
    page.get_by_label("Ce que j'ai fait").fill(
        "Analyse vibratoire, nouveau bridage en trois points, essai sur 10 pièces."
    )
    blocks = page.get_by_role("group").filter(has=page.locator("input[type=checkbox]"))
    blocks.nth(0).get_by_role("checkbox").nth(0).check()
    blocks.nth(1).get_by_role("checkbox").nth(1).check()
    page.get_by_role("button", name="Enregistrer la situation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Situation enregistrée")).to_be_visible()

    page.get_by_label("Fichier (PDF, PNG ou JPEG)").set_input_files(
        {"name": "montage palier.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_text("Fichier ajouté.")).to_be_visible()
    link = page.get_by_role("link", name="montage palier.png")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "montage palier.png"
    assert len(list((uploads / "situations").iterdir())) == 1
    check_a11y()
    detail = page.url

    sign_in(COMPANY_TUTOR)
    page.goto(detail)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_label("Votre commentaire").fill("Bonne démarche ; présente-la au bilan de S4.")
    page.get_by_role("button", name="Publier le commentaire").click()
    expect(page.get_by_text("Commentaire publié.")).to_be_visible()
    expect(page.get_by_text("Bonne démarche ; présente-la au bilan de S4.")).to_be_visible()
    check_a11y()
    page.get_by_role("link", name="Situations professionnelles").first.click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check_a11y()
    competence = page.get_by_label("Compétence")
    value = competence.locator("option").nth(1).get_attribute("value")
    competence.select_option(value)
    page.get_by_role("button", name="Filtrer").click()
    assert re.search(
        r"Situations liées à \S+", page.get_by_role("heading", level=2).first.inner_text()
    )
    check_a11y()
