"""Application-wide behaviour: pages, language, headers, error pages, deny by default."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tracker.permissions import is_public


def test_home_is_french_by_default(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "<title>Accueil · Livret</title>" in html
    assert 'href="#contenu"' in html
    assert 'id="contenu"' in html


def test_language_choice_is_remembered_in_the_session(client: FlaskClient) -> None:
    response = client.post("/langue", data={"language": "en", "next": "/accessibilite"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibilite"
    html = client.get("/accessibilite").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Accessibility statement" in html
    client.post("/langue", data={"language": "fr"})
    assert "<h1>Déclaration d'accessibilité</h1>" in client.get("/accessibilite").get_data(
        as_text=True
    )


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.post("/langue", data={"language": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.post("/langue", data={"language": "de"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/", "/page-inexistante", "/static/css/screen.css"):
        with client.get(path) as response:
            headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # development/testing only


def test_authenticated_pages_are_not_cached(client: FlaskClient, make_user, login) -> None:
    from tracker.auth.models import Role

    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(make_user(Role.APPRENTICE))
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_not_found_page_is_french_and_in_the_layout(client: FlaskClient) -> None:
    response = client.get("/nulle-part")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<title>Page introuvable · Livret</title>" in html
    assert 'id="contenu"' in html


def test_csrf_failure_gets_a_clear_message(app: Flask, db_session) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/langue", data={"language": "en"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_every_route_is_login_protected_unless_marked_public(app: Flask) -> None:
    """Deny by default: the only public endpoints are the ones meant to be."""
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and is_public(app.view_functions[rule.endpoint])
    }
    # Besides home and accessibility, only the sign-in pages: password, second-factor code,
    # forgotten password and the links sent by e-mail; and the check of a printed jury
    # dossier's verification code.
    assert public == {
        "core.home",
        "core.accessibility",
        "core.set_language",
        "dossiers.verify",
        "auth.login",
        "auth.login_code",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.invitation",
    }


def test_protected_route_redirects_anonymous_visitors_to_login(client: FlaskClient) -> None:
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")
