"""The PDF benchmark of QUALITY.md: ``flask --app wsgi bench-dossiers [--batch 150]
[--workers N] [--samples 7] [--database-url URL]``.

It seeds a throwaway database (a SQLite file in a temporary folder, or a new schema of the
PostgreSQL database given; never the application's own) with one cohort whose contracts
have just ended: 33 competences × 6 signed semesters × 3 raters (``tracker.bench.seed``),
two to four work situations and the conditions of award (the demonstration's own
seeding). Then it prints:

- one typical dossier, in a fresh process: the first render (cold: fonts, templates),
  then the median of ``--samples`` renders of other contracts through our pipeline
  (``render_dossier``: data, HTML, PDF/A with its attachment, cache and database) next to
  bare WeasyPrint on the same HTML and CSS (``weasyprint.HTML(string=...).write_pdf()``,
  default options, fonts by ``file://``), each pair back to back, the median of their
  ratios, CPU times (which other work on the machine does not inflate) and the process's
  peak memory;
- a batch of ``--batch`` dossiers through the local worker's process pool (``--workers``,
  one per core by default), zip included: total time, dossiers per second and the peak
  memory of each worker process.

Targets (QUALITY.md, on a 2-core machine) are printed next to the figures: one dossier
≤ 1.5 s, 150 dossiers ≤ 120 s (scaled to the batch size), ≤ 300 MB per worker, pipeline
≤ 1.2 × bare WeasyPrint.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tracker.bench import database_url_option
from tracker.extensions import db

ONE_DOSSIER_SECONDS = 1.5
BATCH_SECONDS_PER_150 = 120.0
WORKER_MEGABYTES = 300
PIPELINE_RATIO = 1.2
MB = 1024 * 1024


@dataclass
class SingleFigures:
    """One typical dossier, measured in a process of its own."""

    apprenticeship_id: int
    pages: int
    pdf_bytes: int
    cold: float  # the process's first dossier
    pipeline: list[float] = field(default_factory=list)  # render_dossier, other contracts
    pipeline_cpu: list[float] = field(default_factory=list)  # the same, CPU time
    data: list[float] = field(default_factory=list)  # of which: dossier_data
    html: list[float] = field(default_factory=list)  # of which: the HTML
    bare: list[float] = field(default_factory=list)  # weasyprint alone, same HTML and CSS
    bare_cpu: list[float] = field(default_factory=list)
    peak_rss: int = 0

    @property
    def ratio(self) -> float:
        """The median of the ratios of each contract's two renders (taken back to back)."""
        return statistics.median(
            ours / theirs for ours, theirs in zip(self.pipeline, self.bare, strict=True)
        )


@dataclass
class BatchFigures:
    dossiers: int
    workers: int
    seconds: float
    failed: int
    zip_bytes: int
    peak_rss: dict[int, int]
    cpu: dict[int, float]  # CPU seconds of each worker process, start-up included

    @property
    def rate(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


# --- Seeding --------------------------------------------------------------------------------


def seed_cohort(session: Any, count: int, today: date) -> tuple[list[int], int]:
    """A cohort of ``count`` contracts just over, with situations and conditions; returns
    the contracts' ids and the programme manager's. Flushes, never commits."""
    from tracker import bench
    from tracker.conditions.demo import seed_demo_conditions
    from tracker.people.models import Apprenticeship
    from tracker.situations.demo import seed_demo_situations

    world = bench.seed(session, count, today=today, finished=True)
    contracts = list(
        session.scalars(
            select(Apprenticeship)
            .where(Apprenticeship.cohort_id == world.cohort_id)
            .order_by(Apprenticeship.id)
        )
    )
    seed_demo_situations(session, contracts, today)
    seed_demo_conditions(session, contracts, today)
    session.flush()
    return [contract.id for contract in contracts], world.users["manager"]


# --- One dossier, in a process of its own -----------------------------------------------------


def standalone_html(html: str) -> str:
    """The dossier's HTML with its print CSS inlined and our ``livret-static:`` URLs as
    ``file://`` ones: what bare WeasyPrint, with its default options, lays out the same."""
    from tracker.dossiers.render import SCHEME, STATIC_ROOT

    loader = current_app.jinja_env.loader
    assert loader is not None
    css = []
    for name in ("pdf/base.css", "pdf/dossier.css"):
        css.append(loader.get_source(current_app.jinja_env, name)[0])
    style = "<style>\n" + "\n".join(css) + "\n</style>\n"
    page = html.replace("</head>", style + "</head>", 1)
    return page.replace(f"{SCHEME}:", STATIC_ROOT.as_uri() + "/")


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = clock.perf_counter()
    result = action()
    return clock.perf_counter() - started, result


def _timed_cpu(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``action`` (CPU time does not grow when other work
    competes for the cores)."""
    cpu = clock.process_time()
    seconds, result = _timed(action)
    return seconds, clock.process_time() - cpu, result


def measure_one(settings: dict[str, Any], ids: Sequence[int]) -> SingleFigures:
    """Runs in a fresh process: render ``ids[0]`` (cold), then each other contract through
    the pipeline and its HTML through bare WeasyPrint."""
    import weasyprint

    from tracker import create_app
    from tracker.db import utcnow
    from tracker.dossiers.context import dossier_context, dossier_metadata
    from tracker.dossiers.models import DossierRecord
    from tracker.dossiers.render import render_html
    from tracker.dossiers.service import (
        TEMPLATE,
        dossier_data,
        fingerprint,
        format_code,
        verification_code,
        verification_url,
    )
    from tracker.jobs.local import peak_rss_bytes
    from tracker.people.service import get_apprenticeship

    app = create_app(settings)
    with app.app_context():
        session = db.session  # the scoped session: a new one after each remove()

        def render(apprenticeship_id: int) -> Any:
            from tracker.dossiers.service import render_dossier

            rendered = render_dossier(session, apprenticeship_id)
            session.commit()
            return rendered

        cold, first = _timed(lambda: render(ids[0]))
        row = session.scalar(
            select(DossierRecord).where(DossierRecord.fingerprint == first.fingerprint)
        )
        figures = SingleFigures(ids[0], row.page_count, row.size, cold)  # type: ignore[union-attr]
        for index, apprenticeship_id in enumerate(ids[1:]):
            apprenticeship = get_apprenticeship(session, apprenticeship_id)
            seconds, data = _timed(lambda a=apprenticeship: dossier_data(session, a))
            figures.data.append(seconds)
            found = fingerprint(data)
            code = verification_code(found)
            now = utcnow()
            context = dossier_context(
                data,
                fingerprint=found,
                code=format_code(code),
                url=verification_url(code),
                rendered_at=now,
            )
            seconds, html = _timed(
                lambda c=context, d=data, n=now: render_html(
                    TEMPLATE, c, metadata=dossier_metadata(d, n)
                )
            )
            figures.html.append(seconds)
            bare = standalone_html(html)
            session.remove()  # the pipeline reads everything again, as a worker does

            def ours(a: int = apprenticeship_id) -> None:
                seconds, cpu, _rendered = _timed_cpu(lambda: render(a))
                figures.pipeline.append(seconds)
                figures.pipeline_cpu.append(cpu)

            def theirs(b: str = bare) -> None:
                seconds, cpu, _pdf = _timed_cpu(lambda: weasyprint.HTML(string=b).write_pdf())
                figures.bare.append(seconds)
                figures.bare_cpu.append(cpu)

            # Back to back, in turns: a slower moment of the machine weighs on both.
            for step in (ours, theirs) if index % 2 == 0 else (theirs, ours):
                step()
        figures.peak_rss = peak_rss_bytes()
        db.engine.dispose()
    return figures


# --- The batch --------------------------------------------------------------------------------


def measure_batch(
    app: Flask, ids: Sequence[int], manager_id: int, workers: int | None
) -> BatchFigures:
    """A zip of ``ids`` through the local worker (``run_job``), as a jury session asks."""
    from tracker.jobs.local import run_job
    from tracker.jobs.models import Job
    from tracker.jobs.service import start_dossier_job
    from tracker.jobs.tasks import archive_store

    with app.app_context():
        job_id = start_dossier_job(
            db.session,
            apprenticeship_ids=ids,
            archive_name="banc-d-essai-dossiers",
            requested_by_id=manager_id,
        ).id
        db.session.commit()
        db.session.remove()
    stats = run_job(app, job_id, workers=workers)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        size = archive_store().path(job.result_name).stat().st_size if job.result_name else 0
        figures = BatchFigures(
            len(ids),
            stats.workers,
            stats.seconds,
            job.failed_count,
            size,
            stats.peak_rss,
            stats.cpu,
        )
        db.session.remove()
    return figures


# --- Printing ---------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "OK" if ok else "over"


def _line(label: str, value: str, target: str = "", verdict: str = "") -> str:
    return f"  {label:<40} {value:>12}   {target:<18} {verdict}".rstrip()


def single_report(figures: SingleFigures) -> list[str]:
    pipeline = statistics.median(figures.pipeline)
    bare = statistics.median(figures.bare)
    samples = len(figures.pipeline)
    rss = figures.peak_rss / MB
    return [
        f"One typical dossier (contract {figures.apprenticeship_id}: {figures.pages} pages, "
        f"{figures.pdf_bytes / 1024:.0f} KB), in a fresh process:",
        _line("first dossier (cold: fonts, templates)", f"{figures.cold:.2f} s"),
        _line(
            f"our pipeline, median of {samples}",
            f"{pipeline:.2f} s",
            f"≤ {ONE_DOSSIER_SECONDS} s",
            _verdict(pipeline <= ONE_DOSSIER_SECONDS),
        ),
        _line("  CPU time", f"{statistics.median(figures.pipeline_cpu):.2f} s"),
        _line("  of which the data", f"{statistics.median(figures.data):.2f} s"),
        _line("  of which the HTML", f"{statistics.median(figures.html):.2f} s"),
        _line(f"bare WeasyPrint, same HTML, median of {samples}", f"{bare:.2f} s"),
        _line("  CPU time", f"{statistics.median(figures.bare_cpu):.2f} s"),
        _line(
            "ratio pipeline / bare",
            f"{figures.ratio:.2f}",
            f"≤ {PIPELINE_RATIO}",
            _verdict(figures.ratio <= PIPELINE_RATIO),
        ),
        _line(
            "peak memory of the process",
            f"{rss:.0f} MB",
            f"≤ {WORKER_MEGABYTES} MB",
            _verdict(rss <= WORKER_MEGABYTES),
        ),
    ]


def batch_report(figures: BatchFigures) -> list[str]:
    target = BATCH_SECONDS_PER_150 * figures.dossiers / 150
    scaled = "" if figures.dossiers == 150 else f" (120 s × {figures.dossiers}/150)"
    peaks = [rss / MB for _pid, rss in sorted(figures.peak_rss.items())]
    return [
        f"Batch of {figures.dossiers} dossiers, {figures.workers} worker process(es) "
        "(the local worker's pool), zip included:",
        _line(
            "total",
            f"{figures.seconds:.1f} s",
            f"≤ {target:.0f} s{scaled}",
            _verdict(figures.seconds <= target),
        ),
        _line("throughput", f"{figures.rate:.2f} /s"),
        _line(
            "CPU time of the workers",
            f"{sum(figures.cpu.values()):.0f} s",
            f"{sum(figures.cpu.values()) / figures.dossiers:.2f} s per dossier",
        ),
        _line(
            "peak memory per worker",
            ", ".join(f"{p:.0f}" for p in peaks) + " MB",
            f"≤ {WORKER_MEGABYTES} MB",
            _verdict(all(p <= WORKER_MEGABYTES for p in peaks)),
        ),
        _line("failed dossiers", str(figures.failed), "0", _verdict(figures.failed == 0)),
        _line("zip", f"{figures.zip_bytes / MB:.1f} MB"),
    ]


def _machine() -> str:
    """The cores and the load: figures taken while other work runs on the machine are slower."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"Machine: {os.cpu_count()} core(s), load average {load:.2f} over the last minute"


# --- The command ------------------------------------------------------------------------------


def run(
    batch: int,
    *,
    workers: int | None = None,
    samples: int = 7,
    database_url: str | None = None,
    echo: Callable[[str], None] = click.echo,
    today: date | None = None,
) -> tuple[SingleFigures, BatchFigures]:
    """Create the throwaway database, migrate, seed, measure, drop; print as it goes."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from flask_migrate import upgrade

    from tracker import bench
    from tracker.jobs.local import default_workers, worker_settings

    today = today or date.today()
    with (
        bench.throwaway_database(database_url) as url,
        tempfile.TemporaryDirectory(prefix="livret-bench-dossiers-") as folder,
    ):
        app = bench.bench_app(url, folder)
        app.config["JOB_RUNNER"] = "none"  # the benchmark runs the job itself
        app.config["JOB_LOG_FILE"] = str(Path(folder) / "jobs.log")
        echo(f"Database: {make_url(url).render_as_string(hide_password=True)}")
        echo(_machine())
        try:
            with app.app_context():
                upgrade()
                started = clock.perf_counter()
                ids, manager_id = seed_cohort(db.session, batch + samples + 1, today)
                db.session.commit()
                db.session.remove()
                echo(
                    f"Seeded in {clock.perf_counter() - started:.1f} s: {len(ids)} contracts "
                    "just over (33 competences × 6 signed semesters × 3 raters, work "
                    "situations, conditions of award)"
                )
            settings = worker_settings(app)
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                single = pool.submit(measure_one, settings, ids[: samples + 1]).result()
            for line in single_report(single):
                echo(line)
            count = workers or default_workers(app)
            echo(f"Rendering {batch} dossiers with {count} process(es)...")
            figures = measure_batch(app, ids[samples + 1 :], manager_id, count)
            for line in batch_report(figures):
                echo(line)
            echo(_machine())
            return single, figures
        finally:
            with app.app_context():
                db.engine.dispose()


@click.command("bench-dossiers")
@click.option(
    "--batch",
    default=150,
    show_default=True,
    type=click.IntRange(min=1),
    help="Dossiers in the batch.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Processes rendering the batch (default: one per core).",
)
@click.option(
    "--samples",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help="Dossiers measured one by one after the first.",
)
@database_url_option
def bench_dossiers_command(
    batch: int, workers: int | None, samples: int, database_url: str | None
) -> None:
    """Seed a throwaway cohort and print the time and memory of one dossier and of a batch."""
    run(batch, workers=workers, samples=samples, database_url=database_url)
