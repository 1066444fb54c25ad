"""Jobs without Redis: a local worker process started by the web process.

``spawn`` starts ``python -m tracker.jobs.local <job id>`` in a session of its own (a web
worker restarting or timing out does not take it down), with the web application's
settings and its output appended to ``JOB_LOG_FILE`` (``<instance folder>/jobs.log``).
That process (``run_job``) renders the job's dossiers with a pool of ``JOB_WORKERS``
processes (one per core by default), then writes the zip. ``flask --app wsgi jobs run
<id>`` does the same in the foreground, and resumes a job whose process was stopped: only
its pending dossiers are rendered.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from flask import Flask

from tracker.extensions import db

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

# Processes started by this (web) process: kept to be reaped, never left as zombies.
_children: list[subprocess.Popen[bytes]] = []


# --- The settings a worker process starts with ----------------------------------------------


def worker_settings(app: Flask) -> dict[str, Any]:
    """The application's settings, as a mapping ``create_app`` accepts: a worker process
    is configured exactly like the web process that started the job (the database it was
    given, the upload folder, test settings), whatever its own environment says."""
    settings: dict[str, Any] = {}
    for key, value in app.config.items():
        if not key.isupper() or key in {"SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI"}:
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue  # timedeltas and the like: the defaults are the same in the worker
        settings[key] = value
    settings["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    from tracker.situations.storage import upload_root

    with app.app_context():
        settings["UPLOAD_DIR"] = str(upload_root())
    return settings


def worker_environment(app: Flask) -> dict[str, str]:
    """``worker_settings`` as ``TRACKER_*`` variables (JSON values, as config.py reads them)."""
    environment = {
        f"TRACKER_{key}": json.dumps(value) for key, value in worker_settings(app).items()
    }
    environment["TRACKER_ENV"] = str(app.config.get("ENV_NAME", "development"))
    return environment


def log_file(app: Flask) -> Path:
    configured = app.config.get("JOB_LOG_FILE")
    return Path(configured) if configured else Path(app.instance_path) / "jobs.log"


# --- Starting a worker process from the web process -----------------------------------------


def spawn(app: Flask, job_id: int) -> subprocess.Popen[bytes]:
    """Start the local worker process of a committed job and return at once."""
    reap()
    path = log_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **worker_environment(app)}
    with path.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, an int
            [sys.executable, "-m", "tracker.jobs.local", str(int(job_id))],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _children.append(process)
    log.info("job %s: local worker process %s started", job_id, process.pid)
    return process


def reap() -> None:
    """Forget the worker processes that have ended (``poll`` collects their exit status)."""
    _children[:] = [process for process in _children if process.poll() is None]


def wait_for_children(timeout: float = 60.0) -> None:
    """Wait for the worker processes this process started (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    for process in list(_children):
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    reap()


# --- Running a job: a pool of processes, then the zip ---------------------------------------


def peak_rss_bytes() -> int:
    """This process's peak resident memory (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds() -> float:
    """The CPU time this process has used so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class RunStats:
    """What ``run_job`` did: for the log and the benchmark."""

    job_id: int
    started: bool
    dossiers: int = 0
    workers: int = 0
    seconds: float = 0.0
    peak_rss: dict[int, int] = field(default_factory=dict)  # worker pid → bytes
    cpu: dict[int, float] = field(default_factory=dict)  # worker pid → CPU seconds


_pool_app: Flask | None = None


def configure_logging() -> None:
    """Worker processes log to their standard error (the jobs' log file): our INFO lines,
    WeasyPrint's warnings (not its progress, one line per page)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _pool_initializer(settings: dict[str, Any]) -> None:
    global _pool_app
    from tracker import create_app

    configure_logging()
    _pool_app = create_app(settings)


def _pool_render(item_id: int) -> tuple[int, int, float]:
    from tracker.jobs.tasks import render_item

    assert _pool_app is not None
    with _pool_app.app_context():
        render_item(item_id)
    return os.getpid(), peak_rss_bytes(), cpu_seconds()


def default_workers(app: Flask) -> int:
    configured = app.config.get("JOB_WORKERS")
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_job(
    app: Flask, job_id: int, *, workers: int | None = None, resume: bool = False
) -> RunStats:
    """Render the job's pending dossiers with ``workers`` processes (one per core by
    default; a single dossier is rendered in this process), then finish the job. Returns
    without doing anything when the job is not queued (or running, with ``resume``)."""
    from tracker.jobs.tasks import finish_job, pending_items, render_item, start_job

    started = time.perf_counter()
    with app.app_context():
        if not start_job(job_id, resume=resume):
            log.warning("job %s: not queued, nothing to do", job_id)
            return RunStats(job_id, started=False)
        items = pending_items(job_id)
        settings = worker_settings(app)
    count = min(workers or default_workers(app), max(1, len(items)))
    stats = RunStats(job_id, started=True, dossiers=len(items), workers=count)
    log.info("job %s: %s dossier(s) with %s process(es)", job_id, len(items), count)
    if count == 1:
        with app.app_context():
            for item_id in items:
                try:
                    render_item(item_id)
                except Exception:  # the database is out of reach...: the item stays pending
                    log.exception("job %s: item %s could not be processed", job_id, item_id)
                finally:
                    db.session.remove()
        stats.peak_rss[os.getpid()] = peak_rss_bytes()
        stats.cpu[os.getpid()] = cpu_seconds()
    else:
        try:
            with ProcessPoolExecutor(
                max_workers=count,
                mp_context=get_context("spawn"),
                initializer=_pool_initializer,
                initargs=(settings,),
            ) as pool:
                futures = [pool.submit(_pool_render, item_id) for item_id in items]
                for future in as_completed(futures):
                    try:
                        pid, rss, cpu = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception:  # as above: that item stays pending
                        log.exception("job %s: an item could not be processed", job_id)
                        continue
                    stats.peak_rss[pid] = max(rss, stats.peak_rss.get(pid, 0))
                    stats.cpu[pid] = max(cpu, stats.cpu.get(pid, 0.0))
        except BrokenProcessPool:
            # A rendering process died (killed, out of memory): its dossiers are still
            # pending, and finishing the job counts them as interrupted.
            log.exception("job %s: a rendering process died", job_id)
    with app.app_context():
        finish_job(job_id)
        db.session.remove()
    stats.seconds = time.perf_counter() - started
    log.info("job %s: finished in %.1f s", job_id, stats.seconds)
    return stats


def main(argv: list[str]) -> int:
    """``python -m tracker.jobs.local <job id>``: the process ``spawn`` starts."""
    configure_logging()
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m tracker.jobs.local <job id>", file=sys.stderr)
        return 2
    from tracker import create_app

    run_job(create_app(), int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
