"""The jury dossier's pages in Chromium, on the demo data: the status page (before and
after the dossier is rendered) and the public verification page."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tracker.auth.models import User
from tracker.dossiers import service
from tracker.extensions import db
from tracker.people.models import Apprenticeship

APPRENTICE = "apprentie@demo.livret.fr"


def _render_lea(live_app) -> str:  # type: ignore[no-untyped-def]
    """Render Léa Bernard's dossier in the live app (as a worker would); its code."""
    with live_app.app_context():
        apprenticeship = db.session.scalar(
            select(Apprenticeship)
            .join(User, User.id == Apprenticeship.apprentice_id)
            .where(User.email == APPRENTICE)
        )
        code = service.render_dossier(db.session, apprenticeship.id).code
        db.session.commit()
        return code


def test_the_dossier_pages(
    page, sign_in, check_a11y, live_app, base_url, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(live_app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    sign_in(APPRENTICE)
    page.get_by_role("link", name="Mon livret de suivi").click()
    page.get_by_role("link", name="Dossier du jury (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier du jury")
    expect(page.get_by_role("button", name="Préparer le dossier")).to_be_visible()
    check_a11y()

    code = _render_lea(live_app)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Le dossier est prêt"))).to_be_visible()
    expect(page.get_by_text(code).first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le dossier (PDF)").click()
    assert download.value.suggested_filename.endswith(f"{code}.pdf")
    check_a11y()

    page.context.clear_cookies()
    page.goto(f"{base_url}/verify/{code}")
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "Ce dossier correspond aux données du livret"
    )
    check_a11y()
    page.goto(f"{base_url}/verify/ZZZZZ-ZZZZZ")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Code de vérification inconnu")
    check_a11y()
