"""``flask demo load``: the Quickstart's demonstration data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from tracker.auth.models import User
from tracker.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from tracker.people.models import Apprenticeship, Cohort
from tracker.people.service import tutored_by
from tracker.referentials.models import Certification


def test_demo_load_fills_an_empty_database_and_prints_accounts(app, db_session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["password"] == DEMO_PASSWORD
    emails = {a["email"] for a in data["accounts"]}
    assert emails >= {a.email for a in ACCOUNTS}
    assert len(emails) == len(data["accounts"]) > 30  # apprentices and tutors too
    assert {"manager"} in [set(a["roles"]) for a in data["accounts"]]
    listing = json.loads(runner.invoke(args=["referentials", "list", "--json"]).output)
    assert len(listing) == 5
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0


def test_demo_accounts_can_sign_in(app, db_session, client) -> None:
    app.test_cli_runner().invoke(args=["demo", "load"])
    response = client.post(
        "/connexion",
        data={"email": "responsable@demo.livret.fr", "password": DEMO_PASSWORD},
        follow_redirects=True,
    )
    assert "Bienvenue, Claire Dubois." in response.get_data(as_text=True)


def test_demo_has_one_cohort_per_seed_track_and_a_tutor_change(app, db_session) -> None:
    load_demo(today=date(2026, 11, 21))
    cohorts = db_session.scalars(select(Cohort)).all()
    tracks = {(c.certification.code, c.track.name) for c in cohorts}
    assert tracks == {
        (cert.code, track.name)
        for cert in db_session.scalars(select(Certification))
        for track in cert.tracks
    }
    assert len(tracks) == 6
    assert {c.start_year for c in cohorts} == {2024, 2025, 2026}
    assert all(len(c.apprenticeships) >= 3 for c in cohorts)
    lea = db_session.scalar(select(User).where(User.email == "apprentie@demo.livret.fr"))
    (contract,) = db_session.scalars(
        select(Apprenticeship).where(Apprenticeship.apprentice_id == lea.id)
    ).all()
    assert [p.company_tutor.name for p in contract.periods] == ["Thomas Girard", "Sophie Martin"]
    sophie = db_session.scalar(select(User).where(User.name == "Sophie Martin"))
    assert len(tutored_by(db_session, sophie)) == 2  # one click per apprentice on her home


@pytest.mark.parametrize("today", [date(2026, 11, 21), date(2027, 5, 10)])
def test_demo_tells_three_years_of_signed_semesters_and_a_campaign(app, db_session, today) -> None:
    from tracker.evaluations import service
    from tracker.evaluations.models import RaterRole, Review

    load_demo(today=today)
    reviews = db_session.scalars(select(Review)).all()
    locked = [r for r in reviews if r.locked]
    assert len(locked) >= 12
    assert all(service.content_matches(db_session, r) for r in locked)
    assert any(r.status == "signing" for r in reviews)  # a review waiting for signatures
    (reopened,) = [r for r in reviews if r.reopenings]
    assert reopened.revision == 2
    assert reopened.locked
    assert reopened.reopenings[0].content_sha256 != reopened.content_sha256
    # Léa's first year was signed by her first company tutor, the later ones by Sophie.
    lea = db_session.scalar(
        select(Apprenticeship).join(Apprenticeship.apprentice).where(User.name == "Léa Bernard")
    )
    signers = {
        r.semester.number: r.current_signatures[RaterRole.COMPANY_TUTOR].signer.name
        for r in locked
        if r.apprenticeship_id == lea.id
    }
    assert signers[1] == "Thomas Girard"
    assert signers[3] == "Sophie Martin"
    # The semester running today is a campaign in progress: drafts and missing grids too.
    current = lea.cohort.current_semester(today)
    grids = service.grids_of(db_session, lea, current)
    assert RaterRole.APPRENTICE not in grids
    assert not grids[RaterRole.COMPANY_TUTOR].submitted
