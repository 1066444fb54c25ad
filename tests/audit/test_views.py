"""The journal pages: French labels, Paris time with UTC beside it, before and after
values in words, the programme manager only, and no failure on events it does not know."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.audit.test_service import counting
from tests.conftest import page
from tracker.auth.models import Role
from tracker.evaluations.models import RaterRole
from tracker.people import service as people

WINTER = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # Paris is UTC+1
SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # Paris is UTC+2


@pytest.fixture
def contract(make_apprenticeship):  # type: ignore[no-untyped-def]
    return make_apprenticeship()


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.MANAGER, name="Claire Dubois")


def journal(contract, number: int | None = None, query: str = "") -> str:  # type: ignore[no-untyped-def]
    semester = f"/S{number}" if number else ""
    return f"/contrats/{contract.id}{semester}/journal{query}"


def codes(contract) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.code for c in contract.cohort.track.blocks[0].competences]


def test_grid_changes_in_french_with_paris_time_and_utc(  # type: ignore[no-untyped-def]
    client, login, manager, contract, make_grid, add_event
) -> None:
    first, second = codes(contract)
    grid = make_grid(contract, 2, RaterRole.COMPANY_TUTOR)
    tutor = contract.current_period.company_tutor
    add_event(
        "grid.saved",
        "grid",
        grid.id,
        actor=tutor,
        at=WINTER,
        before={
            first: {"level": 2, "not_observed": False, "comment": ""},
            second: {"level": None, "not_observed": False, "comment": ""},
        },
        after={
            first: {"level": 3, "not_observed": False, "comment": "Autonome sur le banc"},
            second: {"level": None, "not_observed": True, "comment": ""},
            "commentaire": "Bon semestre",
        },
    )
    add_event("grid.submitted", "grid", grid.id, actor=tutor, at=SUMMER)
    login(manager)
    response = client.get(journal(contract, query="?type=grilles"))
    assert response.status_code == 200
    text = page(response)
    assert "Journal des modifications — " + contract.apprentice.name in text
    assert "Grille enregistrée (brouillon)" in text
    assert "Grille soumise" in text
    assert "S2 · grille du maître d'apprentissage" in text
    assert f"par {tutor.name}" in text
    # Paris time, and the UTC time it was recorded in.
    assert "1 mars 2026, 13:00:00" in text
    assert "1 juil. 2026, 14:00:00" in text
    assert '<time datetime="2026-03-01T12:00:00Z"' in text
    assert "(2026-03-01 12:00:00 UTC)" in text
    # Newest first.
    assert text.index("Grille soumise") < text.index("Grille enregistrée (brouillon)")
    # Before → after, in the cohort's words, the changed fields only.
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
        text,
        re.S,
    )
    cells = [tuple(" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row) for row in rows]
    assert (f"{first} Analyser le besoin", "2 — En cours d'acquisition", "3 — Acquis") in cells
    assert (f"{first} commentaire", "(vide)", "Autonome sur le banc") in cells
    assert (f"{second} Concevoir", "non renseigné", "Non observé") in cells
    assert ("Commentaire général", "(vide)", "Bon semestre") in cells
    assert len(cells) == 4, cells
    assert '<caption class="sr-only" id="modifications-' in text
    assert 'role="region" tabindex="0" aria-labelledby="modifications-' in text


def test_review_signatures_locking_and_reopening(  # type: ignore[no-untyped-def]
    client, login, manager, contract, make_review, add_event
) -> None:
    review = make_review(contract, 1)
    first, _second = codes(contract)
    period = contract.current_period
    add_event(
        "review.saved",
        "review",
        review.id,
        actor=period.academic_tutor,
        at=WINTER,
        before={first: {"level": None, "not_observed": False}},
        after={first: {"level": 4, "not_observed": False}, "commentaire": "Accord trouvé"},
    )
    for minutes, (role, who) in enumerate(
        [
            ("academic_tutor", period.academic_tutor),
            ("company_tutor", period.company_tutor),
            ("apprentice", contract.apprentice),
        ],
        start=1,
    ):
        add_event(
            "review.signed",
            "review",
            review.id,
            actor=who,
            at=WINTER + timedelta(minutes=minutes),
            after={"role": role, "revision": 1, "sha256": "f" * 64, "comment": ""},
        )
    add_event(
        "review.locked",
        "review",
        review.id,
        actor=contract.apprentice,
        at=WINTER + timedelta(minutes=4),
        after={"revision": 1, "sha256": "f" * 64},
    )
    add_event(
        "review.reopened",
        "review",
        review.id,
        actor=manager,
        at=WINTER + timedelta(days=2),
        before={"revision": 1, "status": "locked", "sha256": "f" * 64},
        after={"revision": 2, "reason": "Erreur de saisie sur C01", "grids": ["company_tutor"]},
    )
    login(manager)
    text = page(client.get(journal(contract, 1)))
    for label in (
        "Niveaux retenus du bilan enregistrés",
        "Bilan signé par le tuteur académique",
        "Bilan signé par le maître d'apprentissage",
        "Bilan visé par l'apprenti·e",
        "Semestre verrouillé",
        "Semestre rouvert",
        "S1 · bilan tripartite",
        "Erreur de saisie sur C01",
        "maître d'apprentissage",
        "f" * 64,
        "4 — Maîtrisé",
        "Accord trouvé",
    ):
        assert label in text, label
    assert f"par {manager.name}" in text


def test_window_change_shows_on_that_semesters_journal_only(  # type: ignore[no-untyped-def]
    client, login, manager, contract, change_window
) -> None:
    semester = contract.cohort.semester(2)
    old_close = semester.window_closes_on
    change_window(contract.cohort, 2, days=10)
    login(manager)
    second = page(client.get(journal(contract, 2)))
    assert "Fenêtre d'évaluation modifiée" in second
    assert "S2 — fermeture de la fenêtre d'évaluation" in second
    assert old_close.strftime("%d/%m/%Y") in second
    assert (old_close + timedelta(days=10)).strftime("%d/%m/%Y") in second
    assert "par Responsable des fixtures" in second
    assert "Fenêtre d'évaluation modifiée" not in page(client.get(journal(contract, 1)))
    assert "Fenêtre d'évaluation modifiée" in page(client.get(journal(contract)))


def test_contract_events_name_the_people(  # type: ignore[no-untyped-def]
    client, login, db_session, manager, contract, make_user
) -> None:
    new_tutor = make_user(Role.COMPANY_TUTOR, name="Sophie Martin")
    period = contract.current_period
    people.change_placement(
        db_session,
        contract,
        effective_on=period.starts_on + timedelta(days=200),
        placement=people.Placement(
            period.company_name, period.siret, new_tutor, period.academic_tutor
        ),
        actor=manager,
    )
    db_session.flush()
    login(manager)
    text = page(client.get(journal(contract, query="?type=contrat")))
    assert "Changement d'entreprise ou de tuteur" in text
    effective = (period.starts_on + timedelta(days=200)).strftime("%d/%m/%Y")
    assert re.search(rf"<dt>Prend effet le</dt><dd[^>]*>{effective}</dd>", text)
    assert "Contrat créé" in text
    assert "Maître d'apprentissage" in text
    assert period.company_tutor.name in text
    assert "Sophie Martin" in text
    assert "Aérotech Systèmes" in text  # the creation lists the first placement


def test_actors_system_and_anonymised(  # type: ignore[no-untyped-def]
    client, login, db_session, manager, contract, make_grid, make_user, add_event
) -> None:
    grid = make_grid(contract)
    leaver = make_user(Role.COMPANY_TUTOR, name="Thomas Girard")
    add_event("grid.submitted", "grid", grid.id, actor=leaver, at=WINTER)
    add_event("grid.reopened", "grid", grid.id, actor=None, at=SUMMER)
    people.anonymise_person(db_session, leaver, actor=manager)
    login(manager)
    text = page(client.get(journal(contract)))
    assert "Thomas Girard" not in text
    assert f"par Personne anonymisée n° {leaver.id}" in text
    assert "par système" in text


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("grid.exploded", {"x": 1, "nested": {"y": [1, 2]}}, {"x": 2, "nested": {"y": [3]}}),
        ("grid.saved", ["not", "a", "dict"], "nor this"),
        ("review.signed", None, {"role": 7, "revision": None}),
        ("review.reopened", "?", ["?"]),
        ("grid.saved", {"C01": "text"}, {"C01": {"level": "haut"}}),
    ],
)
def test_unknown_or_malformed_events_render_generically(  # type: ignore[no-untyped-def]
    client, login, manager, contract, make_grid, add_event, action, before, after
) -> None:
    add_event(action, "grid", make_grid(contract).id, before=before, after=after)
    login(manager)
    response = client.get(journal(contract))
    assert response.status_code == 200
    if action == "grid.exploded":
        text = page(response)
        assert "grid.exploded" in text
        assert "nested.y" in text
        assert "1, 2" in text


def test_filter_and_pagination(  # type: ignore[no-untyped-def]
    client, login, manager, contract, make_grid, add_event, monkeypatch
) -> None:
    from tracker.audit import service

    monkeypatch.setattr(service, "PER_PAGE", 2)
    grid = make_grid(contract)
    for hour in range(4):
        add_event("grid.submitted", "grid", grid.id, at=WINTER + timedelta(hours=hour))
    login(manager)
    first = page(client.get(journal(contract, query="?type=grilles")))
    assert "4 événement(s)" in first
    assert "Page 1 sur 2" in first
    assert 'aria-label="Page suivante : 2 sur 2"' in first
    assert f"/contrats/{contract.id}/journal?page=2&amp;type=grilles" in client.get(
        journal(contract, query="?type=grilles")
    ).get_data(as_text=True)
    second = page(client.get(journal(contract, query="?type=grilles&page=2")))
    assert "Page précédente" in second
    assert "Page suivante" not in second
    assert '<label class="field__label" for="type">Type d\'événement</label>' in first
    everything = page(client.get(journal(contract, query="?type=inconnu&page=abc")))
    assert "Contrat créé" in page(client.get(journal(contract, query="?type=contrat")))
    assert "5 événement(s)" in everything  # an unknown kind shows every kind


def test_only_the_programme_manager_reads_the_journal(  # type: ignore[no-untyped-def]
    client, login, manager, contract, make_user
) -> None:
    period = contract.current_period
    for user in (
        contract.apprentice,
        period.company_tutor,
        period.academic_tutor,
        make_user(Role.JURY),
    ):
        login(user)
        assert client.get(journal(contract)).status_code == 403
        assert client.get(journal(contract, 1)).status_code == 403
        assert "Journal des modifications" not in page(client.get(f"/contrats/{contract.id}"))
    login(manager)
    assert client.get(journal(contract)).status_code == 200
    assert client.get(journal(contract, 6)).status_code == 200
    assert client.get(journal(contract, 7)).status_code == 404
    assert client.get("/contrats/999999/journal").status_code == 404
    assert client.get("/contrats/999999/S1/journal").status_code == 404


def test_links_from_the_contract_and_semester_pages(client, login, manager, contract) -> None:  # type: ignore[no-untyped-def]
    login(manager)
    contract_page = page(client.get(f"/contrats/{contract.id}"))
    assert f'href="/contrats/{contract.id}/journal">Journal des modifications</a>' in contract_page
    semester_page = page(client.get(f"/contrats/{contract.id}/S3"))
    assert f'href="/contrats/{contract.id}/S3/journal">Journal des modifications de S3</a>' in (
        semester_page
    )


def test_the_page_issues_as_many_queries_for_5_or_50_events(  # type: ignore[no-untyped-def]
    client, login, db_session, manager, make_apprenticeship, make_grid, add_event, make_user
) -> None:
    login(manager)
    counts = []
    for size in (5, 50):
        contract = make_apprenticeship()
        grid = make_grid(contract)
        first = codes(contract)[0]
        for n in range(size):
            add_event(
                "grid.saved",
                "grid",
                grid.id,
                actor=make_user(Role.COMPANY_TUTOR),
                at=WINTER + timedelta(minutes=n),
                before={first: {"level": 1, "not_observed": False, "comment": ""}},
                after={first: {"level": 2, "not_observed": False, "comment": ""}},
            )
        with counting(db_session) as statements:
            assert client.get(journal(contract)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_reminders_and_situations_in_words(  # type: ignore[no-untyped-def]
    client, login, db_session, manager, contract, add_event
) -> None:

    add_event(
        "reminder.sent",
        "apprenticeship",
        contract.id,
        after={
            "to": contract.apprentice_id,
            "role": "apprentice",
            "items": ["grid", "sign_review"],
            "semester": 2,
        },
    )
    login(manager)
    second = page(client.get(journal(contract, 2)))
    assert "Relance envoyée" in second
    assert "par système" in second
    assert f'<dd class="preserve-lines">{contract.apprentice.name}</dd>' in second
    assert "grille à remplir, bilan à signer" in second
    assert "Relance envoyée" not in page(client.get(journal(contract, 1)))
    from tracker.situations.models import WorkSituation

    competence = contract.cohort.track.blocks[0].competences[1]
    situation = WorkSituation(
        apprenticeship=contract,
        title="Banc d'essai",
        starts_on=contract.starts_on,
        ends_on=contract.starts_on + timedelta(days=30),
    )
    db_session.add(situation)
    db_session.flush()
    add_event(
        "situation.created",
        "work_situation",
        situation.id,
        actor=contract.apprentice,
        after={
            "apprenticeship_id": contract.id,
            "title": "Banc d'essai",
            "what_was_done": "Montage du banc",
            "competence_ids": [competence.id],
        },
    )
    add_event(
        "situation.file_added",
        "work_situation",
        situation.id,
        actor=contract.apprentice,
        after={"apprenticeship_id": contract.id, "file_id": 4, "size": 2048, "sha256": "0" * 64},
    )
    text = page(client.get(journal(contract, query="?type=situations")))
    assert "Situation professionnelle ajoutée" in text
    assert "Pièce jointe ajoutée à une situation" in text
    assert "Situation « Banc d'essai »" in text
    assert "Montage du banc" in text
    assert competence.code in text
    assert "2 Ko" in text
    assert "apprenticeship_id" not in text
    assert "file_id" not in text
