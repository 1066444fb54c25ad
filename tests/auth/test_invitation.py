"""Invitations: the e-mail, the page that activates the account, and stale links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.helpers import link_path
from tracker.auth import mail, service
from tracker.auth.models import AccountToken, Role, TokenPurpose
from tracker.db import utcnow
from tracker.errors import DomainError
from tracker.extensions import mail as mail_extension
from tracker.people.service import followed_apprentices

PASSWORD = "ma phrase de passe secrète"
LIFETIME = timedelta(days=14)


@pytest.fixture
def invited(db_session):  # type: ignore[no-untyped-def]
    """An account created by a programme manager, not joined yet, and its raw link."""
    manager = service.create_user(
        db_session, email="rf@exemple.fr", name="Claire Martin", roles={Role.MANAGER}
    )
    user = service.create_user(
        db_session,
        email="tuteur@exemple.fr",
        name="Paul Durand",
        roles={Role.COMPANY_TUTOR, Role.ACADEMIC_TUTOR},
    )
    raw = service.invite(db_session, user, invited_by=manager, lifetime=LIFETIME)
    return user, raw


def test_invitation_email(app, invited) -> None:
    user, raw = invited
    with app.test_request_context(), mail_extension.record_messages() as outbox:
        mail.send_invitation(
            user,
            raw,
            inviter_name="Claire Martin",
            apprentices=["Léa Bernard (promotion 2025)", "Hugo Petit (promotion 2025)"],
        )
    (message,) = outbox
    body = message.body.replace("\xa0", " ")
    assert message.recipients == ["tuteur@exemple.fr"]
    assert message.subject == "Livret : votre invitation"
    assert "Bonjour Paul Durand," in body
    assert "Claire Martin vous a ouvert un compte" in body
    assert "Vos rôles : Tuteur académique, Maître d'apprentissage." in body
    assert "Vous êtes invité·e à suivre :\n- Léa Bernard (promotion 2025)\n- Hugo Petit" in body
    assert "valable 2 semaines" in body
    assert link_path(body) == f"/invitation/{raw}"


def test_invitation_email_for_one_apprentice_stays_in_french(app, invited) -> None:
    user, raw = invited
    with app.test_request_context(), mail_extension.record_messages() as outbox:
        from flask import session

        session["language"] = "en"  # the inviter's choice says nothing of the invitee's
        mail.send_invitation(
            user, raw, inviter_name="Claire Martin", apprentices=["Léa Bernard (promotion 2025)"]
        )
    assert "Vous êtes invité·e à suivre Léa Bernard (promotion 2025)." in outbox[0].body


def test_the_page_shows_the_person_their_roles_and_apprentices(
    client, db_session, invited, make_apprenticeship
) -> None:
    user, raw = invited
    apprenticeship = make_apprenticeship(company_tutor=user)
    response = client.get(f"/invitation/{raw}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bienvenue, Paul Durand." in html
    assert "tuteur@exemple.fr" in html
    assert "Tuteur académique, Maître d&#39;apprentissage" in html
    expected = f"{apprenticeship.apprentice.name} (promotion {apprenticeship.cohort.name})"
    assert expected in html
    assert followed_apprentices(db_session, user) == [expected]


def test_accepting_sets_the_password_and_signs_in(client, db_session, invited) -> None:
    user, raw = invited
    response = client.post(
        f"/invitation/{raw}", data={"password": PASSWORD, "confirmation": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Bienvenue sur Livret, Paul Durand : votre compte est activé." in home
    assert client.get("/compte").status_code == 200
    db_session.expire_all()
    assert service.verify_password(user, PASSWORD)
    assert not user.invited
    # The link served once.
    again = client.get(f"/invitation/{raw}")
    assert again.status_code == 404
    assert "demandez une nouvelle invitation à votre responsable de formation" in again.get_data(
        as_text=True
    )


def test_a_used_reset_link_retires_the_invitation(client, db_session, invited) -> None:
    user, raw = invited
    reset = service.issue_token(db_session, user, TokenPurpose.RESET, lifetime=timedelta(hours=1))
    client.post(f"/mot-de-passe/{reset}", data={"password": PASSWORD, "confirmation": PASSWORD})
    assert client.get(f"/invitation/{raw}").status_code == 404


@pytest.mark.parametrize("state", ["expired", "superseded", "inactive", "anonymised", "unknown"])
def test_stale_links_are_refused_with_a_way_forward(client, db_session, invited, state) -> None:  # type: ignore[no-untyped-def]
    user, raw = invited
    if state == "expired":
        token = db_session.query(AccountToken).filter_by(user_id=user.id).one()
        token.expires_at = utcnow() - timedelta(minutes=1)
    elif state == "superseded":
        service.invite(db_session, user, invited_by=None, lifetime=LIFETIME)
    elif state == "inactive":
        user.active = False
    elif state == "anonymised":
        user.anonymised_at = utcnow()
    else:
        raw = "inconnu"
    db_session.flush()
    response = client.get(f"/invitation/{raw}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>Invitation expirée ou déjà utilisée</h1>" in html
    assert "Mot de passe oublié ?" in html
    posted = client.post(
        f"/invitation/{raw}", data={"password": PASSWORD, "confirmation": PASSWORD}
    )
    assert posted.status_code == 404
    db_session.expire_all()
    assert user.password_hash is None


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        (PASSWORD, "autre chose encore", "Les deux mots de passe saisis sont différents."),
        ("trop court", "trop court", "au moins 12 caractères"),
        ("motdepasse2024", "motdepasse2024", "trop courant"),
        ("Paul Durand!!", "Paul Durand!!", "trop courant"),
    ],
)
def test_form_errors_change_nothing(client, db_session, invited, password, confirmation, message):  # type: ignore[no-untyped-def]
    user, raw = invited
    response = client.post(
        f"/invitation/{raw}", data={"password": password, "confirmation": confirmation}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert message in html
    assert client.get("/compte").status_code == 302  # not signed in
    db_session.expire_all()
    assert user.password_hash is None
    assert client.get(f"/invitation/{raw}").status_code == 200


def test_an_inactive_account_cannot_be_invited(db_session, make_user) -> None:
    user = make_user(Role.JURY)
    user.active = False
    with pytest.raises(DomainError, match="désactivé"):
        service.invite(db_session, user, invited_by=None, lifetime=LIFETIME)


def test_a_manager_goes_from_the_invitation_to_the_second_factor(
    app, client, db_session, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", ("manager",))
    user = service.create_user(
        db_session, email="rf2@exemple.fr", name="Nouvelle Responsable", roles={Role.MANAGER}
    )
    raw = service.invite(db_session, user, invited_by=None, lifetime=LIFETIME)
    response = client.post(
        f"/invitation/{raw}", data={"password": PASSWORD, "confirmation": PASSWORD}
    )
    assert response.headers["Location"] == "/compte/double-authentification"
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    assert "votre compte est activé" in page
    assert "Votre rôle demande une double authentification" in page


def test_link_pages_are_not_cached(client, invited) -> None:
    _user, raw = invited
    assert client.get(f"/invitation/{raw}").headers["Cache-Control"] == "no-store"
    assert client.get("/mot-de-passe-oublie").headers["Cache-Control"] == "no-store"
