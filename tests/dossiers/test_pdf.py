"""A real dossier, rendered and read back: its text (pdftotext), pages, metadata, attached
data and PDF/A identification (pikepdf), its fonts, and hostile text shown as text."""

from __future__ import annotations

import hashlib
import json
import re

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from tests.dossiers.conftest import page_texts, pdf_text
from tests.dossiers.helpers import HOSTILE, hostile_situation
from tracker.dossiers import render, service
from tracker.dossiers.render import STATIC_ROOT

# A typical three-year dossier (33 competences, 6 signed semesters) stays short.
MAX_PAGES = 16


@pytest.fixture
def rendered(db_session, typical, monkeypatch):  # type: ignore[no-untyped-def]
    """The typical dossier with a hostile situation, rendered once; every URL WeasyPrint
    asked the fetcher for is recorded."""
    hostile_situation(db_session, typical)
    asked: list[str] = []
    fetch = render.StaticFetcher.fetch

    def spy(self, url, headers=None):  # type: ignore[no-untyped-def]
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(render.StaticFetcher, "fetch", spy)
    result = service.render_dossier(db_session, typical.id)
    data = service.dossier_data(db_session, typical)
    return result, data, asked


def test_the_dossier_says_what_the_livret_says(rendered) -> None:  # type: ignore[no-untyped-def]
    result, data, _asked = rendered
    text = pdf_text(result.path)
    flat = " ".join(text.split())
    assert "Léa Bernard" in text
    assert "RNCP39303" in text
    for block in ("BC01", "BC02", "BC03", "BC04"):
        assert f"{block} —" in flat
    assert "BC01.C01" in text
    assert "BC04.C07" in text
    # The matrix: agreed level, then the three raters' levels, for each signed semester.
    first = data["blocks"][0]["competences"][0]["cells"][0]
    raters = [
        first["raters"].get(r, "–") for r in ("apprentice", "company_tutor", "academic_tutor")
    ]
    shown = "·".join("n.o." if r is None else str(r) for r in raters)
    assert f"{first['agreed']}" in flat
    assert f"({shown})" in flat
    assert "attendu : 3" in flat
    # The rules, in French, in the summary and under each block.
    assert "Règles appliquées" in flat
    assert flat.count("Règle du bloc") == 4
    assert "Évaluations formatives — la décision appartient au jury" in flat
    assert "Thomas Girard" in flat
    assert "Sophie Martin" in flat
    assert "32601815908303" in flat
    assert "Signatures des bilans" in flat
    for review in data["reviews"]:
        assert review["content_sha256"] in flat
    for item in data["conditions"]:
        for evidence in item["evidence"]:
            if evidence["proof"]:
                assert evidence["proof"]["sha256"] in flat
    assert result.fingerprint in flat


def test_every_page_carries_the_code_the_header_and_its_number(rendered) -> None:  # type: ignore[no-untyped-def]
    result, _data, _asked = rendered
    pages = page_texts(result.path)
    assert 5 <= len(pages) <= MAX_PAGES
    url = f"https://livret.example.org/verify/{result.code}"
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert f"Vérification : {result.code} — {url}" in flat, number
        assert f"page {number} / {len(pages)}" in flat, number
        if number > 1:  # the cover has no running header
            assert "Léa Bernard — RNCP39303" in flat, number


def test_the_table_of_contents_gives_page_numbers(rendered) -> None:  # type: ignore[no-untyped-def]
    result, _data, _asked = rendered
    pages = page_texts(result.path)
    toc = pages[0][pages[0].index("Sommaire") :]
    for title in (
        "Synthèse",
        "BC02 — Gérer",
        "Situations professionnelles",
        "Signatures des bilans",
    ):
        line = next(line for line in toc.splitlines() if title in line)
        page = int(line.split()[-1])
        heading = title.split(" — ")[0]
        assert heading in pages[page - 1], (title, page)


def test_metadata_attachment_and_pdfa(rendered) -> None:  # type: ignore[no-untyped-def]
    result, data, _asked = rendered
    with pikepdf.open(result.path) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Dossier du jury — Léa Bernard — RNCP39303"
        assert "ARTS ET METIERS" in str(info["/Author"]).upper()
        assert "RNCP39303" in str(info["/Subject"])
        assert str(info["/CreationDate"]).startswith("D:20")
        assert str(pdf.Root.Lang) == "fr"
        with pdf.open_metadata() as meta:
            assert meta.pdfa_status == "3B"
            assert meta["dc:title"] == "Dossier du jury — Léa Bernard — RNCP39303"
        attached = pdf.attachments["dossier.json"]
        payload = attached.get_file().read_bytes()
        assert str(attached.get_file().obj.Subtype) == "/application/json"
        assert str(attached.obj.AFRelationship) == "/Data"
        assert len(pdf.Root.AF) == 1
    # The attachment is the data, canonical: its SHA-256 is the printed fingerprint.
    assert hashlib.sha256(payload).hexdigest() == result.fingerprint
    assert json.loads(payload) == data
    assert payload.decode("utf-8") == service.canonical_json(data)


def test_only_the_bundled_fonts_are_used(rendered) -> None:  # type: ignore[no-untyped-def]
    result, _data, asked = rendered
    fonts = set()
    with pikepdf.open(result.path) as pdf:
        for page in pdf.pages:
            for _name, font in page.resources.get("/Font", {}).items():
                fonts.add(str(font.BaseFont).split("+", 1)[-1])
            for _name, xobject in page.resources.get("/XObject", {}).items():
                for _n, font in xobject.get("/Resources", {}).get("/Font", {}).items():
                    fonts.add(str(font.BaseFont).split("+", 1)[-1])
    assert fonts
    assert all(name.startswith("Livret-") for name in fonts), fonts
    # Every character printed is in the bundled font (nothing falls back elsewhere).
    cmap = set(TTFont(STATIC_ROOT / "fonts" / "DejaVuSans.ttf").getBestCmap())
    printed = {ord(c) for c in pdf_text(result.path) if not c.isspace() and c != "\f"}
    assert not {chr(c) for c in printed - cmap}
    # The fonts, and the charts the template drew (SVG images of the document's own).
    assert {url.split(":")[0] for url in asked} == {"livret-static", "livret-image"}
    assert all(url.startswith(("livret-static:fonts/", "livret-image:")) for url in asked)
    assert len([url for url in asked if url.startswith("livret-image:")]) == 5


def test_hostile_text_is_printed_as_text_and_fetches_nothing(rendered) -> None:  # type: ignore[no-untyped-def]
    result, _data, asked = rendered
    flat = " ".join(pdf_text(result.path).split())
    for text in HOSTILE:
        assert " ".join(text.split()) in flat, text
    assert '<img src="file:///etc/passwd"> <a href="http://example.org">lien</a>' in flat
    assert not [url for url in asked if not url.startswith(("livret-static:", "livret-image:"))]
    with pikepdf.open(result.path) as pdf:
        links = [
            str(annot.get("/A", {}).get("/URI", ""))
            for page in pdf.pages
            for annot in page.get("/Annots", [])
        ]
    assert not [link for link in links if link.startswith(("http", "file"))]


def test_the_formative_ratings_are_set_apart(rendered) -> None:  # type: ignore[no-untyped-def]
    result, _data, _asked = rendered
    text = " ".join(pdf_text(result.path).split())
    assert text.count("la décision appartient au jury") >= 6  # cover, summary, blocks, comments
    assert "Appréciations des tuteurs" in text
    assert re.search(r"Maître d'apprentissage \(Thomas Girard\) :", text)
