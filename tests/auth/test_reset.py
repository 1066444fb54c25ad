"""Forgotten password: one answer for every address, single-use expiring links, sessions
revoked once the password changes, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.helpers import ask_reset, link_path
from tests.conftest import PASSWORD
from tracker.auth import service
from tracker.auth.models import AccountToken, Role, TokenPurpose
from tracker.db import utcnow

NEW_PASSWORD = "une phrase de passe toute neuve"


def test_the_login_page_links_to_the_forgotten_password_page(client) -> None:
    html = client.get("/connexion").get_data(as_text=True)
    assert 'href="/mot-de-passe-oublie"' in html
    assert "Mot de passe oublié ?" in html
    page = client.get("/mot-de-passe-oublie")
    assert page.status_code == 200
    assert "<h1>Mot de passe oublié</h1>" in page.get_data(as_text=True)


def test_same_answer_for_known_and_unknown_addresses(client, make_user) -> None:
    user = make_user(Role.APPRENTICE, name="Léa Bernard")
    known, known_html, known_mail = ask_reset(client, user.email.upper())
    unknown, unknown_html, unknown_mail = ask_reset(client, "inconnu@exemple.fr")
    assert known.status_code == unknown.status_code == 200
    assert "Si un compte correspond à cette adresse" in known_html
    assert known_html.replace(user.email.upper(), "X") == unknown_html.replace(
        "inconnu@exemple.fr", "X"
    )
    assert unknown_mail == []
    assert len(known_mail) == 1
    message = known_mail[0]
    assert message.recipients == [user.email]
    assert "Bonjour Léa Bernard," in message.body
    assert "valable 1 heure" in message.body.replace("\xa0", " ")
    assert link_path(message.body).startswith("/mot-de-passe/")


@pytest.mark.parametrize("state", ["inactive", "anonymised"])
def test_no_link_for_an_inactive_or_anonymised_account(client, make_user, db_session, state):  # type: ignore[no-untyped-def]
    user = make_user(Role.APPRENTICE)
    if state == "inactive":
        user.active = False
    else:
        user.anonymised_at = utcnow()
    db_session.flush()
    response, html, outbox = ask_reset(client, user.email)
    assert response.status_code == 200
    assert "Si un compte correspond à cette adresse" in html
    assert outbox == []
    assert db_session.query(AccountToken).filter_by(user_id=user.id).count() == 0


def test_an_invalid_address_is_refused_in_french(client) -> None:
    response, html, outbox = ask_reset(client, "pas une adresse")
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in html
    assert outbox == []


def test_the_link_works_once_and_revokes_every_session(  # type: ignore[no-untyped-def]
    app, client, make_user, login, db_session
) -> None:
    user = make_user(Role.ACADEMIC_TUTOR)
    login(user)
    stolen = client.get_cookie("session").value
    _response, _html, outbox = ask_reset(app.test_client(), user.email)
    path = link_path(outbox[0].body)

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert user.email in page.get_data(as_text=True)
    done = visitor.post(path, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/connexion"
    assert "Votre nouveau mot de passe est enregistré" in visitor.get("/connexion").get_data(
        as_text=True
    )

    # The old cookie, replayed, no longer opens anything.
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    answer = replay.get("/compte")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/connexion")

    # The new password works, the old one does not.
    db_session.expire_all()
    assert service.authenticate(db_session, user.email, PASSWORD) is None
    assert service.authenticate(db_session, user.email, NEW_PASSWORD) is not None

    # A second use of the link is refused with a way forward.
    again = visitor.get(path)
    assert again.status_code == 404
    html = again.get_data(as_text=True)
    assert "Lien expiré ou déjà utilisé" in html
    assert 'href="/mot-de-passe-oublie"' in html
    assert (
        visitor.post(
            path,
            data={"password": "encore une autre phrase", "confirmation": "encore une autre phrase"},
        ).status_code
        == 404
    )


def test_an_expired_link_is_refused(client, make_user, db_session) -> None:
    user = make_user(Role.APPRENTICE)
    raw = service.issue_token(db_session, user, TokenPurpose.RESET, lifetime=timedelta(hours=1))
    token = service.find_token(db_session, raw, TokenPurpose.RESET)
    assert token is not None
    token.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    response = client.get(f"/mot-de-passe/{raw}")
    assert response.status_code == 404
    assert "Demander un nouveau lien" in response.get_data(as_text=True)
    posted = client.post(
        f"/mot-de-passe/{raw}", data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert posted.status_code == 404
    db_session.expire_all()
    assert service.verify_password(user, PASSWORD)


def test_only_the_latest_link_works(client, make_user) -> None:
    user = make_user(Role.APPRENTICE)
    first = link_path(ask_reset(client, user.email)[2][0].body)
    second = link_path(ask_reset(client, user.email)[2][0].body)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_an_unknown_link_is_refused(client) -> None:
    assert client.get("/mot-de-passe/nimporte-quoi").status_code == 404
    assert client.get("/mot-de-passe/" + "x" * 500).status_code == 404


def test_an_invitation_link_is_no_reset_link(client, make_user, db_session) -> None:
    user = make_user(Role.JURY)
    raw = service.invite(db_session, user, invited_by=None, lifetime=timedelta(days=1))
    assert client.get(f"/mot-de-passe/{raw}").status_code == 404


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        (
            NEW_PASSWORD,
            "une autre phrase de passe",
            "Les deux mots de passe saisis sont différents.",
        ),
        ("court", "court", "au moins 12 caractères"),
        ("azertyuiop123", "azertyuiop123", "trop courant"),
        ("", "", "Confirmation du nouveau mot de passe"),
    ],
)
def test_form_errors_change_nothing(  # type: ignore[no-untyped-def]
    client, make_user, db_session, password, confirmation, message
) -> None:
    user = make_user(Role.APPRENTICE)
    path = link_path(ask_reset(client, user.email)[2][0].body)
    response = client.post(path, data={"password": password, "confirmation": confirmation})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert message in html
    db_session.expire_all()
    assert service.verify_password(user, PASSWORD)
    assert client.get(path).status_code == 200  # the link still works


def test_an_invited_person_may_use_the_forgotten_password_page(client, db_session) -> None:
    user = service.create_user(
        db_session, email="invite@exemple.fr", name="Invitée", roles={Role.COMPANY_TUTOR}
    )
    _response, _html, outbox = ask_reset(client, "invite@exemple.fr")
    path = link_path(outbox[0].body)
    client.post(path, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    db_session.expire_all()
    assert service.verify_password(user, NEW_PASSWORD)


def test_reset_requests_are_throttled_per_client_and_per_address(
    app, make_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tracker.extensions import limiter

    user = make_user(Role.APPRENTICE)
    monkeypatch.setitem(app.config, "RESET_LIMITS", "3 per minute")
    limiter.reset()
    try:
        client = app.test_client()
        for _attempt in range(3):
            assert ask_reset(client, user.email)[0].status_code == 200
        throttled, html, outbox = ask_reset(client, "autre@exemple.fr")
        assert throttled.status_code == 429
        assert "Trop de tentatives" in html
        assert outbox == []
        assert client.get("/mot-de-passe-oublie").status_code == 200
        # From another address, the same e-mail has had its share; another one has not.
        other = app.test_client()
        remote = {"environ_base": {"REMOTE_ADDR": "192.0.2.7"}}
        assert ask_reset(other, user.email, **remote)[0].status_code == 429
        assert ask_reset(other, "autre@exemple.fr", **remote)[0].status_code == 200
    finally:
        limiter.reset()


def test_tokens_are_stored_hashed(db_session, make_user) -> None:
    import hashlib

    user = make_user(Role.APPRENTICE)
    manager = make_user(Role.MANAGER)
    raw = service.issue_token(
        db_session, user, TokenPurpose.RESET, lifetime=timedelta(hours=1), created_by=manager
    )
    stored = db_session.query(AccountToken).filter_by(user_id=user.id).one()
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in stored.token_hash
    assert stored.created_by_id == manager.id
    assert stored.expires_at - stored.created_at == timedelta(hours=1)
    assert service.find_token(db_session, raw, TokenPurpose.INVITATION) is None
    found = service.find_token(db_session, raw, TokenPurpose.RESET)
    assert found is stored
    service.use_token(found)
    assert service.find_token(db_session, raw, TokenPurpose.RESET) is None
