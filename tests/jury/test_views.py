"""The jury pages: the list, a session, members, candidates, decisions, closing, the batch of
dossiers and the procès-verbal, as the programme manager, the president and the members."""

from __future__ import annotations

import logging
import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import page
from tests.jury.conftest import HELD_ON, ONE_BELOW, president, ready
from tests.livret.helpers import sign_semester
from tracker.auth.models import Role, User
from tracker.extensions import mail
from tracker.jobs.models import Job
from tracker.jury import service
from tracker.jury.models import JurySession
from tracker.people.service import load_track_blocks


def url(jury_session, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/jury/sessions/{jury_session.id}{tail}"


def fresh(db_session, jury_session):  # type: ignore[no-untyped-def]
    """The session as the database has it now (requests ran in sessions of their own)."""
    db_session.expire_all()
    return db_session.get(JurySession, jury_session.id)


def member(jury_session):  # type: ignore[no-untyped-def]
    """A member who does not preside."""
    return next(m for m in jury_session.members if not m.is_president).user


@pytest.fixture
def with_candidates(db_session, jury_session, make_contract, manager, upload_dir):  # type: ignore[no-untyped-def]
    lea, hugo = make_contract("Léa Bernard"), make_contract("Hugo Petit")
    ready(db_session, lea, manager, upload_dir)
    sign_semester(db_session, hugo, 1, ONE_BELOW)
    service.add_candidates(db_session, jury_session, [lea.id, hugo.id], actor=manager)
    db_session.flush()
    return {c.apprenticeship.apprentice.name: c for c in jury_session.candidates}


def decision_data(db_session, candidate, *, blocks=("acquired", "acquired"), decision="awarded"):  # type: ignore[no-untyped-def]
    bc01, bc02 = load_track_blocks(db_session, candidate.apprenticeship.cohort)
    return {
        "version": candidate.version,
        f"bloc_{bc01.id}": blocks[0],
        f"commentaire_{bc01.id}": "Conception solide, bien argumentée.",
        f"bloc_{bc02.id}": blocks[1],
        f"commentaire_{bc02.id}": "",
        "decision": decision,
        "comment": "Félicitations du jury.",
    }


# --- List and navigation ----------------------------------------------------------------------


def test_the_manager_lists_every_session(client, login, manager, jury_session) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    text = page(client.get("/jury/"))
    assert "Sessions de jury" in text
    assert f"RNCPJURY du {HELD_ON.strftime('%d/%m/%Y')}" in text
    assert "Nouvelle session de jury" in text
    assert 'href="/jury/"' in text  # the navigation entry "Jurys"


def test_a_jury_member_lists_only_their_sessions(  # type: ignore[no-untyped-def]
    client, login, db_session, jury_session, cohort, manager
) -> None:
    service.create_session(
        db_session,
        service.SessionInput(cohort.certification_id, date(2029, 1, 5), "Paris"),
        actor=manager,
    )
    db_session.flush()
    login(member(jury_session))
    text = page(client.get("/jury/"))
    assert "Les sessions où vous siégez" in text
    assert "Nouvelle session" not in text
    assert text.count("RNCPJURY du ") == 1
    assert "Jurys" in text


# --- Creating and editing ---------------------------------------------------------------------


def test_the_manager_creates_a_session(client, login, db_session, manager, cohort) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    assert "Nouvelle session de jury" in page(client.get("/jury/sessions/nouvelle"))
    response = client.post(
        "/jury/sessions/nouvelle",
        data={
            "certification_id": cohort.certification_id,
            "held_on": "2028-06-27",
            "place": "Campus de Cluny",
        },
    )
    assert response.status_code == 302
    created = db_session.scalar(select(JurySession).where(JurySession.place == "Campus de Cluny"))
    assert response.headers["Location"].endswith(f"/jury/sessions/{created.id}")
    missing = client.post(
        "/jury/sessions/nouvelle", data={"certification_id": cohort.certification_id}
    )
    assert missing.status_code == 400


def test_a_stale_edit_says_so(client, login, db_session, manager, jury_session) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    assert "Modifier la session" in page(client.get(url(jury_session, "/modifier")))
    data = {
        "version": jury_session.version,
        "certification_id": jury_session.certification_id,
        "held_on": "2028-06-28",
        "place": "Talence",
    }
    assert client.post(url(jury_session, "/modifier"), data=data).status_code == 302
    response = client.post(url(jury_session, "/modifier"), data={**data, "place": "Cluny"})
    assert response.status_code == 409
    assert "modifiées pendant que vous les consultiez" in page(response)


# --- The session's page -----------------------------------------------------------------------


def test_the_session_page_for_the_manager(  # type: ignore[no-untyped-def]
    client, login, manager, jury_session, with_candidates
) -> None:
    login(manager)
    text = page(client.get(url(jury_session)))
    assert "Membres du jury" in text
    assert "Composition conforme" in text
    assert "Règle générale" in text
    assert "Claire Dumas" in text
    assert "Président du jury" in text
    # Candidates with their readiness, and why not.
    assert re.search(r"Léa Bernard.*?prêt·e", text, re.S)
    assert "blocs non acquis : BC01" in text
    assert "conditions manquantes : Anglais B2 (CECRL)" in text
    lea = with_candidates["Léa Bernard"]
    assert f'href="/contrats/{lea.apprenticeship_id}/dossier"' in text
    assert "Préparer tous les dossiers (zip)" in text
    assert "Ajouter des candidats" in text
    assert "Inviter un nouveau membre" in text


def test_a_member_reads_the_session(client, login, jury_session, with_candidates) -> None:  # type: ignore[no-untyped-def]
    login(member(jury_session))
    text = page(client.get(url(jury_session)))
    assert "le président du jury les saisit" in text
    assert "Inviter un nouveau membre" not in text
    assert "Ajouter des candidats" not in text
    assert "Clore la session" not in text
    assert "Léa Bernard" in text


def test_the_president_may_close(client, login, jury_session, with_candidates) -> None:  # type: ignore[no-untyped-def]
    login(president(jury_session))
    text = page(client.get(url(jury_session)))
    assert "vous présidez ce jury" in text
    assert "Clore la session" in text
    assert "Avant de clore la session" in text


def test_a_jury_member_of_another_session_gets_404(  # type: ignore[no-untyped-def]
    client, login, jury_session, with_candidates, make_jury_user
) -> None:
    login(make_jury_user("Paul Roux"))
    candidate = with_candidates["Léa Bernard"]
    for path in (
        url(jury_session),
        url(jury_session, f"/candidats/{candidate.id}"),
        url(jury_session, "/proces-verbal.pdf"),
        url(jury_session, "/clore"),
    ):
        assert client.get(path).status_code == 404, path


# --- Members ----------------------------------------------------------------------------------


def test_adding_an_existing_jury_account(
    client, login, db_session, manager, jury_session, make_jury_user
) -> None:  # type: ignore[no-untyped-def]
    newcomer = make_jury_user("Anne Vidal")
    login(manager)
    assert "Anne Vidal" in page(client.get(url(jury_session)))
    response = client.post(
        url(jury_session, "/membres"),
        data={
            "compte-user_id": newcomer.id,
            "compte-kind": "professional",
            "compte-capacity": "Ingénieure méthodes",
        },
    )
    assert response.status_code == 302
    seat = service.member_of(fresh(db_session, jury_session), newcomer.id)
    assert seat.capacity == "Ingénieure méthodes"
    # Incomplete: the page again, with the errors.
    make_jury_user("Paul Roux")
    response = client.post(url(jury_session, "/membres"), data={"compte-kind": "professional"})
    assert response.status_code == 200
    assert "Choisissez un compte de membre du jury" in page(response)


def test_inviting_a_new_member(client, login, db_session, manager, jury_session) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    with mail.record_messages() as outbox:
        response = client.post(
            url(jury_session, "/membres/inviter"),
            data={
                "nouveau-name": "Nadia Benali",
                "nouveau-email": "nadia.benali@exemple.fr",
                "nouveau-kind": "professional",
            },
        )
    assert response.status_code == 302
    user = db_session.scalar(select(User).where(User.email == "nadia.benali@exemple.fr"))
    assert user.has_role(Role.JURY)
    assert user.invited
    assert service.member_of(fresh(db_session, jury_session), user.id) is not None
    assert [m.recipients for m in outbox] == [["nadia.benali@exemple.fr"]]


def test_editing_and_removing_a_member(client, login, db_session, manager, jury_session) -> None:  # type: ignore[no-untyped-def]
    seat = next(m for m in jury_session.members if not m.is_president)
    login(manager)
    assert "Membre du jury" in page(client.get(url(jury_session, f"/membres/{seat.id}")))
    response = client.post(
        url(jury_session, f"/membres/{seat.id}"),
        data={"kind": "academic", "capacity": "Maître de conférences"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert seat.capacity == "Maître de conférences"
    assert client.post(url(jury_session, f"/membres/{seat.id}/retirer")).status_code == 302
    assert len(fresh(db_session, jury_session).members) == 2


# --- Candidates -------------------------------------------------------------------------------


def test_adding_candidates(client, login, db_session, manager, jury_session, make_contract) -> None:  # type: ignore[no-untyped-def]
    lea, _hugo = make_contract("Léa Bernard"), make_contract("Hugo Petit")
    login(manager)
    text = page(client.get(url(jury_session, "/candidats")))
    assert "Léa Bernard" in text
    assert "pas encore prêt·e" in text
    response = client.post(url(jury_session, "/candidats"), data={"apprenticeship_ids": [lea.id]})
    assert response.status_code == 302
    assert [c.apprenticeship_id for c in fresh(db_session, jury_session).candidates] == [lea.id]
    text = page(client.get(url(jury_session, "/candidats")))
    assert "Léa Bernard" not in text
    assert "Hugo Petit" in text
    assert "Cochez au moins" in page(client.post(url(jury_session, "/candidats"), data={}))


def test_removing_a_candidate(
    client, login, db_session, manager, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    hugo = with_candidates["Hugo Petit"]
    login(manager)
    response = client.post(url(jury_session, f"/candidats/{hugo.id}/retirer"))
    assert response.status_code == 302
    candidates = fresh(db_session, jury_session).candidates
    assert [c.apprenticeship.apprentice.name for c in candidates] == ["Léa Bernard"]


# --- Decisions --------------------------------------------------------------------------------


def test_the_decision_page_sets_formative_apart(
    client, login, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    hugo = with_candidates["Hugo Petit"]
    login(president(jury_session))
    text = page(client.get(url(jury_session, f"/candidats/{hugo.id}")))
    assert text.count("Évaluation formative (livret)") == 2
    assert "Décision du jury — BC01" in text
    assert 'type="radio"' in text
    assert "Sous le seuil" in text  # why BC01 is not acquired yet
    assert "le président du jury saisit les décisions" in text
    assert "Enregistrer les décisions" in text
    assert f'href="/contrats/{hugo.apprenticeship_id}/dossier"' in text


def test_the_president_records_decisions(
    client, login, db_session, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    lea = with_candidates["Léa Bernard"]
    login(president(jury_session))
    response = client.post(
        url(jury_session, f"/candidats/{lea.id}"), data=decision_data(db_session, lea)
    )
    assert response.status_code == 302
    db_session.refresh(lea)
    assert lea.decision == "awarded"
    assert lea.comment == "Félicitations du jury."
    assert {d.decision for d in lea.block_decisions} == {"acquired"}
    text = page(client.get(response.headers["Location"]))
    assert "Décisions enregistrées." in text
    assert "Enregistrée le" in text


def test_a_stale_decision_page_is_refused(
    client, login, db_session, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    lea = with_candidates["Léa Bernard"]
    login(president(jury_session))
    data = decision_data(db_session, lea)
    assert client.post(url(jury_session, f"/candidats/{lea.id}"), data=data).status_code == 302
    response = client.post(
        url(jury_session, f"/candidats/{lea.id}"), data={**data, "comment": "Autre avis."}
    )
    assert response.status_code == 409
    assert "modifiées pendant que vous les consultiez" in page(response)


def test_awarding_with_a_block_not_acquired_is_refused(
    client, login, db_session, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    hugo = with_candidates["Hugo Petit"]
    login(president(jury_session))
    response = client.post(
        url(jury_session, f"/candidats/{hugo.id}"),
        data=decision_data(db_session, hugo, blocks=("not_acquired", "acquired")),
    )
    assert response.status_code == 400
    assert "ce n'est pas le cas de BC01" in page(response)
    db_session.refresh(hugo)
    assert hugo.decision is None


def test_members_read_decisions_but_do_not_record(
    client, login, db_session, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    lea = with_candidates["Léa Bernard"]
    login(member(jury_session))
    text = page(client.get(url(jury_session, f"/candidats/{lea.id}")))
    assert "Enregistrer les décisions" not in text
    assert 'type="radio"' not in text
    assert "pas encore de décision" in text
    response = client.post(
        url(jury_session, f"/candidats/{lea.id}"), data=decision_data(db_session, lea)
    )
    assert response.status_code == 403


def test_the_manager_holds_the_pen(
    client, login, db_session, manager, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    lea = with_candidates["Léa Bernard"]
    login(manager)
    response = client.post(
        url(jury_session, f"/candidats/{lea.id}"), data=decision_data(db_session, lea)
    )
    assert response.status_code == 302


# --- Closing ----------------------------------------------------------------------------------


def close_with_all_decided(client, db_session, jury_session, with_candidates):  # type: ignore[no-untyped-def]
    for name, candidate in with_candidates.items():
        data = decision_data(
            db_session,
            candidate,
            blocks=("acquired", "acquired")
            if name == "Léa Bernard"
            else ("not_acquired", "deferred"),
            decision="awarded" if name == "Léa Bernard" else "deferred",
        )
        assert (
            client.post(url(jury_session, f"/candidats/{candidate.id}"), data=data).status_code
            == 302
        )
    db_session.refresh(jury_session)
    return client.post(
        url(jury_session, "/clore"), data={"version": jury_session.version, "confirm": "y"}
    )


def test_closing_locks_everything(client, login, db_session, jury_session, with_candidates) -> None:  # type: ignore[no-untyped-def]
    login(president(jury_session))
    text = page(client.get(url(jury_session, "/clore")))
    assert "ne peut pas encore être close" in text
    assert "Des blocs restent sans décision pour : Hugo Petit, Léa Bernard." in text
    response = close_with_all_decided(client, db_session, jury_session, with_candidates)
    assert response.status_code == 302
    db_session.refresh(jury_session)
    assert jury_session.closed
    lea = with_candidates["Léa Bernard"]
    text = page(client.get(url(jury_session, f"/candidats/{lea.id}")))
    assert "ces décisions sont définitives" in text
    assert "Enregistrer les décisions" not in text
    refused = client.post(
        url(jury_session, f"/candidats/{lea.id}"), data=decision_data(db_session, lea)
    )
    assert refused.status_code == 302
    assert "est close : ses décisions sont définitives" in page(
        client.get(refused.headers["Location"])
    )
    db_session.refresh(lea)
    assert lea.comment == "Félicitations du jury."


def test_closing_needs_the_confirmation(
    client, login, db_session, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    login(president(jury_session))
    response = client.post(url(jury_session, "/clore"), data={"version": jury_session.version})
    assert response.status_code == 400


# --- Batch of dossiers ------------------------------------------------------------------------


def test_preparing_every_dossier_starts_a_job(
    client, login, db_session, manager, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    response = client.post(url(jury_session, "/dossiers"))
    assert response.status_code == 302
    job = db_session.scalar(select(Job).order_by(Job.id.desc()))
    assert response.headers["Location"].endswith(f"/taches/{job.id}")
    assert job.archive_name.startswith("dossiers-RNCPJURY-2028-06-27")
    assert job.requested_by_id == manager.id


# --- Procès-verbal ----------------------------------------------------------------------------


@pytest.fixture
def weasyprint_quiet(caplog):  # type: ignore[no-untyped-def]
    """Fails the test on any warning WeasyPrint logs while rendering."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


@pytest.mark.usefixtures("weasyprint_quiet")
def test_the_provisional_procès_verbal(
    client, login, manager, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    response = client.get(url(jury_session, "/proces-verbal.pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "proces-verbal-RNCPJURY-2028-06-27.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "PROVISOIRE" in text
    assert "Procès-verbal de délibération du jury" in text
    assert "RNCPJURY — Ingénieur de test, spécialité jury" in text
    assert "27/06/2028" in text
    assert "Campus de Bordeaux-Talence" in text
    assert "Claire Dumas" in text
    assert "Président du jury" in text
    assert "Composition conforme" in text
    assert "Léa Bernard" in text
    assert "Hugo Petit" in text
    assert "Pas encore de décision" in text
    assert "Le président du jury" in text


@pytest.mark.usefixtures("weasyprint_quiet")
def test_the_final_procès_verbal_is_cached(
    client, login, db_session, jury_session, with_candidates, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    login(president(jury_session))
    assert (
        close_with_all_decided(client, db_session, jury_session, with_candidates).status_code == 302
    )
    first = client.get(url(jury_session, "/proces-verbal.pdf"))
    text = pdf_text(first.data)
    assert "PROVISOIRE" not in text
    assert "Session close le" in text
    assert "Certification délivrée" in text
    assert "Conception solide, bien argumentée." in text
    assert "Félicitations du jury." in text
    assert "Ajourné" in text

    def no_render(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the same data's procès-verbal is read from the cache")

    monkeypatch.setattr("tracker.dossiers.render.render_pdf", no_render)
    again = client.get(url(jury_session, "/proces-verbal.pdf"))
    assert again.data == first.data


@pytest.mark.usefixtures("weasyprint_quiet")
def test_hostile_comments_are_text_in_the_procès_verbal(
    client, login, db_session, manager, jury_session, with_candidates
) -> None:  # type: ignore[no-untyped-def]
    lea = with_candidates["Léa Bernard"]
    login(manager)
    before = pdf_text(client.get(url(jury_session, "/proces-verbal.pdf")).data)
    assert "gras" not in before  # rendered (and cached) before the comment: redone after
    data = decision_data(db_session, lea, decision="")
    data["comment"] = '<img src="file:///etc/passwd"> <b>gras</b>'
    assert client.post(url(jury_session, f"/candidats/{lea.id}"), data=data).status_code == 302
    text = pdf_text(client.get(url(jury_session, "/proces-verbal.pdf")).data)
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>gras</b>" in text


# --- The contract's journal ---------------------------------------------------------------------


def test_the_contracts_journal_shows_the_jury_decisions(  # type: ignore[no-untyped-def]
    client, login, db_session, manager, jury_session, with_candidates
) -> None:
    lea = with_candidates["Léa Bernard"]
    login(manager)
    data = decision_data(db_session, lea)
    assert client.post(url(jury_session, f"/candidats/{lea.id}"), data=data).status_code == 302
    text = page(client.get(f"/contrats/{lea.apprenticeship_id}/journal?type=jury"))
    assert "Présenté·e à une session de jury" in text
    assert "Décisions du jury enregistrées" in text
    assert f"Session de jury n° {jury_session.id}" in text
    assert "BC01" in text
    assert "acquis" in text
    assert "certification délivrée" in text
    assert "Conception solide, bien argumentée." in text
    assert "Jury : candidature et décisions" in text
