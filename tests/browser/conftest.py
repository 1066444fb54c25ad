"""Real-browser fixtures: Debian's Chromium driven by Playwright, the app on 127.0.0.1.

The app under test runs in a thread with its own throwaway SQLite database (built by the
migrations). Where Chromium or axe-core is missing, browser tests skip with the reason,
except under CI (``CI`` set), where a missing browser is a failure: CI must run them.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tracker import create_app
from tracker.auth.models import Role
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
AXE_DIR = ROOT / "node_modules" / "axe-core"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, object]:
    return {"locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    database = tmp_path_factory.mktemp("live") / "live.sqlite"
    application = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{database}"})
    with application.app_context():
        upgrade()
        seed_live_database()
    return application


def seed_live_database() -> None:
    """The Quickstart's demonstration data (seed referentials, cohorts, apprentices and
    tutors), plus one account per role with no apprenticeship (``<role>@exemple.fr``)."""
    from tracker.auth.service import create_user
    from tracker.demo import load_demo

    load_demo()
    for role in Role:
        create_user(
            db.session,
            email=f"{role.value}@exemple.fr",
            name=f"Compte {role.label}",
            roles={role},
            password=PASSWORD,
        )
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def axe_script() -> str:
    script = AXE_DIR / "axe.min.js"
    if not script.exists():
        missing(f"axe-core not found at {script} (npm install axe-core)")
    return str(script)


@pytest.fixture
def check_a11y(page, axe_script: str):  # type: ignore[no-untyped-def]
    """``check_a11y()`` runs axe-core (WCAG 2.1 A/AA) on the current page; 0 violations."""
    from tests.browser.axe import assert_no_violations

    def run() -> None:
        assert_no_violations(page, axe_script)

    return run


@pytest.fixture
def sign_in(page, base_url: str):  # type: ignore[no-untyped-def]
    """Sign in through the login form: ``sign_in(Role.X)`` as the live database's account
    for that role, or ``sign_in("apprentie@demo.livret.fr")`` as a demo account."""

    def do(who: Role | str) -> None:
        if isinstance(who, Role):
            email, password = f"{who.value}@exemple.fr", PASSWORD
        else:
            email, password = who, DEMO_PASSWORD
        page.context.clear_cookies()
        page.goto(f"{base_url}/connexion")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe", exact=True).fill(password)
        page.get_by_role("button", name="Se connecter").last.click()
        page.wait_for_load_state()

    return do


@pytest.fixture
def outbox(live_server: str) -> Iterator[list]:
    """The e-mails the live app sends during the test (nothing leaves the machine)."""
    from tracker.extensions import mail

    with mail.record_messages() as messages:
        yield messages
