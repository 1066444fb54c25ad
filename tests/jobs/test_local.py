"""Jobs without Redis: the web process starts a local worker process, which renders the
dossiers with a pool of processes (the real ``render_dossier``), reports a failed dossier
without stopping the batch, and writes the zip."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.dossiers.models import DossierRecord
from tracker.extensions import db
from tracker.jobs.models import ItemStatus, Job, JobItem, JobStatus
from tracker.jobs.tasks import archive_store, finish_job

from .conftest import Committed, flask_command, job_state, start, wait_until_finished
from .renderers import REFUSAL

pytestmark = pytest.mark.slow


def _zip(committed: Committed, name: str) -> zipfile.ZipFile:
    with committed.app.app_context():
        data = archive_store().path(name).read_bytes()
    return zipfile.ZipFile(io.BytesIO(data))


def test_a_batch_becomes_a_zip_and_a_failed_dossier_does_not_stop_it(committed: Committed) -> None:
    good = committed.good[:2]
    ids = [good[0], committed.crash, good[1], committed.refused]
    job_id = start(committed, ids, "Jury de test")  # JOB_RUNNER local, JOB_WORKERS 2
    state = wait_until_finished(committed, job_id)

    assert state.status == JobStatus.DONE, committed.log
    assert (state.total, state.processed, state.failed) == (4, 4, 2)
    assert [(i.apprenticeship_id, i.status) for i in state.items] == [
        (good[0], ItemStatus.DONE),
        (committed.crash, ItemStatus.FAILED),
        (good[1], ItemStatus.DONE),
        (committed.refused, ItemStatus.FAILED),
    ]
    crash, refused = state.items[1], state.items[3]
    # An unexpected error: a plain French reason, the traceback in the workers' log only.
    assert crash.message.startswith("Erreur inattendue pendant la préparation de ce dossier")
    assert f"(tâche {job_id})" in crash.message
    assert "simulated" not in crash.message
    assert "Traceback" not in crash.message
    assert "Traceback" in committed.log
    assert f"simulated crash while rendering {committed.crash}" in committed.log
    # A domain error says why in its own words.
    assert refused.message == REFUSAL

    archive = _zip(committed, state.result_name or "")
    names = archive.namelist()
    rendered = [state.items[0].filename, state.items[2].filename]
    assert names == [*rendered, "LISEZMOI.txt"]
    for name in rendered:
        assert name.startswith("dossier-jury-RNCP39303-")
        assert name.endswith(".pdf")
        assert archive.read(name).startswith(b"%PDF-")
    report = archive.read("LISEZMOI.txt").decode("utf-8")
    assert "Archive « Jury-de-test »" in report
    assert "2 dossier(s) sur 4 dans cette archive." in report
    assert f"- {committed.names[committed.crash]} (contrat {committed.crash}) : Erreur" in report
    assert f"- {committed.names[committed.refused]} (contrat {committed.refused}) : {REFUSAL}" in (
        report
    )

    # The dossiers rendered are in the dossiers' cache, recorded for verification.
    with committed.app.app_context():
        cached = set(db.session.scalars(select(DossierRecord.apprenticeship_id)))
        db.session.remove()
    assert {good[0], good[1]} <= cached
    assert committed.crash not in cached


def test_a_single_dossier_goes_to_the_cache_only(committed: Committed) -> None:
    from tracker.dossiers.service import cached_dossier
    from tracker.people.service import get_apprenticeship

    contract = committed.good[2]
    job_id = start(committed, [contract], None)
    state = wait_until_finished(committed, job_id)
    assert state.status == JobStatus.DONE, committed.log
    assert state.result_name is None
    with committed.app.app_context():
        rendered = cached_dossier(db.session, get_apprenticeship(db.session, contract))
        assert rendered is not None
        assert rendered.path.read_bytes().startswith(b"%PDF-")
        assert state.items[0].filename == rendered.filename
        db.session.remove()


def test_a_job_whose_every_dossier_fails_has_failed(committed: Committed) -> None:
    job_id = start(committed, [committed.crash, committed.refused], "rien")
    state = wait_until_finished(committed, job_id)
    assert state.status == JobStatus.FAILED
    assert (state.processed, state.failed) == (2, 2)
    assert state.result_name is None


def test_workers_out_of_reach_fail_the_job_with_a_reason(committed: Committed) -> None:
    job_id = start(
        committed, [committed.good[0]], None, JOB_RUNNER="rq", REDIS_URL="redis://127.0.0.1:9/0"
    )
    state = job_state(committed.app, job_id)
    assert state.status == JobStatus.FAILED
    assert "Le service de préparation des dossiers est injoignable" in state.error
    assert state.processed == 0


def test_the_run_command_resumes_a_job_whose_worker_stopped(committed: Committed) -> None:
    """The first dossier was done when the worker died; the command renders the rest."""
    app = committed.app
    first, second = committed.good[3], committed.good[4]
    job_id = start(committed, [first, second], "reprise", JOB_RUNNER="none")
    kept = committed.folder / "kept.pdf"
    kept.write_bytes(b"%PDF-1.7 rendered before the stop\n")
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        job.status = JobStatus.RUNNING.value
        job.started_at = datetime.now(UTC) - timedelta(minutes=30)
        job.processed_count = 1
        item = job.items[0]
        item.status, item.filename, item.pdf_path = "done", "avant.pdf", str(kept)
        item.finished_at = job.started_at
        db.session.commit()
        db.session.remove()

    result = flask_command(committed, "jobs", "run", str(job_id), "--workers", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Job {job_id} done: 2/2 dossiers, 0 failed" in result.stdout
    state = job_state(app, job_id)
    assert state.status == JobStatus.DONE
    archive = _zip(committed, state.result_name or "")
    assert archive.namelist() == ["avant.pdf", state.items[1].filename]
    assert archive.read("avant.pdf") == kept.read_bytes()

    again = app.test_cli_runner().invoke(args=["jobs", "run", str(job_id)])
    assert again.exit_code != 0
    assert "finished already" in again.output
    assert "No job 999999" in app.test_cli_runner().invoke(args=["jobs", "run", "999999"]).output


def test_items_left_pending_when_the_job_ends_count_as_interrupted(committed: Committed) -> None:
    """On RQ the job's end runs once every dossier's RQ job has run or died: a dossier whose
    worker died is still pending then."""
    job_id = start(committed, [committed.good[5]], "interrompue", JOB_RUNNER="none")
    with committed.app.app_context():
        job = finish_job(job_id)
        assert job is not None
        assert job.status == JobStatus.FAILED
        assert (job.processed_count, job.failed_count) == (1, 1)
        item = db.session.scalars(select(JobItem).where(JobItem.job_id == job_id)).one()
        assert item.status == ItemStatus.FAILED
        assert item.message.startswith("La préparation de ce dossier a été interrompue")
        assert finish_job(job_id) is None  # once only
        db.session.remove()


def test_purge_deletes_old_zips(committed: Committed) -> None:
    app = committed.app
    job_id = start(committed, [committed.good[0]], "vieille", JOB_RUNNER="none")
    with app.app_context():
        name = archive_store().save(b"PK\x05\x06" + b"\0" * 18)
        job = db.session.get(Job, job_id)
        assert job is not None
        job.status = JobStatus.DONE.value
        job.result_name = name
        job.finished_at = datetime.now(UTC) - timedelta(days=8)
        db.session.commit()
        path: Path = archive_store().path(name)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["jobs", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 zip(s) deleted." in result.output
    assert not path.exists()
    assert job_state(app, job_id).result_name is None
    assert "0 zip(s) deleted." in app.test_cli_runner().invoke(args=["jobs", "purge"]).output
