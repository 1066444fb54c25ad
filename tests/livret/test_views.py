"""The livret page, the cohort dashboard and the alerts on a tutor's home page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import page
from tracker.auth.models import Role
from tracker.evaluations.models import RaterRole

from .helpers import sign_semester


@pytest.fixture
def signed(db_session, make_cohort, make_apprenticeship):  # type: ignore[no-untyped-def]
    """A cohort of two: one on track with S1–S2 signed, one behind; nothing else."""
    cohort = make_cohort()
    ahead, behind = make_apprenticeship(cohort), make_apprenticeship(cohort)
    for number in (1, 2):
        sign_semester(db_session, ahead, number, (3, 3))
    sign_semester(
        db_session,
        behind,
        1,
        (1, None),
        raters={RaterRole.APPRENTICE: (4, None), RaterRole.COMPANY_TUTOR: (1, None)},
    )
    sign_semester(db_session, behind, 2, (1, 2))
    db_session.commit()
    return cohort, ahead, behind


def test_livret_page_for_each_reader(client, login, signed) -> None:  # type: ignore[no-untyped-def]
    _, ahead, behind = signed
    for reader in (
        behind.apprentice,
        behind.current_period.company_tutor,
        behind.current_period.academic_tutor,
    ):
        client.post("/deconnexion")
        login(reader)
        response = client.get(f"/contrats/{behind.id}/livret")
        assert response.status_code == 200
        text = page(response)
        assert "Livret de suivi" in text
        assert "1 compétence(s) acquise(s) sur 2" not in text
        assert "0 compétence(s) acquise(s) sur 2 (0 %)" in text
        assert re.search(r"pas encore prêt·e</span>\s*blocs non acquis : \w+\.", text)
        assert "En cours" in text
        assert "en retard" in text
        assert "écart 3" in text  # S1: the apprentice said 4, the tutors 1
        assert "Règles appliquées" in text
        assert 'role="img"' in text  # the charts
        assert "Tableau des données" in text
    # Not someone else's livret.
    assert client.get(f"/contrats/{ahead.id}/livret").status_code == 404


def test_livret_states_block_acquired_and_why(client, login, signed, make_user) -> None:  # type: ignore[no-untyped-def]
    _, ahead, _ = signed
    login(make_user(Role.MANAGER))
    text = page(client.get(f"/contrats/{ahead.id}/livret"))
    assert "2 compétence(s) acquise(s) sur 2 (100 %)" in text
    assert "Toutes les compétences ont atteint le seuil (3 – Acquis)" in text
    assert "dans la trajectoire" in text
    assert re.search(r"Bilan S1</a> — verrouillé le", text)


def test_livret_before_any_signature(client, login, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    login(apprenticeship.apprentice)
    text = page(client.get(f"/contrats/{apprenticeship.id}/livret"))
    assert "aucun pour l'instant" in text
    assert "Non évalué" in text
    assert 'role="img"' not in text  # no chart without a signed semester


def test_dashboard_for_the_manager(client, login, signed, make_user) -> None:  # type: ignore[no-untyped-def]
    cohort, ahead, behind = signed
    login(make_user(Role.MANAGER))
    response = client.get(f"/promotions/{cohort.id}/tableau")
    assert response.status_code == 200
    text = page(response)
    assert ahead.apprentice.name in text
    assert behind.apprentice.name in text
    assert "2 apprenti·e(s) retenu(s) sur 2" in text
    assert "1 en retard sur la trajectoire" in text
    # Each row states its blocks in words: acquired, or in progress with what is left.
    row_of = {a: _row(text, a.apprentice.name) for a in (ahead, behind)}
    assert "✔</span> Acquis" in row_of[ahead]
    assert "En cours" not in row_of[ahead]
    assert "◐</span> En cours" in row_of[behind]
    assert "2 à acquérir" in row_of[behind]
    assert re.search(
        r"pas prêt·e</span>\s*<br><span class=\"muted\">blocs non acquis : \w+", row_of[behind]
    )

    late_only = page(client.get(f"/promotions/{cohort.id}/tableau?filtre=retard"))
    assert behind.apprentice.name in late_only
    assert ahead.apprentice.name not in late_only

    by_progression = page(client.get(f"/promotions/{cohort.id}/tableau?tri=progression"))
    assert by_progression.index(behind.apprentice.name) < by_progression.index(
        ahead.apprentice.name
    )
    # An unknown filter or sort shows the default, never an error.
    assert client.get(f"/promotions/{cohort.id}/tableau?filtre=x&tri=y").status_code == 200


def test_dashboard_pages_keep_the_filter_and_sort(
    client, login, signed, make_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    cohort, ahead, behind = signed
    monkeypatch.setattr("tracker.pagination.PER_PAGE", 1)
    login(make_user(Role.MANAGER))
    first = page(client.get(f"/promotions/{cohort.id}/tableau?tri=progression"))
    assert behind.apprentice.name in first
    assert ahead.apprentice.name not in first
    assert "page 1 sur 2" in first
    assert f"/promotions/{cohort.id}/tableau?page=2&filtre=&tri=progression" in first
    second = page(client.get(f"/promotions/{cohort.id}/tableau?tri=progression&page=2"))
    assert ahead.apprentice.name in second
    assert behind.apprentice.name not in second
    assert "Page suivante" not in second


def test_dashboard_for_an_academic_tutor_shows_their_apprentices(  # type: ignore[no-untyped-def]
    client, login, signed
) -> None:
    cohort, ahead, behind = signed
    login(behind.current_period.academic_tutor)
    text = page(client.get(f"/promotions/{cohort.id}/tableau"))
    assert behind.apprentice.name in text
    assert ahead.apprentice.name not in text
    client.post("/deconnexion")
    login(behind.current_period.company_tutor)
    assert client.get(f"/promotions/{cohort.id}/tableau").status_code == 403


def test_home_alerts_for_the_tutor(client, login, signed) -> None:  # type: ignore[no-untyped-def]
    _, ahead, behind = signed
    login(behind.current_period.academic_tutor)
    text = page(client.get("/"))
    assert f"Livret de {behind.apprentice.name}" in text
    assert "En retard sur la trajectoire attendue en S2 : 1 compétence(s)" in text
    client.post("/deconnexion")
    login(ahead.current_period.company_tutor)
    text = page(client.get("/"))
    assert f"Livret de {ahead.apprentice.name}" in text
    assert "En retard sur la trajectoire" not in text


def test_exports_of_the_dashboard(client, login, signed, make_user) -> None:  # type: ignore[no-untyped-def]
    cohort, ahead, behind = signed
    login(make_user(Role.MANAGER))
    response = client.get(f"/promotions/{cohort.id}/tableau/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith("Apprenti·e;")
    assert behind.apprentice.name in text
    assert ahead.apprentice.name in text
    workbook = client.get(f"/promotions/{cohort.id}/tableau/export.xlsx")
    assert workbook.status_code == 200
    assert workbook.data[:2] == b"PK"  # a zip: the xlsx container
    assert client.get(f"/promotions/{cohort.id}/tableau/export.pdf").status_code == 404

    # An academic tutor sees their apprentices' dashboard but not the export: it would
    # show other raters' grids of the semester in progress (independence).
    client.post("/deconnexion")
    login(behind.current_period.academic_tutor)
    assert "Exporter" not in page(client.get(f"/promotions/{cohort.id}/tableau"))
    assert client.get(f"/promotions/{cohort.id}/tableau/export.csv").status_code == 403


def _row(text: str, name: str) -> str:
    """The dashboard table row of the apprentice called ``name``."""
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a>.*?</tr>", text, re.S
    )
    assert match, name
    return match.group(0)
