"""The account pages in a real browser: keyboard-free checks of content and 0 axe-core
violations (WCAG 2.1 AA), errors included."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from tests.conftest import PASSWORD
from tracker.auth import service
from tracker.auth.models import Role, TokenPurpose, User
from tracker.extensions import db


def _token(live_app, email: str, purpose: TokenPurpose) -> str:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        raw = service.issue_token(db.session, user, purpose, lifetime=timedelta(hours=1))
        db.session.commit()
        return raw


def _heading(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=1).inner_text()


def test_forgotten_password_pages(page, base_url, check_a11y) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    assert _heading(page) == "Mot de passe oublié"
    check_a11y()
    with page.expect_navigation():
        page.get_by_role("button", name="Recevoir un lien").click()
    assert page.get_by_label("Adresse e-mail").get_attribute("aria-invalid") == "true"
    check_a11y()
    page.get_by_label("Adresse e-mail").fill("inconnu@exemple.fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Recevoir un lien").click()
    assert _heading(page) == "Vérifiez votre messagerie"
    check_a11y()
    page.goto(base_url + "/mot-de-passe/perime")
    assert _heading(page) == "Lien expiré ou déjà utilisé"
    check_a11y()


def test_reset_page_with_errors(page, base_url, live_app, check_a11y) -> None:  # type: ignore[no-untyped-def]
    raw = _token(live_app, "jury@exemple.fr", TokenPurpose.RESET)
    page.goto(f"{base_url}/mot-de-passe/{raw}")
    assert _heading(page) == "Choisir un nouveau mot de passe"
    check_a11y()
    page.get_by_label("Nouveau mot de passe", exact=True).fill("azertyuiop123")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("autre")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").count()
    check_a11y()


def test_invitation_pages(page, base_url, live_app, check_a11y) -> None:  # type: ignore[no-untyped-def]
    raw = _token(live_app, "company_tutor@exemple.fr", TokenPurpose.INVITATION)
    page.goto(f"{base_url}/invitation/{raw}")
    assert _heading(page) == "Activer votre compte"
    check_a11y()
    page.goto(f"{base_url}/invitation/perime")
    assert _heading(page) == "Invitation expirée ou déjà utilisée"
    check_a11y()


def test_account_and_second_factor_pages(page, base_url, live_app, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(Role.ACADEMIC_TUTOR)
    page.goto(base_url + "/compte")
    assert _heading(page) == "Mon compte"
    check_a11y()
    page.get_by_label("Mot de passe actuel").fill("faux")
    page.get_by_label("Nouveau mot de passe", exact=True).fill("une phrase de passe neuve")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("une phrase de passe neuve")
    with page.expect_navigation():
        page.get_by_role("button", name="Changer le mot de passe").click()
    assert page.get_by_label("Mot de passe actuel").get_attribute("aria-invalid") == "true"
    check_a11y()

    page.get_by_role("link", name="Activer la double authentification").click()
    assert _heading(page) == "Configurer la double authentification"
    qr = page.get_by_role("img", name="Code QR à scanner avec votre application d'authentification")
    assert qr.count() == 1
    check_a11y()
    page.get_by_label("Code à 6 chiffres").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Activer").click()
    check_a11y()
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Activer").click()
    assert _heading(page) == "Mon compte"
    check_a11y()

    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail").fill("academic_tutor@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").last.click()
    assert _heading(page) == "Code de connexion"
    check_a11y()
    page.get_by_label("Code à 6 chiffres").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="Valider le code").click()
    check_a11y()

    # Leave the shared account as it was for the other browser tests.
    with live_app.app_context():
        user = db.session.query(User).filter_by(email="academic_tutor@exemple.fr").one()
        service.disable_totp(user)
        db.session.commit()
