""" "À faire" on the home page: each person's own pending items, one click each."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.campaigns.conftest import only_first_open
from tests.campaigns.test_views import _count_queries
from tests.conftest import VALID_SIRET, page
from tracker.auth.models import Role
from tracker.evaluations.models import RaterRole
from tracker.people import service as people

APPRENTICE, COMPANY, ACADEMIC = (
    RaterRole.APPRENTICE,
    RaterRole.COMPANY_TUTOR,
    RaterRole.ACADEMIC_TUTOR,
)


@pytest.fixture
def cohort(db_session, make_cohort):  # type: ignore[no-untyped-def]
    item = make_cohort(start_year=date.today().year)
    only_first_open(item)
    db_session.flush()
    return item


def todo(text: str) -> str:
    """The "À faire" section of a home page."""
    match = re.search(r'<h2 id="a-faire">À faire</h2>(.*?)(<h2|</main>)', text, re.S)
    assert match, text
    return match.group(1)


def links(section: str) -> list[tuple[str, str]]:
    """(address, text) of every link of a section."""
    return re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', section)


def test_a_company_tutor_reaches_each_grid_in_one_click(
    client, login, cohort, make_user, make_apprenticeship, add_grid
) -> None:  # type: ignore[no-untyped-def]
    sophie = make_user(Role.COMPANY_TUTOR, name="Sophie Martin")
    lea = make_apprenticeship(
        cohort, apprentice=make_user(Role.APPRENTICE, name="Léa Bernard"), company_tutor=sophie
    )
    hugo = make_apprenticeship(
        cohort, apprentice=make_user(Role.APPRENTICE, name="Hugo Petit"), company_tutor=sophie
    )
    add_grid(hugo, COMPANY)
    login(sophie)
    section = todo(page(client.get("/")))
    lines = re.findall(r'<span class="todo-list__who" id="a-faire-\d+">(.*?)</span>', section)
    assert lines == ["Hugo Petit", "Léa Bernard"]  # one line per apprentice, by name
    deadline = cohort.semester(1).window_closes_on.strftime("%d/%m/%Y")
    assert links(section) == [
        (f"/contrats/{hugo.id}/S1/grille/entreprise", "grille S1 à terminer"),
        (f"/contrats/{lea.id}/S1/grille/entreprise", "grille S1 à remplir"),
    ]
    # Each link is described by the apprentice's name (screen readers read it out).
    assert f'aria-describedby="a-faire-{lea.id}">grille S1 à remplir' in section
    assert f"(jusqu'au {deadline})" in section
    # The list of apprentices stays.
    assert "Mes apprentis" in page(client.get("/"))


def test_the_apprentice_sees_their_self_assessment_then_the_review(
    client, login, db_session, cohort, make_apprenticeship, add_grid, add_review
) -> None:  # type: ignore[no-untyped-def]
    contract = make_apprenticeship(cohort)
    login(contract.apprentice)
    section = todo(page(client.get("/")))
    assert links(section) == [
        (f"/contrats/{contract.id}/S1/grille/auto-evaluation", "mon auto-évaluation S1 à remplir")
    ]
    assert "Mon livret" in section
    for role in RaterRole:
        add_grid(contract, role, submitted=True)
    add_review(contract, "signing", signed_by=(ACADEMIC,))
    section = todo(page(client.get("/")))
    assert links(section) == [(f"/contrats/{contract.id}/S1/bilan", "bilan S1 à prendre en compte")]


def test_the_academic_tutor_conducts_the_review_once_the_grids_are_in(
    client, login, cohort, make_apprenticeship, add_grid
) -> None:  # type: ignore[no-untyped-def]
    contract = make_apprenticeship(cohort)
    for role in RaterRole:
        add_grid(contract, role, submitted=True)
    login(contract.current_period.academic_tutor)
    section = todo(page(client.get("/")))
    assert links(section) == [(f"/contrats/{contract.id}/S1/bilan", "bilan S1 à conduire")]


def test_the_former_tutor_of_a_semester_is_the_one_who_signs_it(
    client,
    login,
    db_session,
    cohort,
    make_cohort,
    make_user,
    make_apprenticeship,
    add_grid,
    add_review,
) -> None:  # type: ignore[no-untyped-def]
    contract = make_apprenticeship(cohort)
    former = contract.current_period.company_tutor
    successor = make_user(Role.COMPANY_TUTOR)
    # The change takes effect after S1 has ended: S1 stays with the former tutor.
    people.change_placement(
        db_session,
        contract,
        effective_on=date(cohort.start_year + 1, 2, 1),
        placement=people.Placement(
            "Aérotech Systèmes", VALID_SIRET, successor, contract.current_period.academic_tutor
        ),
        actor=make_cohort.manager,
    )
    for role in RaterRole:
        add_grid(contract, role, submitted=True)
    add_review(contract, "signing", signed_by=(ACADEMIC,))
    login(former)
    section = todo(page(client.get("/")))
    assert links(section) == [(f"/contrats/{contract.id}/S1/bilan", "bilan S1 à signer")]
    login(successor)
    assert "Rien en attente pour l'instant." in todo(page(client.get("/")))


def test_the_home_page_issues_the_same_queries_for_2_or_8_apprentices(
    client, login, db_session, make_cohort, make_user, make_apprenticeship, add_grid, add_review
) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for size in (2, 8):
        tutor = make_user(Role.COMPANY_TUTOR)
        for index in range(size):
            cohort = make_cohort(start_year=date.today().year)
            only_first_open(cohort)
            contract = make_apprenticeship(cohort, company_tutor=tutor)
            add_grid(contract, COMPANY)
            if index % 2:
                add_grid(contract, APPRENTICE, submitted=True)
                add_grid(contract, ACADEMIC, submitted=True)
                add_review(contract, "signing", signed_by=(ACADEMIC,))
        db_session.flush()
        login(tutor)
        counts.append(_count_queries(client, "/"))
    assert counts[0] == counts[1], counts
