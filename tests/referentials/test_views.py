"""Referential pages: list, detail, export downloads, import with review and correction."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.auth.models import Role
from tracker.referentials import service
from tracker.referentials.models import Certification, ImportDraft

FILES = Path(__file__).parent / "files"
BUNDLED = Path(str(service.BUNDLED))


@pytest.fixture
def manager(client, login, make_user, db_session):  # type: ignore[no-untyped-def]
    service.load_bundled(db_session)
    login(make_user(Role.MANAGER, name="Claire Dubois"))
    return client


def upload(client, content: bytes, name: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/referentiels/importer",
        data={"file": (io.BytesIO(content), name), "fmt": "auto", "fiches": "", **fields},
        content_type="multipart/form-data",
    )


def review_fields(html: str) -> dict[str, str]:
    """The textareas of the review page, as the browser would send them back."""
    return {
        name: re.sub(r"^\r?\n", "", text)
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", '"')
        for name, text in re.findall(
            r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S
        )
    }


def test_list_shows_every_certification(manager) -> None:
    html = manager.get("/referentiels/").get_data(as_text=True)
    for code in ("RNCP39056", "RNCP39055", "RNCP39303", "RNCP39304", "RNCP21806"):
        assert f'href="/referentiels/{code}"' in html
    assert "Inactive" in html  # RNCP21806's registration ended in 2020


def test_detail_shows_blocks_competences_tracks_and_conditions(manager) -> None:
    html = manager.get("/referentiels/RNCP39055").get_data(as_text=True)
    assert "RNCP39055BC06" in html
    assert "Angoulême / Poitiers" in html
    assert "Paris / Saint-Denis" in html
    assert "RNCP39055BC01.C01" in html
    assert "Modalités d'évaluation du bloc RNCP39055BC01" in html


def test_codes_in_addresses_are_case_insensitive(manager) -> None:
    assert "RNCP39056BC04" in manager.get("/referentiels/rncp39056").get_data(as_text=True)


def test_exports_download_as_attachments(manager) -> None:
    response = manager.get("/referentiels/RNCP39303/v1/export/case")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="RNCP39303-v1-case.json"'
    )
    package = json.loads(response.get_data(as_text=True))
    assert len([i for i in package["CFItems"] if i["CFItemType"] == "Compétence"]) == 33
    response = manager.get("/referentiels/RNCP39303/v1/export/moodle")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("\r\n") == 1 + 1 + 4 + 33


def test_import_review_correct_and_save(manager, db_session) -> None:
    text = (BUNDLED / "RNCP39304.xml").read_bytes().replace(b"RNCP39304", b"RNCP99304")
    response = upload(manager, text, "fiche.xml")
    assert response.status_code == 302
    html = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "Relire le découpage proposé" in html
    assert db_session.scalar(select(func.count()).where(Certification.code == "RNCP99304")) == 0

    fields = review_fields(html)
    # Merge the first two competences of the first block, split the last one of block 2.
    lines = fields["p0_b0_competences"].splitlines()
    fields["p0_b0_competences"] = "\n".join([lines[0] + " " + lines[1], *lines[2:]])
    lines = fields["p0_b1_competences"].splitlines()
    fields["p0_b1_competences"] = "\n".join([*lines, "Une compétence ajoutée", "    o un détail"])
    fields["p0_tracks"] = "Parcours A : BC01, BC02\nParcours B : BC01, BC03"
    response = manager.post(response.headers["Location"], data={**fields, "action": "save"})
    assert response.status_code == 302
    cert = service.get_certification(db_session, "RNCP99304")
    assert [len(b.competences) for b in cert.blocks] == [6, 9, 11]
    assert cert.blocks[1].competences[-1].statement == "Une compétence ajoutée"
    assert cert.blocks[1].competences[-1].sub_skills == ["un détail"]
    assert cert.blocks[1].competences[-1].code == "RNCP99304BC02.C09"
    assert [(t.name, len(t.blocks)) for t in cert.tracks] == [("Parcours A", 2), ("Parcours B", 2)]
    assert db_session.scalar(select(func.count()).select_from(ImportDraft)) == 0


def test_preview_changes_nothing_and_errors_are_tied_to_fields(manager, db_session) -> None:
    response = upload(manager, (BUNDLED / "RNCP21806.xml").read_bytes(), "cqpm.xml")
    review_url = response.headers["Location"]
    fields = review_fields(manager.get(review_url).get_data(as_text=True))
    fields["p0_b0_competences"] = "o une sous-compétence orpheline"
    fields["p0_tracks"] = "Parcours : BC01, BC09"
    html = manager.post(review_url, data={**fields, "action": "save"}).get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert "doit suivre une compétence" in html
    assert "le bloc « BC09 » n&#39;existe pas" in html
    assert 'aria-invalid="true"' in html
    assert service.get_certification(db_session, "RNCP21806").version == 1


def test_same_file_again_creates_no_version(manager, db_session) -> None:
    response = upload(manager, (BUNDLED / "RNCP39056.xml").read_bytes(), "RNCP39056.xml")
    review_url = response.headers["Location"]
    fields = review_fields(manager.get(review_url).get_data(as_text=True))
    html = manager.post(review_url, data={**fields, "action": "save"}, follow_redirects=True)
    assert "déjà à jour (version 1)" in html.get_data(as_text=True)


def test_cancel_forgets_the_draft(manager, db_session) -> None:
    response = upload(manager, (BUNDLED / "RNCP39056.xml").read_bytes(), "RNCP39056.xml")
    review_url = response.headers["Location"]
    response = manager.post(review_url, data={"action": "cancel"}, follow_redirects=True)
    assert "Import abandonné" in response.get_data(as_text=True)
    assert manager.get(review_url).status_code == 404


@pytest.mark.parametrize(
    ("content", "fields", "message"),
    [
        (b"", {}, "Le fichier est vide"),
        (b"<FICHES><FICHE><NUMERO_FICHE>RNCP1", {}, "XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><FICHES/>',
            {},
            "déclaration de type de document",
        ),
        ((BUNDLED / "RNCP39056.xml").read_bytes(), {"fiches": "RNCP12345"}, "RNCP12345"),
        ((BUNDLED / "RNCP39056.xml").read_bytes(), {"fiches": "pas un numéro"}, "numéros de fiche"),
    ],
)
def test_bad_uploads_are_explained_and_save_nothing(
    manager, db_session, content, fields, message
) -> None:  # type: ignore[no-untyped-def]
    response = upload(manager, content, "fichier.xml", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html.replace("&#39;", "'")
    assert db_session.scalar(select(func.count()).select_from(ImportDraft)) == 0
