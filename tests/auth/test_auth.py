"""Sign-in and sign-out: argon2id, one answer for every failure, revocable sessions."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tracker.auth import service
from tracker.auth.models import Role
from tracker.errors import DomainError


def test_passwords_are_hashed_with_argon2id(make_user) -> None:
    user = make_user(Role.MANAGER)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_short_passwords_are_refused(db_session) -> None:
    with pytest.raises(DomainError, match="au moins 12 caractères"):
        service.create_user(
            db_session, email="a@exemple.fr", name="A", roles={Role.JURY}, password="court"
        )


def test_duplicate_email_is_refused_whatever_its_case(db_session, make_user) -> None:
    make_user(Role.JURY, email="jury@exemple.fr")
    with pytest.raises(DomainError, match="existe déjà"):
        service.create_user(db_session, email=" JURY@exemple.fr ", name="B", roles={Role.JURY})


def test_login_works_with_the_right_password(client: FlaskClient, make_user) -> None:
    user = make_user(Role.ACADEMIC_TUTOR, name="Marc Lefèvre")
    response = client.post(
        "/connexion",
        data={"email": user.email.upper(), "password": PASSWORD},
        follow_redirects=True,
    )
    assert "Bienvenue, Marc Lefèvre." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [("inconnu@exemple.fr", PASSWORD), ("KNOWN", "mauvais mot de passe")],
)
def test_same_answer_for_unknown_email_and_wrong_password(
    client: FlaskClient, make_user, email: str, password: str
) -> None:
    user = make_user(Role.APPRENTICE)
    response = client.post(
        "/connexion",
        data={"email": user.email if email == "KNOWN" else email, "password": password},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert "Bienvenue" not in html


def test_inactive_account_cannot_sign_in(client: FlaskClient, make_user, db_session) -> None:
    user = make_user(Role.APPRENTICE)
    user.active = False
    db_session.flush()
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_a_cookie_replayed_after_logout_is_refused(client: FlaskClient, make_user, login) -> None:
    login(make_user(Role.MANAGER))
    stolen = client.get_cookie("session").value
    client.post("/deconnexion")
    client.set_cookie("session", stolen)
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


def test_login_only_redirects_to_this_site(client: FlaskClient, make_user) -> None:
    user = make_user(Role.MANAGER)
    response = client.post(
        "/connexion?next=https://evil.example/",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_login_is_throttled_per_client_and_per_account(app, make_user) -> None:
    from tracker.extensions import limiter

    user = make_user(Role.APPRENTICE)
    limits = {key: app.config[key] for key in ("LOGIN_LIMITS", "LOGIN_ACCOUNT_LIMIT")}
    app.config.update(LOGIN_LIMITS="3 per minute", LOGIN_ACCOUNT_LIMIT="5 per hour")
    limiter.reset()
    try:
        client = app.test_client()
        for _attempt in range(3):
            answer = client.post("/connexion", data={"email": user.email, "password": "faux"})
            assert answer.status_code == 200
        throttled = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
        assert throttled.status_code == 429
        assert "Trop de tentatives" in throttled.get_data(as_text=True)
        assert client.get("/connexion").status_code == 200  # reading the form is not limited
        # From another address, guesses at the same account stop at the account's limit.
        other = app.test_client()
        statuses = [
            other.post(
                "/connexion",
                data={"email": user.email, "password": "faux"},
                environ_base={"REMOTE_ADDR": "192.0.2.7"},
            ).status_code
            for _attempt in range(3)
        ]
        # The third post is within that address's own limit: the account's limit refuses it.
        assert statuses[0] == 200
        assert statuses[-1] == 429
    finally:
        limiter.reset()
        app.config.update(limits)
