"""Jobs on RQ, against the real Redis (``TRACKER_TEST_REDIS_URL``, 127.0.0.1:6379 by
default): one RQ job per dossier and a final one for the zip, run by the documented worker
command. Each test uses a queue of its own and removes only its own keys.

Without a reachable Redis these tests skip, except under CI (``CI`` set), where a missing
Redis is a failure: CI must run both modes."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import Iterator

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import DeferredJobRegistry

from tracker.jobs import queue as rq_jobs
from tracker.jobs.models import ItemStatus, JobStatus
from tracker.jobs.tasks import archive_store

from .conftest import Committed, flask_command, job_state, start

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisError as error:
        client.close()
        reason = f"Redis unreachable at {REDIS_URL} ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must test the jobs on RQ")
        pytest.skip(reason)
    yield client
    client.close()


@pytest.fixture
def on_rq(committed: Committed, redis: Redis, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app sends its jobs to RQ, on a queue of this test's own; its keys go afterwards."""
    name = f"livret-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(committed.app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(committed.app.config, "JOB_QUEUE", name)
    monkeypatch.setitem(committed.app.config, "JOB_RUNNER", "auto")
    try:
        yield name
    finally:
        keys = list(redis.scan_iter(match=f"*{name}*", count=500))
        # The workers' registrations name the queue in a field, not in their key.
        keys += [
            key
            for key in redis.scan_iter(match="rq:worker:*", count=500)
            if redis.type(key) == b"hash" and redis.hget(key, "queues") == name.encode()
        ]
        if keys:
            redis.delete(*keys)
        redis.srem("rq:queues", f"rq:queue:{name}")


def test_rq_workers_render_a_batch_into_a_zip(
    committed: Committed, redis: Redis, on_rq: str
) -> None:
    contracts = committed.good[:2]
    job_id = start(committed, [contracts[0], committed.refused, contracts[1]], "Jury RQ")

    # One RQ job per dossier is waiting; the zip's job waits for them all.
    waiting = Queue(on_rq, connection=redis)
    assert waiting.count == 3
    assert DeferredJobRegistry(on_rq, connection=redis).count == 1
    assert job_state(committed.app, job_id).status == JobStatus.QUEUED

    # The documented worker command, in a process of its own, until the queue is empty.
    result = flask_command(
        committed, "jobs", "worker", "--burst", REDIS_URL=REDIS_URL, JOB_QUEUE=on_rq
    )
    assert result.returncode == 0, result.stdout + result.stderr

    state = job_state(committed.app, job_id)
    assert state.status == JobStatus.DONE, result.stderr
    assert (state.processed, state.failed) == (3, 1)
    assert [item.status for item in state.items] == [
        ItemStatus.DONE,
        ItemStatus.FAILED,
        ItemStatus.DONE,
    ]
    with committed.app.app_context():
        archive = zipfile.ZipFile(
            io.BytesIO(archive_store().path(state.result_name or "").read_bytes())
        )
    assert archive.namelist() == [state.items[0].filename, state.items[2].filename, "LISEZMOI.txt"]
    assert archive.read(state.items[0].filename).startswith(b"%PDF-")
    assert committed.names[committed.refused] in archive.read("LISEZMOI.txt").decode()
    assert waiting.count == 0


def test_a_dossier_whose_rq_job_died_is_reported_and_the_zip_still_made(  # type: ignore[no-untyped-def]
    committed: Committed, redis: Redis, on_rq: str, monkeypatch
) -> None:
    """A worker killed in the middle of a dossier: RQ marks that RQ job failed, the zip's
    job runs all the same (failures allowed) and reports the dossier as interrupted."""
    monkeypatch.setitem(
        committed.app.config, "JOB_DOSSIER_RENDERER", "tests.jobs.renderers:render_fake"
    )
    first, second = committed.good[2], committed.good[3]
    job_id = start(committed, [first, second], "Jury RQ interrompu")
    dying = job_state(committed.app, job_id).items[0]
    assert dying.apprenticeship_id == first

    real = rq_jobs.run_item

    def run_item(item_id: int) -> None:
        with committed.app.app_context():
            from tracker.extensions import db
            from tracker.jobs.models import JobItem

            apprenticeship_id = db.session.get(JobItem, item_id).apprenticeship_id  # type: ignore[union-attr]
            db.session.remove()
        if apprenticeship_id == first:
            raise SystemError("the work horse died")
        real(item_id)

    monkeypatch.setattr(rq_jobs, "run_item", run_item)
    # In this process (the replacement above is what RQ calls): the command's own code.
    result = committed.app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output

    state = job_state(committed.app, job_id)
    assert state.status == JobStatus.DONE
    assert (state.processed, state.failed) == (2, 1)
    assert state.items[0].status == ItemStatus.FAILED
    assert state.items[0].message.startswith("La préparation de ce dossier a été interrompue")
    assert state.items[1].status == ItemStatus.DONE
    with committed.app.app_context():
        archive = zipfile.ZipFile(
            io.BytesIO(archive_store().path(state.result_name or "").read_bytes())
        )
    assert archive.namelist() == [f"dossier-{second}.pdf", "LISEZMOI.txt"]


def test_the_worker_command_needs_redis(committed: Committed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(committed.app.config, "REDIS_URL", None)
    result = committed.app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "TRACKER_REDIS_URL is not set" in result.output
