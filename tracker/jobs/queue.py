"""Jobs on RQ (Redis Queue), when ``REDIS_URL`` is set.

A job becomes one RQ job per dossier, so that every worker listening on the queue, on
any machine, takes its share of a batch, plus a final RQ job that depends on all of them
(failures allowed: a dossier whose worker died does not hold the batch) and writes the
zip. Workers: ``flask --app wsgi jobs worker`` (``work`` below), one per core on each
machine; every machine needs the same settings (database, ``UPLOAD_DIR`` on storage the
web servers share, ``REDIS_URL``, ``JOB_QUEUE``).

The functions RQ calls (``run_item``, ``run_finish``) use the application context they
find (the ``flask ... jobs worker`` command's); under a bare ``rq worker`` they build the
application from the environment, once per process.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import Flask, has_app_context
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Dependency

from tracker.extensions import db

RESULT_TTL = 3600  # seconds RQ keeps a finished job (our database keeps the outcome)
FAILURE_TTL = 7 * 24 * 3600


def connection(app: Flask) -> Redis:
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: jobs run in a local worker process")
    return Redis.from_url(url)


def queue(app: Flask, redis: Redis | None = None) -> Queue:
    return Queue(str(app.config["JOB_QUEUE"]), connection=redis or connection(app))


def _rq_id(queue_name: str) -> str:
    # The queue's name first: keys of one deployment (or one test run) are found by it.
    return f"{queue_name}-{uuid.uuid4().hex}"


def enqueue(app: Flask, job_id: int, item_ids: Sequence[int]) -> None:
    """One RQ job per item, then the job's end once they have all run."""
    target = queue(app)
    timeout = int(app.config["JOB_TIMEOUT_SECONDS"])
    with target.connection.pipeline() as pipeline:
        items = target.enqueue_many(
            [
                Queue.prepare_data(
                    run_item,
                    args=(item_id,),
                    job_id=_rq_id(target.name),
                    timeout=timeout,
                    result_ttl=RESULT_TTL,
                    failure_ttl=FAILURE_TTL,
                    description=f"livret job {job_id}: item {item_id}",
                )
                for item_id in item_ids
            ],
            pipeline=pipeline,
        )
        pipeline.execute()
    target.enqueue(
        run_finish,
        job_id,
        depends_on=Dependency(jobs=items, allow_failure=True),
        job_id=_rq_id(target.name),
        job_timeout=timeout,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        description=f"livret job {job_id}: end",
    )


# --- What the workers run -----------------------------------------------------------------

_process_app: tuple[int, Flask] | None = None


@contextmanager
def worker_context() -> Iterator[None]:
    """An application context for one RQ job; the session is cleared after it."""
    global _process_app
    if has_app_context():
        try:
            yield
        finally:
            db.session.remove()
        return
    if _process_app is None:
        from tracker import create_app

        _process_app = (os.getpid(), create_app())
    pid, app = _process_app
    with app.app_context():
        if pid != os.getpid():  # a forked work horse: never reuse the parent's connections
            db.engine.dispose(close=False)
            _process_app = (os.getpid(), app)
        yield


def run_item(item_id: int) -> None:
    from tracker.jobs.tasks import render_item

    with worker_context():
        render_item(item_id)


def run_finish(job_id: int) -> None:
    from tracker.jobs.tasks import finish_job

    with worker_context():
        finish_job(job_id)


def work(app: Flask, *, burst: bool = False, max_jobs: int | None = None) -> bool:
    """Work on the app's queue in this process (and its application context), until
    stopped, or until the queue is empty with ``burst``. Returns whether any job ran."""
    redis = connection(app)
    worker = SimpleWorker([queue(app, redis)], connection=redis)
    # RQ installs its own SIGINT/SIGTERM handlers (finish the job, then stop): put back
    # the caller's once it returns.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return worker.work(burst=burst, max_jobs=max_jobs, logging_level="INFO")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
