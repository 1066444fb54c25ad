"""The account page: identity, password change, personal data; the password policy."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from tracker.auth import service
from tracker.auth.models import Role

NEW_PASSWORD = "une toute nouvelle phrase de passe"


def change(client, current: str, new: str, confirmation: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/compte/mot-de-passe",
        data={
            "changement-current_password": current,
            "changement-password": new,
            "changement-confirmation": new if confirmation is None else confirmation,
        },
    )


def test_the_account_page_needs_a_signed_in_user(client) -> None:
    for path in ("/compte", "/compte/donnees", "/compte/double-authentification"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion")


def test_the_account_page_shows_the_person(client, make_user, login) -> None:
    login(make_user(Role.COMPANY_TUTOR, Role.JURY, name="Nadia Roussel", email="nr@exemple.fr"))
    response = client.get("/compte")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Mon compte · Livret</title>" in html
    assert html.count("<h1>") == 1
    assert "Nadia Roussel" in html
    assert "nr@exemple.fr" in html
    assert "Maître d&#39;apprentissage, Membre du jury" in html
    assert 'action="/compte/mot-de-passe"' in html
    assert 'href="/compte/double-authentification"' in html
    assert 'href="/compte/donnees"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(
    app, client, make_user, login, db_session
) -> None:
    user = make_user(Role.APPRENTICE)
    login(user)
    elsewhere = app.test_client()
    elsewhere.set_cookie("session", client.get_cookie("session").value)
    assert elsewhere.get("/compte").status_code == 200

    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte"
    page = client.get("/compte")
    assert page.status_code == 200
    assert "Votre mot de passe a été changé." in page.get_data(as_text=True)

    replayed = elsewhere.get("/compte")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/connexion")
    db_session.expire_all()
    assert service.verify_password(user, NEW_PASSWORD)
    assert not service.verify_password(user, PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "confirmation", "message"),
    [
        ("mauvais mot de passe", NEW_PASSWORD, None, "Le mot de passe actuel est incorrect."),
        (PASSWORD, NEW_PASSWORD, "autre chose", "Les deux mots de passe saisis sont différents."),
        (PASSWORD, "court", None, "au moins 12 caractères"),
        (PASSWORD, "iloveyou2024", None, "trop courant"),
        ("", NEW_PASSWORD, None, "Mot de passe actuel"),
    ],
)
def test_password_change_errors_change_nothing(  # type: ignore[no-untyped-def]
    client, make_user, login, db_session, current, new, confirmation, message
) -> None:
    user = make_user(Role.APPRENTICE)
    login(user)
    token = user.session_token
    response = change(client, current, new, confirmation)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert message in html
    assert 'aria-invalid="true"' in html
    db_session.expire_all()
    assert service.verify_password(user, PASSWORD)
    assert user.session_token == token


def test_personal_data_download(client, make_user, login) -> None:
    user = make_user(Role.APPRENTICE, name="Léa Bernard")
    login(user)
    response = client.get("/compte/donnees")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="livret-mes-donnees.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert isinstance(data, dict)
    assert "Léa Bernard" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password",
    [
        "azertyuiop123",
        "Soleil2024!!",
        "123456789012",
        "aaaaaaaaaaaa",
        "soleilsoleil",
        "P@ssw0rd2024",
        "Livret2026!!",
        "qwertyuiop12",
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert service.is_common_password(password)


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "trois petits chats gris", "xy2847561938", "Grenoble-Lyon en TER 7h12"],
)
def test_uncommon_passwords_are_accepted(password: str) -> None:
    assert not service.is_common_password(password)


def test_a_password_made_of_ones_own_name_is_refused(make_user) -> None:
    from tracker.errors import DomainError

    user = make_user(Role.JURY, name="Marc Lefèvre", email="marc.lefevre@exemple.fr")
    for password in ("Marc Lefèvre 2024", "marc.lefevre@exemple.fr", "marc.lefevre!!"):
        with pytest.raises(DomainError, match="trop courant"):
            service.set_password(user, password)
    assert service.verify_password(user, PASSWORD)
