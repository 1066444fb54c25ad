"""A batch of dossiers followed in Chromium: the progress page moves by itself (the script
polls the status) until the zip is offered; without JavaScript it refreshes itself. The
live app's jobs run in a real local worker process, on the demonstration data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tracker.auth.models import User
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.jobs import local
from tracker.jobs.service import start_dossier_job
from tracker.people.models import Apprenticeship

MANAGER = "responsable@demo.livret.fr"
FINISHED = 180_000  # ms: a few dossiers rendered by a process started for them


@pytest.fixture
def jobs_app(live_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[no-untyped-def]
    """The live app with its jobs sent to a local worker process (tests leave them queued)."""
    monkeypatch.setitem(live_app.config, "JOB_RUNNER", "local")
    monkeypatch.setitem(live_app.config, "JOB_WORKERS", 2)
    monkeypatch.setitem(live_app.config, "JOB_LOG_FILE", str(tmp_path / "jobs.log"))
    yield live_app
    local.wait_for_children()


def _start(app, count: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        manager_id = db.session.scalar(select(User.id).where(User.email == MANAGER))
        ids = list(db.session.scalars(select(Apprenticeship.id).order_by(Apprenticeship.id)))
        job = start_dossier_job(
            db.session,
            apprenticeship_ids=ids[:count],
            archive_name="Jury de démonstration",
            requested_by_id=manager_id,
        )
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def test_the_progress_bar_moves_until_the_zip_is_offered(  # type: ignore[no-untyped-def]
    page, sign_in, check_a11y, base_url, jobs_app
) -> None:
    sign_in(MANAGER)
    job_id = _start(jobs_app, 3)
    page.goto(f"{base_url}/taches/{job_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Préparation des dossiers")
    bar = page.get_by_role("progressbar", name="Avancement de la préparation")
    expect(bar).to_have_attribute("max", "3")
    check_a11y()

    expect(page.locator("#job-status")).to_contain_text("Préparation terminée", timeout=FINISHED)
    expect(page.locator("#job-progress-text")).to_have_text("3 / 3 dossiers")
    expect(bar).to_have_js_property("value", 3)
    link = page.get_by_role("link", name=re.compile("Télécharger l'archive"))
    expect(link).to_be_visible()
    check_a11y()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Jury-de-démonstration.zip"


def test_without_javascript_the_page_refreshes_itself(  # type: ignore[no-untyped-def]
    browser, browser_context_args, base_url, jobs_app, monkeypatch
) -> None:
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/connexion")
        page.get_by_label("Adresse e-mail").fill(MANAGER)
        page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").last.click()
        page.wait_for_load_state()
        # Queued with no worker yet: the page says so, then the worker starts.
        monkeypatch.setitem(jobs_app.config, "JOB_RUNNER", "none")
        job_id = _start(jobs_app, 2)
        page.goto(f"{base_url}/taches/{job_id}")
        expect(page.locator("#job-status")).to_have_text("En attente d'un processus de rendu…")
        local.spawn(jobs_app, job_id)
        expect(page.locator("#job-status")).to_contain_text(
            "Préparation terminée", timeout=FINISHED
        )
        expect(page.get_by_role("link", name=re.compile("Télécharger l'archive"))).to_be_visible()
    finally:
        context.close()
