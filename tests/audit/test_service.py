"""Gathering the journal of a contract and of a semester: which events, in what order,
page by page, in a number of queries that does not grow with the history."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from tracker.audit import service
from tracker.audit.service import events_for_apprenticeship, events_for_semester
from tracker.auth.models import Role
from tracker.evaluations.models import RaterRole

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def two(make_apprenticeship, make_cohort):  # type: ignore[no-untyped-def]
    """Two contracts of one cohort: ours, and another apprentice's."""
    cohort = make_cohort()
    return make_apprenticeship(cohort), make_apprenticeship(cohort)


def actions(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action for e in page.events]


def test_a_contract_journal_gathers_its_grids_reviews_contract_and_calendar(  # type: ignore[no-untyped-def]
    db_session, two, make_grid, make_review, add_event, change_window, make_user
) -> None:
    ours, theirs = two
    s1, s2 = make_grid(ours, 1), make_grid(ours, 2, RaterRole.APPRENTICE)
    review = make_review(ours, 2)
    add_event("grid.saved", "grid", s1.id, at=T0, after={"x": 1})
    add_event("grid.submitted", "grid", s2.id, at=T0 + timedelta(hours=1))
    add_event("review.locked", "review", review.id, at=T0 + timedelta(hours=2))
    add_event("grid.saved", "grid", make_grid(theirs, 1).id, at=T0)  # not ours
    add_event("review.locked", "review", make_review(theirs, 1).id, at=T0)  # not ours
    add_event("person.created", "user", ours.apprentice_id, at=T0)  # people, not the contract
    change_window(ours.cohort, 3)  # a calendar change: in every contract's journal
    change_window(ours.cohort, 3, days=0, name="Promotion renommée")  # not the calendar

    page = events_for_apprenticeship(db_session, ours)

    assert sorted(actions(page)) == sorted(
        [
            "apprenticeship.created",
            "cohort.updated",
            "grid.saved",
            "grid.submitted",
            "review.locked",
        ]
    )
    assert page.total == 5
    assert {e.object_id for e in page.events if e.object_type == "grid"} == {s1.id, s2.id}
    assert page.grids == {
        s1.id: ("company_tutor", s1.semester_id),
        s2.id: ("apprentice", s2.semester_id),
    }
    assert page.reviews == {review.id: review.semester_id}
    theirs_page = events_for_apprenticeship(db_session, theirs)
    assert "grid.submitted" not in actions(theirs_page)
    assert "cohort.updated" in actions(theirs_page)


def test_a_semester_journal_keeps_that_semester_and_its_window_changes(  # type: ignore[no-untyped-def]
    db_session, two, make_grid, make_review, add_event, change_window
) -> None:
    ours, _theirs = two
    cohort = ours.cohort
    s1, s2 = make_grid(ours, 1), make_grid(ours, 2)
    add_event("grid.saved", "grid", s1.id, after={"c": 1})
    add_event("grid.saved", "grid", s2.id, after={"c": 2})
    add_event("review.signed", "review", make_review(ours, 2).id, after={"role": "apprentice"})
    change_window(cohort, 2)

    first = events_for_semester(db_session, ours, cohort.semester(1))
    second = events_for_semester(db_session, ours, cohort.semester(2))

    assert actions(first) == ["grid.saved"]
    assert first.events[0].object_id == s1.id
    assert sorted(actions(second)) == ["cohort.updated", "grid.saved", "review.signed"]
    # Contract events belong to the contract's journal, not to a semester's.
    assert "apprenticeship.created" not in actions(second)


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        ({"semesters": [{"number": 1, "window_opens_on": "2026-01-01"}]},
         {"semesters": [{"number": 1, "window_opens_on": "2026-01-02"}]}, {1}),
        ({"semesters": [{"number": 1, "ends_on": "a"}, {"number": 2, "ends_on": "b"}]},
         {"semesters": [{"number": 1, "ends_on": "a"}, {"number": 2, "ends_on": "c"}]}, {2}),
        ({"semesters": [{"number": 1, "expected_level": 1}]},
         {"semesters": [{"number": 1, "expected_level": 2}]}, set()),
        ({"name": "a"}, {"name": "b"}, set()),
        (None, {"semesters": "broken"}, set()),
    ],
)  # fmt: skip
def test_calendar_changes(before, after, changed) -> None:  # type: ignore[no-untyped-def]
    assert service.calendar_changes(before, after) == changed


def test_newest_first_page_by_page(db_session, two, make_grid, add_event) -> None:  # type: ignore[no-untyped-def]
    ours, _theirs = two
    grid = make_grid(ours)
    for hour in range(6):
        add_event("grid.saved", "grid", grid.id, at=T0 + timedelta(hours=hour), after={"h": hour})
    pages = [
        events_for_apprenticeship(db_session, ours, kinds=["grilles"], page=n, per_page=4)
        for n in (1, 2)
    ]
    assert [p.total for p in pages] == [6, 6]
    assert [p.pages for p in pages] == [2, 2]
    assert [e.after["h"] for e in pages[0].events] == [5, 4, 3, 2]
    assert [e.after["h"] for e in pages[1].events] == [1, 0]
    beyond = events_for_apprenticeship(db_session, ours, kinds=["grilles"], page=99, per_page=4)
    assert beyond.page == 2  # an out-of-range page shows the last one
    assert events_for_apprenticeship(db_session, ours, page=-3).page == 1


def test_same_time_events_keep_the_order_they_were_recorded(
    db_session, two, make_grid, add_event
) -> None:  # type: ignore[no-untyped-def]
    ours, _theirs = two
    grid = make_grid(ours)
    add_event("grid.saved", "grid", grid.id, at=T0)
    add_event("grid.submitted", "grid", grid.id, at=T0)
    assert actions(events_for_apprenticeship(db_session, ours, kinds=["grilles"])) == [
        "grid.submitted",
        "grid.saved",
    ]


def test_filter_by_kind(db_session, two, make_grid, make_review, add_event, change_window) -> None:  # type: ignore[no-untyped-def]
    ours, _theirs = two
    add_event("grid.saved", "grid", make_grid(ours).id, after={"a": 1})
    add_event("review.locked", "review", make_review(ours).id)
    change_window(ours.cohort, 1)
    by_kind = {
        kind: actions(events_for_apprenticeship(db_session, ours, kinds=[kind]))
        for kind in ("grilles", "bilan", "calendrier", "contrat", "relances")
    }
    assert by_kind == {
        "grilles": ["grid.saved"],
        "bilan": ["review.locked"],
        "calendrier": ["cohort.updated"],
        "contrat": ["apprenticeship.created"],
        "relances": [],
    }
    # A semester's journal has no contract events; an unknown kind finds nothing.
    semester = ours.cohort.semester(1)
    assert actions(events_for_semester(db_session, ours, semester, kinds=["contrat"])) == []
    assert events_for_apprenticeship(db_session, ours, kinds=["inconnu"]).total == 0


def test_people_named_in_values_are_loaded_with_the_actors(db_session, two, make_user) -> None:  # type: ignore[no-untyped-def]
    ours, _theirs = two
    page = events_for_apprenticeship(db_session, ours, kinds=["contrat"])
    creation = page.events[0]
    period = ours.current_period
    assert page.names[creation.actor_id] == "Responsable des fixtures"
    assert page.names[period.company_tutor_id] == period.company_tutor.name
    assert page.names[ours.apprentice_id] == ours.apprentice.name


def test_situation_events_are_found_even_once_the_situation_is_deleted(  # type: ignore[no-untyped-def]
    db_session, two, add_event
) -> None:
    """Work situations are matched by their rows, and by the contract id their events
    carry once the row is gone."""
    from tracker.situations.models import WorkSituation

    ours, theirs = two
    standing = WorkSituation(
        apprenticeship=ours,
        title="Banc d'essai",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 2, 5),
    )
    db_session.add(standing)
    db_session.flush()
    add_event("situation.file_added", "work_situation", standing.id, after={"size": 10})
    add_event("situation.deleted", "work_situation", 987654, before={"apprenticeship_id": ours.id})
    add_event(
        "situation.deleted", "work_situation", 987655, before={"apprenticeship_id": theirs.id}
    )
    add_event("situation.updated", "work_situation", 987656, before=None, after=None)
    page = events_for_apprenticeship(db_session, ours, kinds=["situations"])
    assert sorted(e.object_id for e in page.events) == [standing.id, 987654]
    assert page.situations == {standing.id: "Banc d'essai"}
    semester = ours.cohort.semester(1)
    assert events_for_semester(db_session, ours, semester, kinds=["situations"]).total == 0


def test_reminders_go_to_their_semester(db_session, two, add_event) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = two
    for number in (1, 2):
        add_event(
            "reminder.sent",
            "apprenticeship",
            ours.id,
            after={
                "to": ours.apprentice_id,
                "role": "apprentice",
                "items": ["grid"],
                "semester": number,
            },
        )
    add_event("reminder.sent", "apprenticeship", theirs.id, after={"semester": 1})
    cohort = ours.cohort
    assert events_for_apprenticeship(db_session, ours, kinds=["relances"]).total == 2
    first = events_for_semester(db_session, ours, cohort.semester(1))
    assert [(e.action, e.after["semester"]) for e in first.events] == [("reminder.sent", 1)]
    assert first.names == {ours.apprentice_id: ours.apprentice.name}
    assert events_for_semester(db_session, ours, cohort.semester(3)).total == 0


@contextmanager
def counting(db_session):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _history(db_session, ours, make_grid, make_review, add_event, make_user, size: int):  # type: ignore[no-untyped-def]
    """``size`` events of every kind, by ``size`` different actors."""
    grids = [make_grid(ours, number, role) for number in range(1, 7) for role in RaterRole]
    reviews = {n: make_review(ours, n) for n in range(1, 7)}
    code = ours.cohort.track.blocks[0].competences[0].code
    for n in range(size):
        actor = make_user(Role.ACADEMIC_TUTOR)
        if n % 2:
            add_event(
                "grid.saved",
                "grid",
                grids[n % len(grids)].id,
                actor=actor,
                at=T0 + timedelta(minutes=n),
                before={code: {"level": 1, "not_observed": False, "comment": ""}},
                after={code: {"level": 2, "not_observed": False, "comment": "ok"}},
            )
        else:
            add_event(
                "review.signed",
                "review",
                reviews[1 + n % 6].id,
                actor=actor,
                at=T0 + timedelta(minutes=n),
                after={"role": "company_tutor", "revision": 1, "sha256": "ab" * 32},
            )


@pytest.mark.parametrize("per_semester", [False, True])
def test_a_fixed_number_of_queries_whatever_the_history(  # type: ignore[no-untyped-def]
    db_session, make_apprenticeship, make_grid, make_review, add_event, make_user, per_semester
) -> None:
    from tracker.audit.presenter import present

    counts = []
    for size in (5, 50):
        ours = make_apprenticeship()
        _history(db_session, ours, make_grid, make_review, add_event, make_user, size)
        db_session.expire_all()
        ours = db_session.get(type(ours), ours.id)
        semester = ours.cohort.semester(1)
        _ = ours.cohort.semesters, ours.cohort.certification_id  # loaded by the view already
        with counting(db_session) as statements:
            if per_semester:
                page = events_for_semester(db_session, ours, semester)
            else:
                page = events_for_apprenticeship(db_session, ours)
            entries = present(page, ours, semester if per_semester else None)
        assert len(entries) == len(page.events) > 0
        assert {e.actor for e in entries} <= set(page.names.values())
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 7  # calendar, count, page, people, grids, reviews, competences


def test_condition_events_are_found_by_the_contract_they_carry(  # type: ignore[no-untyped-def]
    db_session, two, add_event
) -> None:
    ours, theirs = two
    add_event(
        "english_certificate.created",
        "english_certificate",
        11,
        after={"apprenticeship_id": ours.id},
    )
    add_event(
        "mobility_period.deleted", "mobility_period", 12, before={"apprenticeship_id": ours.id}
    )
    add_event(
        "company_opinion.created", "company_opinion", 13, after={"apprenticeship_id": theirs.id}
    )
    page = events_for_apprenticeship(db_session, ours, kinds=["conditions"])
    assert sorted(e.object_id for e in page.events) == [11, 12]
