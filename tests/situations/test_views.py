"""Work-situation pages: recording through the form, files up and down, comments, who sees
what (a guessed id never shows data), stale edits, deletion."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import VALID_SIRET, page
from tests.situations.conftest import PDF, stored_files
from tracker.audit.service import events_for
from tracker.auth.models import Role
from tracker.evaluations.service import track_competences
from tracker.people import service as people
from tracker.situations import service
from tracker.situations.models import WorkSituation


def base(contract) -> str:  # type: ignore[no-untyped-def]
    return f"/contrats/{contract.id}/situations"


def form_data(contract, **changes) -> dict:  # type: ignore[no-untyped-def]
    year = contract.cohort.start_year
    block = contract.cohort.track.blocks[0]
    data = {
        "title": "Analyse AMDEC de la ligne d'assemblage",
        "starts_on": f"{year}-10-06",
        "ends_on": f"{year}-11-14",
        "company_context": "Ligne de vérins hydrauliques.",
        "what_was_done": "Quatre séances d'AMDEC, 27 modes de défaillance cotés.",
        f"b{block.id}": [str(c.id) for c in block.competences],
    }
    data.update(changes)
    return data


def upload(client, contract, situation, data: bytes, name: str):  # type: ignore[no-untyped-def]
    # Encoded here, in memory: the test client spools bodies over 500 kB to a temporary
    # file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(
        f"{base(contract)}/{situation.id}/fichiers",
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )


def test_the_apprentice_records_a_situation_and_finds_it_in_the_list(
    client, login, db_session, contract
) -> None:
    login(contract.apprentice)
    blank = page(client.get(f"{base(contract)}/nouvelle"))
    assert "Décrire une situation professionnelle" in blank
    assert "<legend" in blank
    assert "RNCPTESTBC01 — Concevoir" in blank
    response = client.post(f"{base(contract)}/nouvelle", data=form_data(contract))
    assert response.status_code == 302
    situation = db_session.query(WorkSituation).one()
    assert response.headers["Location"].endswith(f"{base(contract)}/{situation.id}")
    detail = page(client.get(response.headers["Location"]))
    assert "Analyse AMDEC de la ligne d'assemblage" in detail
    assert "Analyser le besoin" in detail
    assert "RNCPTESTBC01 — Concevoir" in detail
    listing = page(client.get(base(contract)))
    assert "Analyse AMDEC de la ligne d'assemblage" in listing
    assert "1 situation, la plus récente d'abord." in listing
    assert events_for(db_session, "work_situation", situation.id)[0].action == "situation.created"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Titre : "),
        ({"ends_on": "2025-10-01"}, "La fin doit être le jour du début ou après."),
        ({"starts_on": "2025-13-45"}, "Début : "),
        ({"starts_on": "2024-10-01", "ends_on": "2024-10-03"}, "pendant le contrat"),
        ({"b0": []}, "Cochez au moins une compétence."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(
    client, login, db_session, contract, changes, message
) -> None:
    login(contract.apprentice)
    data = form_data(contract, **changes)
    if "b0" in changes:
        data = {k: v for k, v in data.items() if not k.startswith("b")}
    response = client.post(f"{base(contract)}/nouvelle", data=data)
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert db_session.query(WorkSituation).count() == 0
    if changes.get("title") == "":
        assert 'value="Ligne de vérins hydrauliques."' not in text  # a textarea, kept below
        assert "Ligne de vérins hydrauliques." in text  # the input is kept


def test_a_competence_of_another_track_is_refused_by_the_form(
    client, login, db_session, contract
) -> None:
    login(contract.apprentice)
    block = contract.cohort.track.blocks[0]
    response = client.post(
        f"{base(contract)}/nouvelle", data=form_data(contract, **{f"b{block.id}": ["999999"]})
    )
    assert response.status_code == 400
    assert db_session.query(WorkSituation).count() == 0


def test_a_stale_edit_shows_the_saved_version_and_changes_nothing(
    client, login, db_session, contract, make_situation
) -> None:
    situation = make_situation()
    login(contract.apprentice)
    edit = f"{base(contract)}/{situation.id}/modifier"
    assert 'name="version"' in page(client.get(edit))
    first = client.post(edit, data=form_data(contract, version="1", title="Nouveau titre"))
    assert first.status_code == 302
    stale = client.post(
        edit, data=form_data(contract, version="1", title="Titre d'un autre onglet")
    )
    assert stale.status_code == 409
    text = page(stale)
    assert "modifiée pendant que vous la modifiiez" in text
    assert "Version enregistrée" in text
    assert "Nouveau titre" in text
    assert 'value="Titre d\'un autre onglet"' in text  # their input, kept
    assert re.search(r'name="version"[^>]*value="2"', text)  # saving again is deliberate
    db_session.expire_all()
    assert db_session.get(WorkSituation, situation.id).title == "Nouveau titre"


def test_files_go_up_and_come_down_as_attachments(
    client, login, db_session, contract, make_situation, upload_dir, png
) -> None:
    situation = make_situation()
    login(contract.apprentice)
    response = upload(client, contract, situation, png, "Schéma du montage.png")
    assert response.status_code == 302
    (stored,) = stored_files(upload_dir)
    db_session.expire_all()
    attached = db_session.get(WorkSituation, situation.id).files[0]
    assert attached.stored_name == stored.name
    detail = page(client.get(f"{base(contract)}/{situation.id}"))
    assert "Schéma du montage.png" in detail
    assert "PNG, 1 Ko" in detail
    for reader in (contract.apprentice, contract.current_period.company_tutor):
        login(reader)
        download = client.get(f"{base(contract)}/{situation.id}/fichiers/{attached.id}")
        assert download.status_code == 200
        assert download.data == png
        assert download.mimetype == "image/png"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''Sch%C3%A9ma%20du%20montage.png" in disposition
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Cache-Control"] == "no-store"


def test_a_disguised_file_is_refused_with_a_clear_message(
    client, login, contract, make_situation, upload_dir
) -> None:
    situation = make_situation()
    login(contract.apprentice)
    for data, name in (
        (b"<!doctype html><script>alert(1)</script>", "cv.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 64, "rapport.pdf"),
    ):
        response = upload(client, contract, situation, data, name)
        assert response.status_code == 400
        assert "n'est ni un PDF, ni une image PNG ou JPEG" in page(response)
    missing = client.post(f"{base(contract)}/{situation.id}/fichiers", data={})
    assert "Choisissez un fichier." in page(missing)
    assert stored_files(upload_dir) == []


def test_a_file_over_the_limit_is_refused(
    app, client, login, contract, make_situation, upload_dir, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "SITUATION_FILE_MAX_MB", 1)
    situation = make_situation()
    login(contract.apprentice)
    response = upload(client, contract, situation, PDF + b"%" * (1024 * 1024), "gros.pdf")
    assert response.status_code == 400
    assert "dépasse la taille autorisée (1 Mo par fichier)" in page(response)
    assert stored_files(upload_dir) == []


def test_removing_a_file_and_deleting_a_situation(
    client, login, db_session, contract, make_situation, upload_dir, png, jpeg
) -> None:
    situation = make_situation()
    situation_id = situation.id
    login(contract.apprentice)
    upload(client, contract, situation, png, "a.png")
    upload(client, contract, situation, jpeg, "b.jpg")
    db_session.expire_all()
    first = db_session.get(WorkSituation, situation.id).files[0]
    removed = client.post(f"{base(contract)}/{situation.id}/fichiers/{first.id}/supprimer")
    assert removed.status_code == 302
    assert len(stored_files(upload_dir)) == 1
    unconfirmed = client.post(f"{base(contract)}/{situation.id}/supprimer", data={})
    assert "Cochez la case pour confirmer." in page(unconfirmed)
    assert db_session.get(WorkSituation, situation.id) is not None
    deleted = client.post(
        f"{base(contract)}/{situation.id}/supprimer", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Situation supprimée" in page(deleted)
    assert stored_files(upload_dir) == []
    db_session.expire_all()
    assert db_session.get(WorkSituation, situation_id) is None
    actions = [e.action for e in events_for(db_session, "work_situation", situation_id)]
    assert actions == [
        "situation.created",
        "situation.file_added",
        "situation.file_added",
        "situation.file_removed",
        "situation.deleted",
    ]


def test_tutors_comment_and_nobody_else(
    client, login, db_session, contract, make_situation, make_user
) -> None:
    situation = make_situation()
    detail = f"{base(contract)}/{situation.id}"
    for tutor, text in (
        (contract.current_period.company_tutor, "Bonne analyse, à présenter en revue."),
        (contract.current_period.academic_tutor, "Relie aussi la compétence C02."),
    ):
        login(tutor)
        assert "Publier le commentaire" in page(client.get(detail))
        response = client.post(f"{detail}/commentaires", data={"body": text}, follow_redirects=True)
        assert "Commentaire publié." in page(response)
        assert text in page(response)
    empty = client.post(f"{detail}/commentaires", data={"body": "  "})
    assert empty.status_code in (200, 400)
    manager = make_user(Role.MANAGER)
    for reader in (contract.apprentice, manager):
        login(reader)
        assert "Publier le commentaire" not in page(client.get(detail))
        assert client.post(f"{detail}/commentaires", data={"body": "x"}).status_code == 403
    assert len(events_for(db_session, "work_situation", situation.id)) == 3


def test_only_the_apprentice_edits(client, login, contract, make_situation, make_user) -> None:
    situation = make_situation()
    manager = make_user(Role.MANAGER)
    for user in (manager, contract.current_period.company_tutor):
        login(user)
        assert client.get(f"{base(contract)}/{situation.id}").status_code == 200
        assert client.get(f"{base(contract)}/nouvelle").status_code == 403
        assert client.get(f"{base(contract)}/{situation.id}/modifier").status_code == 403
        assert client.post(f"{base(contract)}/{situation.id}/supprimer").status_code == 403
        assert "Modifier la situation" not in page(client.get(f"{base(contract)}/{situation.id}"))


def test_strangers_get_404_whatever_the_id(
    client, login, db_session, contract, make_situation, make_apprenticeship, make_user, png
) -> None:
    situation = make_situation()
    from tracker.situations.storage import get_store

    attached = service.add_file(
        db_session,
        situation,
        filename="a.png",
        stream=io.BytesIO(png),
        max_bytes=10**7,
        actor=contract.apprentice,
        store=get_store(),
    )
    other = make_apprenticeship()
    paths = [
        base(contract),
        f"{base(contract)}/{situation.id}",
        f"{base(contract)}/{situation.id}/fichiers/{attached.id}",
    ]
    strangers = [
        other.apprentice,
        other.current_period.company_tutor,
        make_user(Role.ACADEMIC_TUTOR),
        make_user(Role.JURY),
    ]
    for stranger in strangers:
        login(stranger)
        for path in paths:
            assert client.get(path).status_code == 404, (stranger, path)
        assert client.post(f"{paths[1]}/commentaires", data={"body": "x"}).status_code == 404
    # The situation does not exist under another contract, even for its own apprentice.
    login(contract.apprentice)
    assert client.get(f"{base(other)}/{situation.id}").status_code == 404
    assert client.get(f"{base(contract)}/999999").status_code == 404
    assert client.get(f"{base(contract)}/{situation.id}/fichiers/999999").status_code == 404


def test_a_former_tutor_sees_only_the_situations_of_their_period(
    client, login, db_session, contract, make_situation, make_user
) -> None:
    year = contract.cohort.start_year
    former = contract.current_period.company_tutor
    mine = make_situation(title="Situation de la première année")
    later = make_situation(
        title="Situation de la deuxième année",
        starts_on=date(year + 1, 10, 1),
        ends_on=date(year + 1, 10, 20),
    )
    successor = make_user(Role.COMPANY_TUTOR)
    people.change_placement(
        db_session,
        contract,
        effective_on=date(year + 1, 9, 1),
        placement=people.Placement(
            "Nouvelle Entreprise", VALID_SIRET, successor, contract.current_period.academic_tutor
        ),
        actor=successor,
    )
    login(former)
    listing = page(client.get(base(contract)))
    assert "Situation de la première année" in listing
    assert "Situation de la deuxième année" not in listing
    assert "la période où vous étiez tuteur" in listing
    assert client.get(f"{base(contract)}/{mine.id}").status_code == 200
    assert client.get(f"{base(contract)}/{later.id}").status_code == 404
    assert (
        client.post(
            f"{base(contract)}/{mine.id}/commentaires", data={"body": "Bon souvenir."}
        ).status_code
        == 302
    )
    login(successor)
    listing = page(client.get(base(contract)))
    assert "Situation de la première année" in listing  # current tutors see everything
    assert "Situation de la deuxième année" in listing


def test_the_list_filters_by_competence(client, login, contract, make_situation) -> None:
    first, second = track_competences(contract.cohort)
    make_situation(title="Sur la première", competence_ids=frozenset({first.id}))
    make_situation(title="Sur les deux", competence_ids=frozenset({first.id, second.id}))
    login(contract.current_period.academic_tutor)
    filtered = page(client.get(f"{base(contract)}?competence={second.id}"))
    assert "Situations liées à RNCPTESTBC01.C02" in filtered
    assert "Sur les deux" in filtered
    assert "Sur la première" not in filtered
    assert f'<option selected value="{second.id}">' in filtered
    everything = page(client.get(base(contract)))
    assert "Sur les deux" in everything
    assert "Sur la première" in everything
    assert client.get(f"{base(contract)}?competence=999999").status_code == 404
    assert client.get(f"{base(contract)}?competence=abc").status_code == 404
    assert client.get(f"{base(contract)}?competence=%C2%B2").status_code == 404


def test_the_contract_page_links_to_the_situations(client, login, contract) -> None:
    login(contract.apprentice)
    text = page(client.get(f"/contrats/{contract.id}"))
    assert f'href="/contrats/{contract.id}/situations"' in text


def test_the_linked_macro_links_to_the_filtered_list(app, contract) -> None:
    with app.test_request_context():
        macro = app.jinja_env.get_template("situations/_linked.html").module.linked
        assert str(macro(contract, 7, 0)).strip() == ""
        one = str(macro(contract, 7, 1))
        assert f'href="/contrats/{contract.id}/situations?competence=7"' in one
        assert ">1 situation<" in one
        two = str(macro(contract, 7, 2, label="BC01.C02"))
        assert "2 situations" in two
        assert "liées à BC01.C02" in two


def test_the_personal_data_export_holds_situations_and_comments(
    client, login, db_session, contract, make_situation
) -> None:
    from tracker.people.privacy import export_person

    situation = make_situation()
    tutor = contract.current_period.company_tutor
    service.add_comment(db_session, situation, "Très clair.", actor=tutor)
    apprentice_data = export_person(db_session, contract.apprentice)
    (exported,) = apprentice_data["situations_professionnelles"]
    assert exported["titre"] == situation.title
    assert exported["competences"] == [situation.competences[0].code]
    assert exported["commentaires"][0]["texte"] == "Très clair."
    tutor_data = export_person(db_session, tutor)
    assert tutor_data["situations_professionnelles"] == []
    assert tutor_data["commentaires_situations"][0]["texte"] == "Très clair."
    login(contract.apprentice)
    downloaded = client.get("/compte/donnees").get_json()
    assert downloaded["situations_professionnelles"][0]["titre"] == situation.title
