"""``flask --app wsgi jobs ...``: RQ workers, running a job by hand, purging old zips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs (the jury's dossiers).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty.")
@click.option(
    "--max-jobs", type=click.IntRange(min=1), default=None, help="Quit after this many RQ jobs."
)
def worker_command(burst: bool, max_jobs: int | None) -> None:
    """Render dossiers from the RQ queue (TRACKER_REDIS_URL, TRACKER_JOB_QUEUE).

    Start one per core, on as many machines as needed, each with the application's
    settings (database, upload folder on shared storage, Redis)."""
    from tracker.jobs.queue import work

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "TRACKER_REDIS_URL is not set: without Redis, each job runs in a local worker "
            "process started by the web application, and no worker is needed."
        )
    work(current_app, burst=burst, max_jobs=max_jobs)


@jobs_cli.command("run")
@click.argument("job_id", type=int)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Processes (default: cores)."
)
def run_command(job_id: int, workers: int | None) -> None:
    """Run a job here and now, or resume one whose worker was stopped (only its pending
    dossiers are rendered)."""
    from tracker.jobs.local import run_job
    from tracker.jobs.models import Job

    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"No job {job_id}.")
    db.session.remove()
    stats = run_job(current_app._get_current_object(), job_id, workers=workers, resume=True)  # type: ignore[attr-defined]
    if not stats.started:
        raise click.ClickException(f"Job {job_id} is finished already.")
    job = db.session.get(Job, job_id)
    assert job is not None
    click.echo(
        f"Job {job_id} {job.status}: {job.processed_count - job.failed_count}/{job.total} "
        f"dossiers, {job.failed_count} failed, {stats.seconds:.1f} s."
    )


@jobs_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Age of the zips deleted (default: TRACKER_JOB_RESULT_DAYS, 7).",
)
def purge_command(days: int | None) -> None:
    """Delete the zips of jobs finished more than --days ago (they hold personal data;
    the dossiers stay in their cache). For a daily cron."""
    from tracker.jobs.models import Job
    from tracker.jobs.tasks import archive_store

    age = days if days is not None else int(current_app.config["JOB_RESULT_DAYS"])
    limit = datetime.now(UTC) - timedelta(days=age)
    jobs = list(
        db.session.scalars(select(Job).where(Job.result_name.is_not(None), Job.finished_at < limit))
    )
    names = [job.result_name for job in jobs if job.result_name]
    for job in jobs:
        job.result_name = None
    db.session.commit()
    store = archive_store()
    for name in names:
        store.delete(name)
    click.echo(f"{len(names)} zip(s) deleted.")
