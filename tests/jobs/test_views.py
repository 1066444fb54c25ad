"""The progress page, the JSON status and the zip, for the requester and managers only."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import page
from tracker.auth.models import Role
from tracker.jobs.models import JobStatus
from tracker.jobs.service import start_dossier_job

from .helpers import finished_job


@pytest.fixture
def contracts(make_cohort, make_apprenticeship, make_user):  # type: ignore[no-untyped-def]
    cohort = make_cohort()
    return [
        make_apprenticeship(cohort, apprentice=make_user(Role.APPRENTICE, name=name))
        for name in ("Léa Bernard", "Hugo Rousseau", "Chloé Lambert")
    ]


def _running(db_session, user, contracts, processed: int = 1):  # type: ignore[no-untyped-def]
    job = start_dossier_job(
        db_session,
        apprenticeship_ids=[c.id for c in contracts],
        archive_name="Jury juin 2027",
        requested_by_id=user.id,
    )
    job.status = JobStatus.RUNNING.value
    job.processed_count = processed
    db_session.commit()
    return job


def test_running_job_page_shows_a_progress_bar_and_refreshes_without_script(  # type: ignore[no-untyped-def]
    client, login, db_session, make_user, contracts
) -> None:
    tutor = make_user(Role.ACADEMIC_TUTOR, name="Tuteur Demandeur")
    job = _running(db_session, tutor, contracts)
    login(tutor)
    response = client.get(f"/taches/{job.id}")
    assert response.status_code == 200
    html = page(response)
    assert "<h1>Préparation des dossiers</h1>" in html
    assert re.search(
        r'<progress id="job-progress" max="3" value="1">1 / 3 dossiers</progress>', html
    )
    assert "1 / 3 dossiers" in html
    assert "Préparation en cours…" in html
    assert 'role="status"' in html
    assert "Archive « Jury-juin-2027 » : 3 dossier(s)." in html
    assert "par Tuteur Demandeur" in html
    # Without JavaScript the page reloads itself; with it, the script polls the status.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "/static/js/job-progress.js" in html
    assert f'data-status-url="/taches/{job.id}/etat"' in html
    assert "Télécharger" not in html


def test_status_is_json_for_the_script(client, login, db_session, make_user, contracts) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    job = _running(db_session, manager, contracts, processed=2)
    login(manager)
    response = client.get(f"/taches/{job.id}/etat")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {
        "id": job.id,
        "status": "running",
        "finished": False,
        "total": 3,
        "processed": 2,
        "failed": 0,
        "progress_text": "2 / 3 dossiers",
        "status_text": "Préparation en cours…",
        "download_url": None,
    }


def test_finished_job_offers_the_zip_and_lists_failures_by_name(  # type: ignore[no-untyped-def]
    client, login, db_session, make_user, contracts
) -> None:
    manager = make_user(Role.MANAGER)
    job = finished_job(
        db_session,
        requested_by_id=manager.id,
        apprenticeship_ids=[c.id for c in contracts],
        archive_name="jury-2027",
        failures={contracts[1].id: "Les données de ce contrat sont incomplètes."},
    )
    db_session.commit()
    login(manager)
    html = page(client.get(f"/taches/{job.id}"))
    assert "http-equiv" not in html  # over: no more refreshing
    assert "3 / 3 dossiers" in html
    assert "Préparation terminée : 2 dossier(s) prêt(s) sur 3 ; 1 en échec" in html
    assert "Dossiers qui n'ont pas pu être préparés" in html
    assert re.search(
        r'<th scope="row">Hugo Rousseau</th>\s*'
        r"<td>Les données de ce contrat sont incomplètes.</td>",
        html,
    )
    assert "Léa Bernard" not in html.split("<table>")[1]
    assert "Télécharger l'archive « jury-2027.zip »" in html
    assert "LISEZMOI.txt" in html

    state = client.get(f"/taches/{job.id}/etat").json
    assert state["finished"] is True
    assert state["failed"] == 1
    assert state["download_url"] == f"/taches/{job.id}/archive.zip"

    response = client.get(f"/taches/{job.id}/archive.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=jury-2027.zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist() == ["dossier.pdf"]


def test_a_single_dossier_job_leads_back_to_the_dossier(  # type: ignore[no-untyped-def]
    client, login, db_session, make_user, contracts
) -> None:
    tutor = make_user(Role.ACADEMIC_TUTOR)
    job = finished_job(
        db_session,
        requested_by_id=tutor.id,
        apprenticeship_ids=[contracts[0].id],
        archive_name=None,
    )
    db_session.commit()
    login(tutor)
    html = page(client.get(f"/taches/{job.id}"))
    assert "Dossier de Léa Bernard." in html
    assert "Préparation terminée : 1 dossier(s) prêt(s)." in html
    assert "Télécharger" not in html
    assert (
        f'<a class="button" href="/contrats/{contracts[0].id}/dossier">Voir le dossier</a>' in html
    )
    assert client.get(f"/taches/{job.id}/archive.zip").status_code == 404


def test_a_failed_job_says_why(client, login, db_session, make_user, contracts) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    job = finished_job(
        db_session,
        requested_by_id=manager.id,
        apprenticeship_ids=[contracts[0].id],
        failures={contracts[0].id: "Motif de test."},
    )
    job.error = "L'archive n'a pas pu être écrite ; relancez la préparation."
    db_session.commit()
    login(manager)
    html = page(client.get(f"/taches/{job.id}"))
    assert "La préparation a échoué." in html
    assert "L'archive n'a pas pu être écrite" in html
    assert "Motif de test." in html
    assert client.get(f"/taches/{job.id}/archive.zip").status_code == 404


def test_a_job_without_progress_for_long_is_said_to_be_stuck(  # type: ignore[no-untyped-def]
    client, login, db_session, make_user, contracts
) -> None:
    manager = make_user(Role.MANAGER)
    job = _running(db_session, manager, contracts)
    login(manager)
    assert "n'avance plus" not in page(client.get(f"/taches/{job.id}"))
    job.updated_at = datetime.now(UTC) - timedelta(minutes=11)
    db_session.commit()
    assert "n'avance plus depuis plus de 10 minutes" in page(client.get(f"/taches/{job.id}"))


def test_purged_zip_is_no_longer_offered(client, login, db_session, make_user, contracts) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    job = finished_job(db_session, requested_by_id=manager.id, apprenticeship_ids=[contracts[0].id])
    job.result_name = None
    db_session.commit()
    login(manager)
    html = page(client.get(f"/taches/{job.id}"))
    assert "L'archive n'est plus disponible" in html
    assert client.get(f"/taches/{job.id}/archive.zip").status_code == 404


def test_only_the_requester_and_managers_see_a_job(  # type: ignore[no-untyped-def]
    client, login, db_session, make_user, contracts
) -> None:
    tutor = make_user(Role.ACADEMIC_TUTOR)
    job = finished_job(
        db_session, requested_by_id=tutor.id, apprenticeship_ids=[c.id for c in contracts]
    )
    db_session.commit()
    urls = [f"/taches/{job.id}", f"/taches/{job.id}/etat", f"/taches/{job.id}/archive.zip"]
    for someone in (
        make_user(Role.ACADEMIC_TUTOR),
        contracts[0].apprentice,
        make_user(Role.JURY),
    ):
        client.post("/deconnexion")
        login(someone)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    for allowed in (tutor, make_user(Role.MANAGER)):
        client.post("/deconnexion")
        login(allowed)
        assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert client.get("/taches/999999").status_code == 404
