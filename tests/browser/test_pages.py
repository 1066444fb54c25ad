"""Public pages in a real browser: content, keyboard access and 0 axe violations."""

from __future__ import annotations

import pytest

from tracker.auth.models import Role


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Livret de suivi des apprentis ingénieurs"),
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/connexion", "Connexion"),
        ("/page-inexistante", "Page introuvable"),
    ],
)
def test_public_page_is_accessible(page, base_url, check_a11y, path, heading) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + path)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.title().endswith("· Livret")
    check_a11y()


def test_skip_link_is_first_and_moves_focus_to_content(page, base_url) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_language_choice_is_remembered(page, base_url, check_a11y) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/accessibilite")
    page.get_by_role("button", name="English").click()
    assert page.url.endswith("/accessibilite")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement"
    check_a11y()
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_login_errors_are_announced_and_tied_to_fields(page, base_url, check_a11y) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/connexion")
    page.get_by_label("Adresse e-mail").fill("inconnu@exemple.fr")
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").last.click()
    assert (
        page.get_by_role("alert").filter(has_text="Le formulaire contient des erreurs").count() == 1
    )
    password = page.get_by_label("Mot de passe")
    assert password.get_attribute("aria-invalid") == "true"
    described = password.get_attribute("aria-describedby")
    assert "incorrect" in page.locator(f"#{described}").inner_text()
    check_a11y()


def test_sign_in_and_out(page, base_url, sign_in, check_a11y) -> None:  # type: ignore[no-untyped-def]
    sign_in(Role.MANAGER)
    assert page.get_by_text("Bienvenue, Compte Responsable de formation.").is_visible()
    check_a11y()
    page.get_by_role("button", name="Se déconnecter").click()
    assert page.get_by_text("Vous êtes déconnecté·e.").is_visible()
