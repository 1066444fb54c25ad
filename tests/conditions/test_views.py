"""Conditions-of-award pages: recording through the forms with a proof, validation and
refusal by the academic tutor, the checklist following, refused uploads, stale saves, who
sees and does what (a guessed id never shows data), downloads as attachments."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask import render_template_string
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conditions.conftest import academic, company, english_input, mobility_input, stored_files
from tests.conftest import VALID_SIRET, page
from tests.situations.conftest import PDF, image_bytes
from tracker.audit.service import events_for
from tracker.auth.models import Role
from tracker.conditions import service
from tracker.conditions.models import EnglishCertificate, FinalAssessment, MobilityPeriod
from tracker.people import service as people


def base(contract) -> str:  # type: ignore[no-untyped-def]
    return f"/contrats/{contract.id}/conditions"


def english_form(**changes) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "test_name": "TOEIC Listening and Reading",
        "score": "850/990",
        "level": "B2",
        "taken_on": "2026-05-12",
    }
    data.update(changes)
    return data


def post_multipart(client, url: str, data: dict, proof: tuple[bytes, str] | None = None):  # type: ignore[no-untyped-def]
    # Encoded here, in memory: the test client spools bodies over 500 kB to a temporary
    # file it never closes.
    fields: dict = dict(data)
    if proof is not None:
        fields["proof"] = FileStorage(io.BytesIO(proof[0]), filename=proof[1])
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def test_the_apprentice_adds_a_certificate_and_the_academic_tutor_validates_it(
    client, login, db_session, contract, upload_dir
) -> None:
    login(contract.apprentice)
    listing = page(client.get(base(contract)))
    assert "Conditions de délivrance" in listing
    assert "Aucune certification d'anglais validée" in listing
    assert "Manquante" in listing
    blank = page(client.get(f"{base(contract)}/anglais/ajouter"))
    assert "Ajouter une certification d'anglais" in blank
    assert "<legend" in blank  # the CECRL levels are a radio group
    assert 'enctype="multipart/form-data"' in blank
    assert '<datalist id="tests-anglais">' in blank
    response = post_multipart(
        client, f"{base(contract)}/anglais/ajouter", english_form(), (PDF, "Certificat TOEIC.pdf")
    )
    assert response.status_code == 302, page(response)
    assert response.headers["Location"].endswith(f"{base(contract)}#anglais")
    row = db_session.query(EnglishCertificate).one()
    assert row.status == "submitted"
    assert len(stored_files(upload_dir)) == 1
    listing = page(client.get(base(contract)))
    assert "attend la validation" in listing
    assert "Certificat TOEIC.pdf" in listing
    assert "En attente de validation" in listing
    assert "/valider" not in listing  # the apprentice does not validate
    assert events_for(db_session, "english_certificate", row.id)[0].action == (
        "english_certificate.created"
    )

    login(academic(contract))
    listing = page(client.get(base(contract)))
    assert re.search(r'name="version" value="1"', listing)
    response = client.post(f"{base(contract)}/anglais/{row.id}/valider", data={"version": "1"})
    assert response.status_code == 302
    listing = page(client.get(base(contract)))
    assert "Pièce validée." in listing
    assert "Remplie" in listing
    assert f"par {academic(contract).name} le" in listing
    db_session.expire_all()
    assert db_session.get(EnglishCertificate, row.id).status == "validated"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test_name": ""}, "Test passé : "),
        ({"level": ""}, "Choisissez le niveau attesté."),
        ({"taken_on": "2026-13-45"}, "Date du test : "),
        ({"taken_on": "2099-01-01"}, "La date du test ne peut pas être dans le futur."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(
    client, login, db_session, contract, upload_dir, changes, message
) -> None:
    login(contract.apprentice)
    response = post_multipart(
        client, f"{base(contract)}/anglais/ajouter", english_form(**changes), (PDF, "a.pdf")
    )
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert 'value="850/990"' in text  # the input is kept
    assert db_session.query(EnglishCertificate).count() == 0
    assert stored_files(upload_dir) == []


def test_an_overlapping_mobility_is_explained(client, login, db_session, contract, add) -> None:
    add(mobility_input(weeks=6, start=date(2026, 6, 1)))
    login(contract.apprentice)
    response = post_multipart(
        client,
        f"{base(contract)}/mobilite/ajouter",
        {"country": "Espagne", "host": "UPM", "starts_on": "2026-07-01", "ends_on": "2026-08-01"},
    )
    assert response.status_code == 400
    assert "chevauche celle du 01/06/2026 au 12/07/2026" in page(response)
    assert db_session.query(MobilityPeriod).count() == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "attestation.pdf"),
        (b"<!doctype html><script>alert(1)</script>", "certificat.png"),
    ],
)
def test_a_disguised_proof_is_refused_on_its_field(
    client, login, db_session, contract, upload_dir, data, name
) -> None:
    login(contract.apprentice)
    response = post_multipart(
        client, f"{base(contract)}/anglais/ajouter", english_form(), (data, name)
    )
    assert response.status_code == 400
    text = page(response)
    assert "n'est ni un PDF, ni une image PNG ou JPEG" in text
    assert 'id="proof-erreur"' in text  # tied to the file field
    assert db_session.query(EnglishCertificate).count() == 0
    assert stored_files(upload_dir) == []


def test_an_oversized_proof_is_refused(
    app, client, login, db_session, contract, upload_dir, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "CONDITION_FILE_MAX_MB", 1)
    login(contract.apprentice)
    response = post_multipart(
        client,
        f"{base(contract)}/anglais/ajouter",
        english_form(),
        (PDF + b"%" * (1024 * 1024), "gros.pdf"),
    )
    assert response.status_code == 400
    assert "dépasse la taille autorisée (1 Mo par fichier)" in page(response)
    assert db_session.query(EnglishCertificate).count() == 0
    assert stored_files(upload_dir) == []


def test_a_stale_edit_shows_the_saved_version_and_changes_nothing(
    client, login, db_session, contract, add
) -> None:
    row = add(english_input())
    login(contract.apprentice)
    edit = f"{base(contract)}/anglais/{row.id}/modifier"
    assert 'name="version"' in page(client.get(edit))
    first = post_multipart(client, edit, english_form(version="1", score="870/990"))
    assert first.status_code == 302
    stale = post_multipart(client, edit, english_form(version="1", score="990/990"))
    assert stale.status_code == 409
    text = page(stale)
    assert "modifiée pendant que vous la consultiez" in text
    assert "Version enregistrée" in text
    assert "870/990" in text
    assert 'value="990/990"' in text  # their input, kept
    assert re.search(r'name="version"[^>]*value="2"', text)  # saving again is deliberate
    db_session.expire_all()
    assert db_session.get(EnglishCertificate, row.id).score == "870/990"


def test_a_stale_validation_changes_nothing(client, login, db_session, contract, add) -> None:
    row = add(english_input())
    service.update_record(
        db_session,
        row,
        english_input(score="870/990"),
        version=1,
        actor=contract.apprentice,
        today=date(2026, 11, 1),
    )
    db_session.flush()
    login(academic(contract))
    response = client.post(f"{base(contract)}/anglais/{row.id}/valider", data={"version": "1"})
    assert response.status_code == 409
    assert "modifiée pendant que vous la consultiez" in page(response)
    db_session.expire_all()
    assert db_session.get(EnglishCertificate, row.id).status == "submitted"
    missing = client.post(f"{base(contract)}/anglais/{row.id}/valider", data={})
    assert missing.status_code == 302
    assert "rien n'a été validé" in page(client.get(missing.headers["Location"]))


def test_a_refusal_is_explained_to_the_apprentice_who_corrects_it(
    client, login, db_session, contract, add
) -> None:
    row = add(english_input())
    login(academic(contract))
    refuse = f"{base(contract)}/anglais/{row.id}/refuser"
    form = page(client.get(refuse))
    assert "Refuser une pièce" in form
    assert "TOEIC Listening and Reading" in form
    empty = client.post(refuse, data={"version": "1", "reason": "  "})
    assert empty.status_code == 400
    assert "Motif du refus : " in page(empty)
    response = client.post(
        refuse, data={"version": "1", "reason": "Capture d'écran : joignez le certificat PDF."}
    )
    assert response.status_code == 302
    login(contract.apprentice)
    listing = page(client.get(base(contract)))
    assert "Refusée" in listing
    assert "Capture d'écran : joignez le certificat PDF." in listing
    assert "La certification saisie a été refusée" in listing
    edit = page(client.get(f"{base(contract)}/anglais/{row.id}/modifier"))
    assert "Pièce refusée :" in edit
    response = post_multipart(
        client,
        f"{base(contract)}/anglais/{row.id}/modifier",
        english_form(version="2"),
        (image_bytes("PNG", (60, 40)), "certificat.png"),
    )
    assert response.status_code == 302
    db_session.expire_all()
    corrected = db_session.get(EnglishCertificate, row.id)
    assert corrected.status == "submitted"
    assert corrected.proof.original_name == "certificat.png"


def test_proofs_come_down_as_attachments_to_readers_only(
    client, login, contract, add, make_user
) -> None:
    row = add(english_input())
    url = f"{base(contract)}/anglais/{row.id}/justificatif"
    for reader in (contract.apprentice, company(contract), academic(contract)):
        login(reader)
        download = client.get(url)
        assert download.status_code == 200
        assert download.data == image_bytes("PNG")
        assert download.mimetype == "image/png"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Cache-Control"] == "no-store"
    login(make_user(Role.ACADEMIC_TUTOR))
    assert client.get(url).status_code == 404
    assert client.get(base(contract)).status_code == 404


def test_a_former_tutor_no_longer_reads_the_conditions(
    client, login, db_session, contract, make_user
) -> None:
    former = company(contract)
    people.change_placement(
        db_session,
        contract,
        effective_on=date(2026, 9, 1),
        placement=people.Placement(
            "Nouvelle Entreprise", VALID_SIRET, make_user(Role.COMPANY_TUTOR), academic(contract)
        ),
        actor=former,
    )
    db_session.flush()
    login(former)
    assert client.get(base(contract)).status_code == 403


def test_each_kind_is_entered_by_its_people(client, login, db_session, contract, add) -> None:
    login(company(contract))
    assert client.get(f"{base(contract)}/anglais/ajouter").status_code == 403
    assert client.get(f"{base(contract)}/rapport-soutenance/ajouter").status_code == 403
    response = client.post(
        f"{base(contract)}/avis-entreprise/ajouter",
        data={"opinion": "favourable", "given_on": "2026-11-02", "comment": "Très bon travail."},
    )
    assert response.status_code == 302
    listing = page(client.get(base(contract)))
    assert "Un avis favorable de l'entreprise attend sa validation." in listing
    login(contract.apprentice)
    assert client.get(f"{base(contract)}/avis-entreprise/ajouter").status_code == 403
    row = add(english_input())
    assert (
        client.post(f"{base(contract)}/anglais/{row.id}/valider", data={"version": "1"}).status_code
        == 403
    )
    assert client.get(f"{base(contract)}/anglais/{row.id}/refuser").status_code == 403
    assert client.get(f"{base(contract)}/inconnu/ajouter").status_code == 404
    assert client.get(f"{base(contract)}/anglais/999999/modifier").status_code == 404
    assert client.get(f"{base(contract)}/mobilite/{row.id}/modifier").status_code == 404


def test_the_academic_tutor_records_report_and_defence_once(
    client, login, db_session, contract
) -> None:
    login(academic(contract))
    new = f"{base(contract)}/rapport-soutenance/ajouter"
    assert "Saisir le rapport et la soutenance" in page(client.get(new))
    wrong = client.post(new, data={"report_submitted_on": "", "defence_on": "", "result": "passed"})
    assert wrong.status_code == 400
    assert "Indiquez la date de remise du rapport ou celle de la soutenance." in page(wrong)
    response = client.post(
        new,
        data={"report_submitted_on": "2026-10-15", "defence_on": "2026-11-05", "result": "passed"},
    )
    assert response.status_code == 302
    final = db_session.query(FinalAssessment).one()
    assert final.status == "validated"  # entered by a validator
    listing = page(client.get(base(contract)))
    assert "Pièce enregistrée." in listing
    assert listing.count("Remplie") >= 2
    again = client.get(new)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/rapport-soutenance/{final.id}/modifier")


def test_deleting_a_record_and_not_a_validated_one(
    client, login, db_session, contract, add, upload_dir
) -> None:
    kept = add(english_input())
    gone = add(mobility_input())
    db_session.commit()
    login(contract.apprentice)
    delete = f"{base(contract)}/mobilite/{gone.id}/supprimer"
    unconfirmed = client.post(delete, data={"version": "1"})
    assert "Cochez la case pour confirmer." in page(unconfirmed)
    assert db_session.query(MobilityPeriod).count() == 1
    response = client.post(delete, data={"version": "1", "confirm": "y"})
    assert response.status_code == 302
    assert "Pièce supprimée." in page(client.get(response.headers["Location"]))
    db_session.expire_all()
    assert db_session.query(MobilityPeriod).count() == 0
    assert len(stored_files(upload_dir)) == 1
    service.validate_record(
        db_session, kept, version=1, actor=academic(contract), today=date(2026, 11, 1)
    )
    db_session.flush()
    edit = page(client.get(f"{base(contract)}/anglais/{kept.id}/modifier"))
    assert "Supprimer la pièce" not in edit
    assert "la modifier la renvoie à la validation" in edit
    refused = client.post(
        f"{base(contract)}/anglais/{kept.id}/supprimer", data={"version": "2", "confirm": "y"}
    )
    assert refused.status_code == 403


def test_the_checklist_macro_links_to_the_conditions_page(app, db_session, contract) -> None:
    items = service.checklist(db_session, contract, date(2026, 11, 21))
    with app.test_request_context():
        html = render_template_string(
            '{% import "conditions/_checklist.html" as c %}'
            "{{ c.checklist(apprenticeship, items) }}",
            apprenticeship=contract,
            items=items,
        )
    assert f'href="/contrats/{contract.id}/conditions"' in html
    assert '<th scope="row">' in html
    assert "Manquante" in html
    assert "0 condition(s) remplie(s) sur 5" in html


def test_the_personal_data_export_holds_the_evidence(db_session, contract, add) -> None:
    from tracker.people.privacy import export_person

    add(english_input())
    exported = export_person(db_session, contract.apprentice)["conditions_de_delivrance"]
    (certificate,) = exported["certifications_anglais"]
    assert certificate["niveau"] == "B2"
    assert certificate["justificatif"]["type"] == "image/png"
    tutor = export_person(db_session, company(contract))["conditions_de_delivrance"]
    assert tutor["certifications_anglais"] == []


def test_the_audit_journal_words_the_events(app, db_session, contract, add) -> None:
    from tracker.audit.presenter import present
    from tracker.audit.service import JournalPage

    row = add(english_input())
    service.refuse_record(
        db_session, row, "Illisible.", version=row.version, actor=academic(contract)
    )
    events = events_for(db_session, "english_certificate", row.id)
    with app.test_request_context():
        entries = present(JournalPage(events=events, total=2, page=1, per_page=50), contract)
        assert [e.label for e in entries] == [
            "Certification d'anglais ajoutée",
            "Certification d'anglais refusée",
        ]
        changes = {c.label: (c.before, c.after) for c in entries[1].changes}
        assert changes["État"] == ("en attente de validation", "refusé")
        assert changes["Motif du refus"] == ("(vide)", "Illisible.")
        created = {c.label: c.after for c in entries[0].changes}
        assert created["Niveau CECRL"] == "B2"
        assert created["Date du test"] == "12/05/2026"
        assert "apprenticeship_id" not in str(entries[0].changes)
