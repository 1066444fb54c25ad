"""Conditions of award in Chromium: the apprentice adds an English certificate with its
proof, the academic tutor validates it and the checklist says the condition is met.
Every page passes axe-core."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import expect

APPRENTICE = "apprentie@demo.livret.fr"
ACADEMIC_TUTOR = "tuteur.academique@demo.livret.fr"
SCORE = "905/990"


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
    Image.new("RGB", (80, 56), "seagreen").save(buffer, format="PNG")
    return buffer.getvalue()


def english_row(page):  # type: ignore[no-untyped-def]
    """The English line of the checklist."""
    return page.locator(".conditions-table tbody tr").filter(has_text="Anglais")


def test_apprentice_adds_a_certificate_and_the_academic_tutor_validates_it(
    page, base_url, sign_in, check_a11y, uploads
) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.goto(f"{base_url}/mon-contrat")
    contract = re.search(r"/contrats/(\d+)", page.url).group(1)  # type: ignore[union-attr]
    conditions = f"{base_url}/contrats/{contract}/conditions"
    page.goto(conditions)
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions de délivrance")
    # Léa Bernard's first certificate was refused for its proof: the reason is shown.
    expect(english_row(page)).to_contain_text("Manquante")
    expect(page.get_by_text("sans numéro de vérification", exact=False)).to_be_visible()
    check_a11y()

    page.get_by_role("link", name="Ajouter une certification d'anglais").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter une certification d'anglais")
    check_a11y()
    # Sent empty: the errors are summarised and tied to their fields.
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").count()
    assert page.get_by_label("Test passé").get_attribute("aria-invalid") == "true"
    check_a11y()

    page.get_by_label("Test passé").fill("TOEIC Listening and Reading")
    page.get_by_label("Score obtenu").fill(SCORE)
    page.get_by_label("B2", exact=True).check()
    page.get_by_label("Date du test").fill((date.today() - timedelta(days=30)).isoformat())
    page.get_by_label("Attestation du test (PDF, PNG ou JPEG)").set_input_files(
        {"name": "certificat toeic.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions de délivrance")
    expect(page.get_by_role("status").filter(has_text="Pièce enregistrée")).to_contain_text(
        "attend la validation du tuteur académique"
    )
    expect(english_row(page)).to_contain_text("En attente de validation")
    link = page.get_by_role("link", name="certificat toeic.png")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "certificat toeic.png"
    assert len(list((uploads / "conditions").iterdir())) == 1
    check_a11y()

    sign_in(ACADEMIC_TUTOR)
    page.goto(conditions)
    page.get_by_role("button", name=f"Valider : TOEIC Listening and Reading {SCORE}").click()
    expect(page.get_by_role("status").filter(has_text="Pièce validée.")).to_be_visible()
    expect(english_row(page)).to_contain_text("Remplie")
    expect(english_row(page)).to_contain_text(f"{SCORE} — niveau B2")
    check_a11y()

    # The other pages a validator uses pass axe-core too: a refusal, the final assessment.
    page.get_by_role("link", name=f"Refuser : TOEIC Listening and Reading {SCORE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refuser une pièce")
    check_a11y()
    page.goto(conditions)
    page.get_by_role("link", name=re.compile("^Modifier.*: rapport et soutenance")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Modifier le rapport et la soutenance"
    )
    check_a11y()
