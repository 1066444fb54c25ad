"""Pending items: the rules over plain, unsaved rows (no database), case by case."""

from __future__ import annotations

from datetime import date

import pytest

import tracker.models  # noqa: F401 - configures every mapper
from tracker.campaigns.service import (
    PendingKind,
    ReviewState,
    pending_items,
    review_state,
)
from tracker.evaluations.models import Grid, RaterRole, Review, Signature
from tracker.people.models import Apprenticeship, ApprenticeshipPeriod, Semester

APPRENTICE, COMPANY, ACADEMIC = (
    RaterRole.APPRENTICE,
    RaterRole.COMPANY_TUTOR,
    RaterRole.ACADEMIC_TUTOR,
)
GRID, LEAD, SIGN = PendingKind.GRID, PendingKind.LEAD_REVIEW, PendingKind.SIGN_REVIEW
DEADLINE = date(2026, 2, 28)
BEFORE, OPEN, CLOSED = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 15)
# Ids of the people: the apprentice, the tutors of the first period, of the second.
LEA, SOPHIE, MARC, THOMAS, NADIA = 10, 20, 30, 40, 50


def semester(number: int = 1) -> Semester:
    if number == 1:
        return Semester(
            id=1,
            number=1,
            starts_on=date(2025, 9, 1),
            ends_on=date(2026, 1, 31),
            window_opens_on=date(2026, 1, 10),
            window_closes_on=DEADLINE,
        )
    return Semester(
        id=2,
        number=2,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 8, 31),
        window_opens_on=date(2026, 8, 10),
        window_closes_on=date(2026, 9, 28),
    )


def contract(*, change_on: date | None = None, ends_on: date = date(2028, 8, 31)) -> Apprenticeship:
    """Léa's contract; with ``change_on``, Thomas and Nadia take over from that day."""
    periods = [
        ApprenticeshipPeriod(
            starts_on=date(2025, 9, 1),
            ends_on=None,
            company_tutor_id=SOPHIE,
            academic_tutor_id=MARC,
        )
    ]
    if change_on is not None:
        periods[0].ends_on = date.fromordinal(change_on.toordinal() - 1)
        periods.append(
            ApprenticeshipPeriod(
                starts_on=change_on, ends_on=None, company_tutor_id=THOMAS, academic_tutor_id=NADIA
            )
        )
    return Apprenticeship(
        id=1, apprentice_id=LEA, starts_on=date(2025, 9, 1), ends_on=ends_on, periods=periods
    )


def grids(drafts: str = "", submitted: str = "") -> dict[RaterRole, Grid]:
    """Grids by letter: a (apprentice), c (company tutor), s (school: academic tutor)."""
    roles = {"a": APPRENTICE, "c": COMPANY, "s": ACADEMIC}
    found = {roles[k]: Grid(rater_role=roles[k].value, status="draft") for k in drafts}
    found |= {roles[k]: Grid(rater_role=roles[k].value, status="submitted") for k in submitted}
    return found


def review(status: str, signed: tuple[RaterRole, ...] = (), revision: int = 1) -> Review:
    return Review(
        status=status,
        revision=revision,
        signatures=[Signature(role=role.value, revision=1) for role in signed],
    )


CASES = [
    pytest.param(
        OPEN,
        grids(),
        None,
        {(APPRENTICE, GRID, False), (COMPANY, GRID, False), (ACADEMIC, GRID, False)},
        id="window open, nothing started: three grids to fill",
    ),
    pytest.param(
        OPEN,
        grids(drafts="a", submitted="c"),
        None,
        {(APPRENTICE, GRID, True), (ACADEMIC, GRID, False)},
        id="a draft is to finish, a submitted grid asks nothing",
    ),
    pytest.param(
        OPEN,
        grids(submitted="acs"),
        None,
        {(ACADEMIC, LEAD, False)},
        id="three grids submitted: the review is to conduct",
    ),
    pytest.param(BEFORE, grids(), None, set(), id="window not open yet: nothing"),
    pytest.param(
        CLOSED,
        grids(drafts="a", submitted="c"),
        None,
        {(ACADEMIC, LEAD, False)},
        id="window closed: drafts are over, the review is to conduct",
    ),
    pytest.param(
        CLOSED, grids(submitted="acs"), review("open"), {(ACADEMIC, LEAD, False)}, id="review open"
    ),
    pytest.param(
        CLOSED,
        grids(submitted="acs"),
        review("signing", (ACADEMIC,)),
        {(APPRENTICE, SIGN, False), (COMPANY, SIGN, False)},
        id="review signing: those who have not signed",
    ),
    pytest.param(
        CLOSED,
        grids(submitted="acs"),
        review("signing", (ACADEMIC, COMPANY, APPRENTICE), revision=2),
        {(APPRENTICE, SIGN, False), (COMPANY, SIGN, False), (ACADEMIC, SIGN, False)},
        id="reopened: signatures of the earlier revision do not count",
    ),
    pytest.param(
        CLOSED,
        grids(submitted="acs"),
        review("locked", (ACADEMIC, COMPANY, APPRENTICE)),
        set(),
        id="review locked: nothing",
    ),
    pytest.param(
        OPEN,
        grids(drafts="a", submitted="cs"),
        review("signing", (ACADEMIC,)),
        {(APPRENTICE, SIGN, False), (COMPANY, SIGN, False)},
        id="frozen review while the window is open: no grid to finish",
    ),
]


@pytest.mark.parametrize(("today", "its_grids", "its_review", "expected"), CASES)
def test_pending_items(today, its_grids, its_review, expected) -> None:  # type: ignore[no-untyped-def]
    items = pending_items(contract(), semester(), its_grids, its_review, today)
    assert {(i.role, i.kind, i.started) for i in items} == expected
    people = {APPRENTICE: LEA, COMPANY: SOPHIE, ACADEMIC: MARC}
    assert all(i.person_id == people[i.role] for i in items)
    assert all(i.semester_number == 1 and i.apprenticeship_id == 1 for i in items)
    assert all(i.deadline == (DEADLINE if i.kind == GRID else None) for i in items)


@pytest.mark.parametrize(
    ("change_on", "company", "academic"),
    [
        pytest.param(date(2026, 1, 1), THOMAS, NADIA, id="change during the semester: the new"),
        pytest.param(date(2026, 3, 1), SOPHIE, MARC, id="change after the semester: the former"),
    ],
)
def test_the_tutors_pending_are_those_in_post_when_the_semester_ends(
    change_on, company, academic
) -> None:  # type: ignore[no-untyped-def]
    items = pending_items(contract(change_on=change_on), semester(), grids(), None, OPEN)
    by_role = {i.role: i.person_id for i in items}
    assert by_role == {APPRENTICE: LEA, COMPANY: company, ACADEMIC: academic}


def test_a_semester_after_the_contract_asks_nothing() -> None:
    ended = contract(ends_on=date(2026, 1, 15))
    assert pending_items(ended, semester(2), grids(), None, date(2026, 8, 20)) == []


@pytest.mark.parametrize(
    ("today", "its_grids", "its_review", "expected"),
    [
        (OPEN, grids(drafts="a"), None, ReviewState.NOT_OPEN),
        (OPEN, grids(submitted="acs"), None, ReviewState.TO_LEAD),
        (CLOSED, grids(), None, ReviewState.TO_LEAD),
        (CLOSED, grids(), review("open"), ReviewState.TO_LEAD),
        (CLOSED, grids(), review("signing", (ACADEMIC,)), ReviewState.SIGNING),
        (CLOSED, grids(), review("locked"), ReviewState.LOCKED),
    ],
)
def test_review_state(today, its_grids, its_review, expected) -> None:  # type: ignore[no-untyped-def]
    assert review_state(its_grids, semester(), its_review, today) == expected
