"""Starting a job: its rows, its audit, and its dispatch only once the caller commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.audit.models import AuditEvent
from tracker.auth.models import Role
from tracker.errors import DomainError, NotFound
from tracker.jobs import local, queue, service
from tracker.jobs.models import ItemStatus, JobStatus
from tracker.jobs.service import clean_archive_name, start_dossier_job


@pytest.fixture
def contracts(make_cohort, make_apprenticeship):  # type: ignore[no-untyped-def]
    cohort = make_cohort()
    return [make_apprenticeship(cohort) for _ in range(3)]


@pytest.fixture
def dispatched(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Jobs handed to the workers, by runner, instead of starting any."""
    sent: list[tuple[str, int, tuple[int, ...]]] = []
    monkeypatch.setitem(app.config, "JOB_RUNNER", "local")
    monkeypatch.setattr(local, "spawn", lambda _app, job_id: sent.append(("local", job_id, ())))
    monkeypatch.setattr(
        queue, "enqueue", lambda _app, job_id, items: sent.append(("rq", job_id, tuple(items)))
    )
    return sent


def test_a_job_has_one_pending_item_per_dossier_in_order(db_session, contracts, make_user) -> None:  # type: ignore[no-untyped-def]
    manager = make_user(Role.MANAGER)
    ids = [contracts[2].id, contracts[0].id, contracts[2].id, contracts[1].id]
    job = start_dossier_job(
        db_session,
        apprenticeship_ids=ids,
        archive_name="Jury du 15 juin 2027",
        requested_by_id=manager.id,
    )
    assert job.status == JobStatus.QUEUED
    assert job.total == 3  # the repeat is ignored
    assert [item.apprenticeship_id for item in job.items] == [ids[0], ids[1], ids[3]]
    assert {item.status for item in job.items} == {ItemStatus.PENDING}
    assert job.archive_name == "Jury-du-15-juin-2027"
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "job", AuditEvent.object_id == job.id)
    )
    assert event.action == "job.started"
    assert event.actor_id == manager.id
    assert event.after["apprenticeships"] == [ids[0], ids[1], ids[3]]


def test_a_job_needs_known_contracts_and_a_usable_name(db_session, contracts, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.MANAGER)
    with pytest.raises(DomainError, match="Aucun dossier"):
        start_dossier_job(
            db_session, apprenticeship_ids=[], archive_name=None, requested_by_id=user.id
        )
    with pytest.raises(NotFound):
        start_dossier_job(
            db_session,
            apprenticeship_ids=[contracts[0].id, 999_999],
            archive_name=None,
            requested_by_id=user.id,
        )
    with pytest.raises(DomainError, match="nom"):
        start_dossier_job(
            db_session,
            apprenticeship_ids=[contracts[0].id],
            archive_name=" /../ ",
            requested_by_id=user.id,
        )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Jury RNCP39303 — juin 2027", "Jury-RNCP39303-juin-2027"),
        ("../../etc/passwd", "etcpasswd"),
        ("session.zip", "session"),
        ("Promotion Électronique", "Promotion-Électronique"),
        ("x" * 300, "x" * 100),
    ],
)
def test_archive_names_are_safe_download_names(given: str, kept: str) -> None:
    assert clean_archive_name(given) == kept


def test_the_same_single_dossier_is_not_started_twice(db_session, contracts, make_user) -> None:  # type: ignore[no-untyped-def]
    tutor, manager = make_user(Role.ACADEMIC_TUTOR), make_user(Role.MANAGER)
    first = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[0].id],
        archive_name=None,
        requested_by_id=tutor.id,
    )
    again = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[0].id],
        archive_name=None,
        requested_by_id=tutor.id,
    )
    assert again.id == first.id
    # Someone else, another dossier, or a zip: a job of its own.
    other_user = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[0].id],
        archive_name=None,
        requested_by_id=manager.id,
    )
    other_dossier = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[1].id],
        archive_name=None,
        requested_by_id=tutor.id,
    )
    archive = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[0].id],
        archive_name="un",
        requested_by_id=tutor.id,
    )
    assert len({first.id, other_user.id, other_dossier.id, archive.id}) == 4
    # Once the first one is over, asking again starts anew.
    first.status = JobStatus.FAILED.value
    first.finished_at = first.created_at
    db_session.flush()
    assert (
        start_dossier_job(
            db_session,
            apprenticeship_ids=[contracts[0].id],
            archive_name=None,
            requested_by_id=tutor.id,
        ).id
        != first.id
    )


def test_a_job_is_dispatched_once_committed_and_never_when_rolled_back(  # type: ignore[no-untyped-def]
    app, db_session, contracts, make_user, dispatched
) -> None:
    user = make_user(Role.MANAGER)
    db_session.commit()
    dropped = start_dossier_job(
        db_session, apprenticeship_ids=[contracts[0].id], archive_name="a", requested_by_id=user.id
    )
    assert dropped.id
    db_session.rollback()
    assert dispatched == []

    job = start_dossier_job(
        db_session,
        apprenticeship_ids=[contracts[0].id, contracts[1].id],
        archive_name="b",
        requested_by_id=user.id,
    )
    assert dispatched == []  # flushed only
    db_session.commit()
    assert dispatched == [("local", job.id, ())]

    app.config["JOB_RUNNER"] = "auto"
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    try:
        job = start_dossier_job(
            db_session,
            apprenticeship_ids=[contracts[2].id],
            archive_name="c",
            requested_by_id=user.id,
        )
        item_ids = tuple(item.id for item in job.items)
        db_session.commit()
    finally:
        app.config["REDIS_URL"] = None
    assert dispatched[-1] == ("rq", job.id, item_ids)


def test_jobs_stay_queued_when_the_runner_is_none(app, db_session, contracts, make_user) -> None:  # type: ignore[no-untyped-def]
    assert app.config["JOB_RUNNER"] == "none"  # TestingConfig
    user = make_user(Role.MANAGER)
    job = start_dossier_job(
        db_session, apprenticeship_ids=[contracts[0].id], archive_name=None, requested_by_id=user.id
    )
    db_session.commit()
    assert service.runner() == "none"
    assert job.status == JobStatus.QUEUED


def test_an_unknown_runner_is_a_configuration_error(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "JOB_RUNNER", "celery")
    with app.app_context(), pytest.raises(ValueError, match="JOB_RUNNER"):
        service.runner()
