"""Workers need committed rows: the rollback-per-test ``db_session`` is invisible to another
process. These fixtures give each backend a throwaway database of its own, built by the
migrations and seeded once per module with contracts that have just ended (signed
semesters, situations, conditions: what a jury's dossier holds), and an app whose jobs
go to a real local worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, update

from tests.conftest import ThrowawayDatabase, make_app
from tracker.auth.models import User
from tracker.extensions import db
from tracker.jobs import local
from tracker.jobs.bench import seed_cohort
from tracker.jobs.local import ROOT, worker_environment
from tracker.jobs.models import FINISHED, Job
from tracker.people.models import Apprenticeship

from .renderers import CRASH, REFUSED

RENDERER = "tests.jobs.renderers:render_unless_marked"
GOOD = 6  # contracts whose dossier renders: each test renders its own, not from the cache


@dataclass
class Committed:
    app: Flask
    folder: Path
    manager_id: int
    good: list[int]  # contracts whose dossier renders
    crash: int  # a contract whose rendering raises an unexpected error
    refused: int  # a contract whose rendering raises a DomainError
    names: dict[int, str] = field(default_factory=dict)  # contract → apprentice's name

    @property
    def log(self) -> str:
        path = self.folder / "jobs.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def committed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Committed]:
    folder = tmp_path_factory.mktemp(f"jobs-{backend}")
    database = ThrowawayDatabase(backend, folder)
    app = make_app(
        database.url,
        UPLOAD_DIR=str(folder / "uploads"),
        JOB_LOG_FILE=str(folder / "jobs.log"),
        JOB_RUNNER="local",
        JOB_WORKERS=2,
        JOB_DOSSIER_RENDERER=RENDERER,
    )
    try:
        with app.app_context():
            upgrade()
            ids, manager_id = seed_cohort(db.session, GOOD + 2, date.today())
            crash, refused = ids[GOOD], ids[GOOD + 1]
            for contract, prefix in ((crash, CRASH), (refused, REFUSED)):
                apprentice_id = db.session.scalar(
                    select(Apprenticeship.apprentice_id).where(Apprenticeship.id == contract)
                )
                db.session.execute(
                    update(User).where(User.id == apprentice_id).values(name=f"{prefix} Martin")
                )
            names = dict(
                db.session.execute(
                    select(Apprenticeship.id, User.name).join(
                        User, User.id == Apprenticeship.apprentice_id
                    )
                ).all()
            )
            db.session.commit()
            db.session.remove()
        yield Committed(app, folder, manager_id, ids[:GOOD], crash, refused, names)
    finally:
        local.wait_for_children()
        with app.app_context():
            db.engine.dispose()
        database.drop()


@dataclass(frozen=True)
class ItemState:
    apprenticeship_id: int
    status: str
    message: str
    filename: str


@dataclass(frozen=True)
class JobState:
    """A job as read back from the database by a fresh session."""

    id: int
    status: str
    total: int
    processed: int
    failed: int
    result_name: str | None
    error: str
    items: list[ItemState]


def job_state(app: Flask, job_id: int) -> JobState:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        state = JobState(
            job.id,
            job.status,
            job.total,
            job.processed_count,
            job.failed_count,
            job.result_name,
            job.error,
            [
                ItemState(item.apprenticeship_id, item.status, item.message, item.filename)
                for item in job.items
            ],
        )
        db.session.remove()
    return state


def wait_until_finished(committed: Committed, job_id: int, timeout: float = 180.0) -> JobState:
    deadline = time.monotonic() + timeout
    while True:
        state = job_state(committed.app, job_id)
        if state.status in FINISHED:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still {state.status} after {timeout} s:\n{committed.log}")
        time.sleep(0.25)


def start(committed: Committed, ids: list[int], archive_name: str | None, **config: Any) -> int:
    """Start a job as a view would (service, then commit: the dispatch follows)."""
    from tracker.jobs.service import start_dossier_job

    app = committed.app
    saved = {key: app.config.get(key) for key in config}
    app.config.update(config)
    try:
        with app.app_context():
            job = start_dossier_job(
                db.session,
                apprenticeship_ids=ids,
                archive_name=archive_name,
                requested_by_id=committed.manager_id,
            )
            db.session.commit()
            job_id = job.id
            db.session.remove()
    finally:
        app.config.update(saved)
    return job_id


def flask_command(
    committed: Committed, *args: str, timeout: float = 300, **config: Any
) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi <args>`` in a process of its own, configured like ``committed``'s
    app (what an operator's shell would have in its environment), plus ``config``."""
    environment = {**os.environ, **worker_environment(committed.app)}
    environment.update({f"TRACKER_{key}": str(value) for key, value in config.items()})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
