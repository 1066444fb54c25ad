"""The livret read from the rows: retained levels table, one contract's livret, the cohort
dashboard and the tutors' alerts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import QueryCounter
from tracker.evaluations import service as evaluations
from tracker.evaluations.models import RaterRole
from tracker.livret import service
from tracker.livret.models import RetainedLevel
from tracker.livret.retained import refresh_retained
from tracker.people.service import cohort_apprenticeships
from tracker.progress.rules import BlockState, Standing
from tracker.referentials.models import Requirement

from .helpers import sign_semester, submit

# S1..S4 of a 2025 cohort are over on that day; S5's window is not open yet.
LATER = date(2027, 10, 1)


def retained(session, apprenticeship):  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(RetainedLevel).where(RetainedLevel.apprenticeship_id == apprenticeship.id)
    )
    return {r.competence_id: Standing(r.level, r.semester, r.best, r.best_semester) for r in rows}


def competence_ids(apprenticeship):  # type: ignore[no-untyped-def]
    return [c.id for c in evaluations.track_competences(apprenticeship.cohort)]


def test_locking_a_semester_writes_the_retained_levels(db_session, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    c1, c2 = competence_ids(apprenticeship)
    assert retained(db_session, apprenticeship) == {}
    sign_semester(db_session, apprenticeship, 1, (2, None))
    assert retained(db_session, apprenticeship) == {c1: Standing(2, 1, 2, 1)}
    sign_semester(db_session, apprenticeship, 2, (1, 3))
    assert retained(db_session, apprenticeship) == {
        c1: Standing(1, 2, 2, 1),
        c2: Standing(3, 2, 3, 2),
    }


def test_reopening_takes_the_semester_out_until_signed_again(  # type: ignore[no-untyped-def]
    db_session, make_apprenticeship, make_user
) -> None:
    from tracker.auth.models import Role

    apprenticeship = make_apprenticeship()
    c1, c2 = competence_ids(apprenticeship)
    sign_semester(db_session, apprenticeship, 1, (2, 2))
    review = sign_semester(db_session, apprenticeship, 2, (3, 3))
    evaluations.reopen_review(
        db_session,
        review,
        reason="Erreur de saisie sur C2.",
        grid_roles=[],
        actor=make_user(Role.MANAGER),
    )
    assert retained(db_session, apprenticeship) == {
        c1: Standing(2, 1, 2, 1),
        c2: Standing(2, 1, 2, 1),
    }
    # A refresh from the rows gives the same table (it is derived data).
    refresh_retained(db_session, apprenticeship.id)
    assert retained(db_session, apprenticeship)[c2] == Standing(2, 1, 2, 1)


def test_livret_matrix_shows_signed_semesters_only(db_session, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    c1, c2 = competence_ids(apprenticeship)
    sign_semester(
        db_session,
        apprenticeship,
        1,
        (1, 2),
        raters={RaterRole.APPRENTICE: (3, 2), RaterRole.COMPANY_TUTOR: (1, None)},
    )
    sign_semester(db_session, apprenticeship, 2, (1, 3))
    # S3 in progress: a submitted grid whose levels must not show yet.
    submit(db_session, apprenticeship, 3, RaterRole.COMPANY_TUTOR, (4, 4))

    livret = service.load_livret(db_session, apprenticeship, situations={c2: 2})

    assert livret.signed_numbers == [1, 2]
    (block,) = livret.blocks
    first, second = block.competences
    cell = first.cells[1]
    assert cell.agreed == 1
    assert cell.raters == {
        RaterRole.APPRENTICE: 3,
        RaterRole.COMPANY_TUTOR: 1,
        RaterRole.ACADEMIC_TUTOR: 1,
    }
    assert cell.gap == 2
    assert cell.diverges
    assert second.cells[1].raters[RaterRole.COMPANY_TUTOR] is None  # "non observé"
    assert set(first.cells) == {1, 2}  # S3 is not signed: nothing of it
    assert first.cells[2].behind  # S2 expects 2
    assert not second.cells[2].behind
    assert second.situations == 2
    assert block.status.state == BlockState.IN_PROGRESS
    assert block.status.below == (c1,)
    assert (livret.progression.acquired, livret.progression.total) == (1, 2)
    assert livret.latest_signed == 2
    assert livret.behind == (c1,)
    assert livret.codes[c1].endswith(".C01")
    assert block.mean_agreed(2) == 2.0
    assert block.mean_rater(1, RaterRole.APPRENTICE) == 2.5


def test_livret_reads_a_fixed_number_of_queries(db_session, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    one, other = make_apprenticeship(), make_apprenticeship()
    sign_semester(db_session, one, 1, (2, 2))
    for number in (1, 2, 3):
        sign_semester(db_session, other, number, (2, 3))
    counts = []
    for apprenticeship in (one, other):
        db_session.flush()
        db_session.expire_all()
        with QueryCounter(db_session) as counter:
            service.load_livret(db_session, apprenticeship, situations={})
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_dashboard_rows(db_session, make_cohort, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    cohort = make_cohort()
    ahead, behind, fresh = (make_apprenticeship(cohort) for _ in range(3))
    for number in (1, 2):
        sign_semester(db_session, ahead, number, (3, 3))
        sign_semester(db_session, behind, number, (1, 2))
    db_session.add(
        Requirement(
            certification=cohort.certification,
            kind="english",
            label="Anglais B2",
            params={"min_level": "B2"},
            position=1,
        )
    )
    db_session.flush()
    dashboard = service.cohort_dashboard(
        db_session,
        cohort,
        [ahead, behind, fresh],
        requirements={ahead.id: {"Anglais B2": True}, behind.id: {"Anglais B2": False}},
        today=LATER,
    )
    rows = {row.apprenticeship.id: row for row in dashboard.rows}
    (block,) = dashboard.blocks
    assert rows[ahead.id].blocks[block.id].state == BlockState.ACQUIRED
    assert rows[ahead.id].readiness.ready
    assert rows[behind.id].blocks[block.id].state == BlockState.IN_PROGRESS
    assert rows[behind.id].behind == 1
    assert rows[behind.id].to_acquire[block.id] == 2  # best levels 1 and 2: below 3
    assert rows[ahead.id].progression.acquired == 2
    assert rows[behind.id].readiness.requirements_missing == ("Anglais B2",)
    # The jury column names a missing condition by its kind, the livret by its label.
    assert dashboard.requirement_names == {"Anglais B2": "Anglais"}
    assert dashboard.missing_conditions(rows[behind.id]) == ["Anglais"]
    assert rows[fresh.id].latest_signed is None
    assert rows[fresh.id].blocks[block.id].state == BlockState.NOT_RATED
    # The latest campaign on that day is S4: nothing submitted by anyone yet.
    assert dashboard.campaign.number == 4
    assert {row.grids_missing for row in dashboard.rows} == {3}


def test_dashboard_queries_do_not_grow_with_the_cohort(  # type: ignore[no-untyped-def]
    db_session, make_cohort, make_apprenticeship
) -> None:
    counts = []
    for size in (2, 6):
        cohort = make_cohort()
        apprenticeships = [make_apprenticeship(cohort) for _ in range(size)]
        for a in apprenticeships:
            sign_semester(db_session, a, 1, (2, 3))
        db_session.flush()
        db_session.expire_all()
        with QueryCounter(db_session) as counter:
            # As the page does: the cohort's contracts, then the dashboard.
            loaded = cohort_apprenticeships(db_session, cohort)
            service.cohort_dashboard(db_session, cohort, loaded, requirements={}, today=LATER)
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_alerts_for_a_tutor(db_session, make_cohort, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    cohort = make_cohort()
    fine, late = make_apprenticeship(cohort), make_apprenticeship(cohort)
    sign_semester(db_session, fine, 1, (1, 1))
    sign_semester(db_session, fine, 2, (2, 2))
    sign_semester(
        db_session, late, 1, (1, 1), raters={RaterRole.APPRENTICE: (4, 1)}
    )  # 3 levels apart on C01
    sign_semester(db_session, late, 2, (1, 2), raters={RaterRole.APPRENTICE: (3, 2)})
    found = service.alerts(
        db_session,
        [fine, late],
        requirements={fine.id: {"Anglais B2": False}, late.id: {"Anglais B2": True}},
        today=date(2027, 3, 1),  # S4 running: conditions are not asked for yet
    )
    assert found[fine.id] == []
    kinds = {alert.kind: alert for alert in found[late.id]}
    assert set(kinds) == {service.AlertKind.BEHIND, service.AlertKind.DIVERGENCE}
    assert kinds[service.AlertKind.BEHIND].semester == 2
    assert kinds[service.AlertKind.BEHIND].items[0].endswith(".C01")
    assert kinds[service.AlertKind.DIVERGENCE].items[0].endswith(".C01")
    # In the last year the missing conditions of award are an alert too.
    last_year = service.alerts(
        db_session,
        [fine],
        requirements={fine.id: {"Anglais B2": False}},
        today=cohort.semester(5).starts_on,
    )
    assert last_year[fine.id] == [
        service.Alert(service.AlertKind.CONDITIONS, None, ("Anglais B2",))
    ]
