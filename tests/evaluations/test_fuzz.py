"""Hypothesis fuzzing of the grid form: never a server error, nothing changed on refusal."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tracker.evaluations import service
from tracker.evaluations.models import Grid, Rating

VALUES = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "nr", "", "0", "5", "-1", "None", "3.5", "abc"]),
    st.text(max_size=20),
)


def _state(db_session) -> tuple[int, int, list[tuple[int | None, bool, str]]]:  # type: ignore[no-untyped-def]
    grids = db_session.scalar(select(func.count()).select_from(Grid))
    versions = db_session.scalar(select(func.coalesce(func.sum(Grid.version), 0)))
    ratings = db_session.execute(
        select(Rating.level, Rating.not_observed, Rating.comment).order_by(Rating.id)
    ).all()
    return grids, versions, [tuple(row) for row in ratings]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_grid_post_is_answered_cleanly(
    client, login, db_session, make_apprenticeship, data
) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    semester = apprenticeship.cohort.semester(1)
    semester.window_opens_on = date.today() - timedelta(days=1)
    semester.window_closes_on = date.today() + timedelta(days=10)
    db_session.flush()
    login(apprenticeship.current_period.company_tutor)
    competences = service.track_competences(apprenticeship.cohort)
    form = {
        "version": data.draw(st.sampled_from(["0", "1", "2", "", "x", "-3"])),
        "action": data.draw(st.sampled_from(["draft", "submit", "", "other"])),
        "general_comment": data.draw(st.text(max_size=200)),
    }
    for competence in competences:
        if data.draw(st.booleans()):
            form[f"c{competence.id}"] = data.draw(VALUES)
        if data.draw(st.booleans()):
            form[f"c{competence.id}_comment"] = data.draw(st.text(max_size=50))
    before = _state(db_session)
    response = client.post(f"/contrats/{apprenticeship.id}/S1/grille/entreprise", data=form)
    assert response.status_code in (302, 400, 409), response.status_code
    if response.status_code != 302:
        db_session.expire_all()
        assert _state(db_session) == before
