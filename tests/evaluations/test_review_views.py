"""The review pages: the side-by-side view, agreed levels, signatures, locking and
reopening, as the three parties and the programme manager see them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import page
from tracker.auth.models import Role
from tracker.evaluations import service
from tracker.evaluations.models import RaterRole
from tracker.evaluations.service import RatingInput


@pytest.fixture
def contract(db_session, make_apprenticeship):  # type: ignore[no-untyped-def]
    """S1 with its window open today and the three grids submitted: the company tutor
    gave 1 and 3, the academic tutor 3 and 3, the apprentice 4 and "non observé"."""
    apprenticeship = make_apprenticeship()
    semester = apprenticeship.cohort.semester(1)
    semester.window_opens_on = date.today() - timedelta(days=3)
    semester.window_closes_on = date.today() + timedelta(days=20)
    db_session.flush()
    period = apprenticeship.current_period
    first, second = service.track_competences(apprenticeship.cohort)
    for role, person, levels in (
        (RaterRole.COMPANY_TUTOR, period.company_tutor, (1, 3)),
        (RaterRole.ACADEMIC_TUTOR, period.academic_tutor, (3, 3)),
        (RaterRole.APPRENTICE, apprenticeship.apprentice, (4, None)),
    ):
        grid = service.open_grid(db_session, apprenticeship, semester, role, person)
        service.save_grid(
            db_session,
            grid,
            version=grid.version,
            ratings={
                first.id: RatingInput(level=levels[0], comment=f"Avis {role.value}"),
                second.id: RatingInput(level=levels[1], not_observed=levels[1] is None),
            },
            general_comment="",
            actor=person,
            today=date.today(),
            submit=True,
        )
    return apprenticeship


def current(db_session, contract):  # type: ignore[no-untyped-def]
    """The review as saved now (the requests ran in the same session: reload)."""
    db_session.expire_all()
    return service.get_review(db_session, contract, contract.cohort.semester(1))


def url(contract, tail: str = "bilan") -> str:  # type: ignore[no-untyped-def]
    return f"/contrats/{contract.id}/S1/{tail}"


def agreed(contract, version: int, levels=("3", "3"), action="save") -> dict[str, str]:  # type: ignore[no-untyped-def]
    first, second = service.track_competences(contract.cohort)
    return {
        "version": str(version),
        "action": action,
        f"a{first.id}": levels[0],
        f"a{second.id}": levels[1],
        "comment": "Bonne progression ; viser l'autonomie sur C01.",
    }


def test_the_side_by_side_view_flags_divergences_in_text(
    client, login, db_session, contract
) -> None:  # type: ignore[no-untyped-def]
    login(contract.current_period.academic_tutor)
    text = page(client.get(url(contract)))
    assert "Bilan tripartite de S1" in text
    assert "Avis company_tutor" in text  # every rater's comment, side by side
    assert "Avis apprentice" in text
    # Company 1, academic 3, apprentice 4: a gap of 3 levels, said in words and an icon.
    assert "Écart de 3 niveaux entre évaluateurs" in text
    assert "⚠" in text
    assert text.count("Écart de") == 1  # the second competence: 3, 3 and "non observé"
    # Both tutors said 3 on the second competence: offered, not saved.
    second = service.track_competences(contract.cohort)[1]
    assert re.search(
        rf'<input checked id="a{second.id}-\d+" name="a{second.id}" type="radio" value="3">', text
    )
    assert current(db_session, contract) is None


def test_the_whole_signature_flow_locks_the_semester(client, login, db_session, contract) -> None:  # type: ignore[no-untyped-def]
    period = contract.current_period
    login(period.academic_tutor)
    saved = client.post(url(contract), data=agreed(contract, 0), follow_redirects=True)
    assert "Niveaux retenus enregistrés." in page(saved)
    signed = client.post(
        url(contract), data=agreed(contract, 2, action="sign"), follow_redirects=True
    )
    text = page(signed)
    assert "Bilan enregistré et signé" in text
    assert "1 signature(s) sur 3" in text
    assert "Empreinte SHA-256" in text

    login(period.company_tutor)
    text = page(client.get(url(contract)))
    assert "Signer le bilan" in text
    review = current(db_session, contract)
    done = client.post(
        url(contract, "bilan/signature"),
        data={"version": str(review.version)},
        follow_redirects=True,
    )
    assert "Signature enregistrée." in page(done)

    login(contract.apprentice)
    text = page(client.get(url(contract)))
    assert "J'ai pris connaissance du bilan" in text
    done = client.post(
        url(contract, "bilan/signature"),
        data={"version": str(review.version), "comment": "Je retiens l'objectif d'autonomie."},
        follow_redirects=True,
    )
    text = page(done)
    assert "le semestre est verrouillé" in text
    assert "Je retiens l'objectif d'autonomie." in text
    assert "Verrouillé :" in text
    assert "donnent exactement cette empreinte" in text  # recomputed from the rows

    # Nothing changes through the app any more: the grid form redirects, saves are refused.
    login(period.academic_tutor)
    refused = client.post(
        url(contract), data=agreed(contract, review.version, ("1", "1")), follow_redirects=True
    )
    assert "plus rien ne s'y modifie" in page(refused)
    assert (
        current(db_session, contract)
        .agreed_for(service.track_competences(contract.cohort)[0].id)
        .level
        == 3
    )


def test_only_the_academic_tutor_records_agreed_levels(client, login, contract) -> None:  # type: ignore[no-untyped-def]
    login(contract.current_period.company_tutor)
    assert client.post(url(contract), data=agreed(contract, 0)).status_code == 403
    text = page(client.get(url(contract)))
    assert "le tuteur académique fixe les niveaux retenus" in text
    assert 'name="action" value="sign"' not in text


def test_a_stale_review_shows_both_versions_and_keeps_the_input(
    client, login, db_session, contract
) -> None:  # type: ignore[no-untyped-def]
    login(contract.current_period.academic_tutor)
    client.post(url(contract), data=agreed(contract, 0, ("3", "3")))
    # Another tab saved version 2 → 3 meanwhile; this form still says version 2.
    client.post(url(contract), data=agreed(contract, 2, ("2", "3")))
    stale = client.post(url(contract), data=agreed(contract, 2, ("4", "3")))
    assert stale.status_code == 409
    text = page(stale)
    assert "quelqu'un a enregistré ce bilan" in text
    assert "enregistré : 2 — En cours d'acquisition" in text
    first = service.track_competences(contract.cohort)[0]
    assert re.search(
        rf'<input checked id="a{first.id}-\d+" name="a{first.id}" type="radio" value="4">', text
    )
    assert current(db_session, contract).agreed_for(first.id).level == 2


def test_signing_before_the_academic_tutor_is_refused(client, login, db_session, contract) -> None:  # type: ignore[no-untyped-def]
    login(contract.current_period.academic_tutor)
    client.post(url(contract), data=agreed(contract, 0))
    login(contract.current_period.company_tutor)
    response = client.post(
        url(contract, "bilan/signature"), data={"version": "2"}, follow_redirects=True
    )
    assert "Le tuteur académique signe le bilan en premier" in page(response)
    assert current(db_session, contract).current_signatures == {}


def _lock(client, login, db_session, contract):  # type: ignore[no-untyped-def]
    period = contract.current_period
    login(period.academic_tutor)
    client.post(url(contract), data=agreed(contract, 0, action="sign"))
    version = current(db_session, contract).version
    for person in (period.company_tutor, contract.apprentice):
        login(person)
        client.post(url(contract, "bilan/signature"), data={"version": str(version)})
    review = current(db_session, contract)
    assert review.locked
    return review


def test_the_manager_reopens_with_a_reason(client, login, db_session, make_user, contract) -> None:  # type: ignore[no-untyped-def]
    review = _lock(client, login, db_session, contract)
    signed_hash = review.content_sha256
    login(make_user(Role.MANAGER))
    form = page(client.get(url(contract, "rouvrir")))
    assert "Raison de la réouverture" in form
    assert "Évaluation du maître d'apprentissage" in form  # a grid that may be reopened
    missing = client.post(url(contract, "rouvrir"), data={"reason": ""})
    assert missing.status_code == 400
    assert current(db_session, contract).locked
    done = client.post(
        url(contract, "rouvrir"),
        data={"reason": "Niveau de C01 mal reporté.", "grids": ["company_tutor"]},
        follow_redirects=True,
    )
    text = page(done)
    assert "Semestre rouvert" in text
    assert "Historique des réouvertures" in text
    assert signed_hash in text
    assert "Niveau de C01 mal reporté." in text
    grids = service.grids_of(db_session, contract, contract.cohort.semester(1))
    assert not grids[RaterRole.COMPANY_TUTOR].submitted


def test_reopening_is_for_the_manager_and_for_signed_semesters(
    client, login, db_session, make_user, contract
) -> None:  # type: ignore[no-untyped-def]
    login(make_user(Role.MANAGER))
    assert client.get(url(contract, "rouvrir")).status_code == 404  # nothing signed yet
    _lock(client, login, db_session, contract)
    login(contract.current_period.academic_tutor)
    assert client.get(url(contract, "rouvrir")).status_code == 403
    assert (
        client.post(url(contract, "rouvrir"), data={"reason": "Je veux corriger."}).status_code
        == 403
    )
    assert current(db_session, contract).locked
