"""Grid pages: filling, submitting, independence of the three raters, stale saves."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import page
from tracker.evaluations import service


@pytest.fixture
def contract(db_session, make_apprenticeship):  # type: ignore[no-untyped-def]
    """An apprenticeship whose S1 evaluation window is open today."""
    apprenticeship = make_apprenticeship()
    semester = apprenticeship.cohort.semester(1)
    semester.window_opens_on = date.today() - timedelta(days=3)
    semester.window_closes_on = date.today() + timedelta(days=20)
    db_session.flush()
    return apprenticeship


def url(contract, slug: str = "") -> str:  # type: ignore[no-untyped-def]
    base = f"/contrats/{contract.id}/S1"
    return f"{base}/grille/{slug}" if slug else base


def fill(contract, version: int, value: str = "3", action: str = "draft") -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {"version": str(version), "action": action, "general_comment": "Semestre solide."}
    for competence in service.track_competences(contract.cohort):
        data[f"c{competence.id}"] = value
    return data


def test_a_tutor_fills_then_submits_their_grid(client, login, contract) -> None:  # type: ignore[no-untyped-def]
    tutor = contract.current_period.company_tutor
    login(tutor)
    form = page(client.get(url(contract, "entreprise")))
    assert "Évaluation du maître d'apprentissage — S1" in form
    assert "<legend" in form  # one real radio group per competence
    assert "Reste à renseigner" in form
    first = service.track_competences(contract.cohort)[0]
    draft = client.post(
        url(contract, "entreprise"),
        data={"version": "0", "action": "draft", f"c{first.id}": "2"},
        follow_redirects=True,
    )
    assert "Brouillon enregistré : 1 compétence(s) restent à renseigner." in page(draft)
    submitted = client.post(
        url(contract, "entreprise"), data=fill(contract, 2, action="submit"), follow_redirects=True
    )
    text = page(submitted)
    assert "Grille soumise" in text
    assert "3 — Acquis" in text  # the tutor now reads their own levels


def test_others_grids_stay_hidden_until_one_submits_ones_own(client, login, contract) -> None:  # type: ignore[no-untyped-def]
    tutor = contract.current_period.company_tutor
    login(tutor)
    client.post(url(contract, "entreprise"), data=fill(contract, 0, "4", action="submit"))
    login(contract.apprentice)
    before = page(client.get(url(contract)))
    assert "4 — Maîtrisé" not in before
    assert "soumise" in before  # the status is visible, not the levels
    client.post(url(contract, "auto-evaluation"), data=fill(contract, 0, "nr", action="submit"))
    after = page(client.get(url(contract)))
    assert "4 — Maîtrisé" in after
    assert "Non observé" in after


def test_only_the_rater_reaches_a_grid(client, login, contract, make_user) -> None:  # type: ignore[no-untyped-def]
    login(contract.apprentice)
    assert client.get(url(contract, "entreprise")).status_code == 404
    assert client.get(url(contract, "inconnu")).status_code == 404


def test_a_stale_save_shows_both_versions_and_loses_nothing(client, login, contract) -> None:  # type: ignore[no-untyped-def]
    login(contract.current_period.company_tutor)
    client.post(url(contract, "entreprise"), data=fill(contract, 0, "2"))
    response = client.post(url(contract, "entreprise"), data=fill(contract, 0, "4"))
    assert response.status_code == 409
    text = page(response)
    assert "Grille modifiée entre-temps" in text
    assert "4 — Maîtrisé" in text  # their input, kept
    assert "2 — En cours d'acquisition" in text  # what is saved
    assert re.search(r"<input[^>]*name=\"version\"[^>]*value=\"2\"", text)  # resubmit deliberately


def test_a_closed_window_refuses_the_save(client, login, db_session, contract) -> None:  # type: ignore[no-untyped-def]
    contract.cohort.semester(1).window_closes_on = date.today() - timedelta(days=1)
    db_session.flush()
    login(contract.current_period.company_tutor)
    response = client.post(url(contract, "entreprise"), data=fill(contract, 0))
    assert response.status_code == 400
    assert "fenêtre d'évaluation de S1 est fermée" in page(response)
