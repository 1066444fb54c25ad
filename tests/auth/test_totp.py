"""Second factor: codes at sign-in (no replay, expiring pending state), enrolment,
deactivation, and the roles that must use it."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from tests.conftest import PASSWORD
from tracker.auth import service
from tracker.auth.models import Role
from tracker.auth.views import PENDING_LOGIN, TOTP_ENROLMENT
from tracker.db import utcnow
from tracker.errors import DomainError

WRONG_CODE_MESSAGE = "Code incorrect ou déjà utilisé"


@pytest.fixture
def enrolled(make_user, db_session):  # type: ignore[no-untyped-def]
    def factory(*roles: Role):  # type: ignore[no-untyped-def]
        user = make_user(*(roles or (Role.ACADEMIC_TUTOR,)))
        user.totp_secret = service.new_totp_secret()
        db_session.flush()
        return user

    return factory


def code_of(user, offset: int = 0) -> str:  # type: ignore[no-untyped-def]
    return pyotp.TOTP(user.totp_secret).at(utcnow(), counter_offset=offset)


def sign_in(client, user, path: str = "/connexion"):  # type: ignore[no-untyped-def]
    return client.post(path, data={"email": user.email, "password": PASSWORD})


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_a_password_alone_does_not_sign_in(client, enrolled) -> None:
    user = enrolled()
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion/code"
    assert client.get("/compte").headers["Location"].startswith("/connexion")
    page = client.get("/connexion/code")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'inputmode="numeric"' in html
    assert 'autocomplete="one-time-code"' in html


def test_the_right_code_signs_in_and_honours_next(client, enrolled, db_session) -> None:
    user = enrolled()
    response = sign_in(client, user, "/connexion?next=/compte")
    assert response.headers["Location"] == "/connexion/code?next=/compte"
    done = client.post("/connexion/code?next=/compte", data={"code": code_of(user)})
    assert done.status_code == 302
    assert done.headers["Location"] == "/compte"
    assert client.get("/compte").status_code == 200
    db_session.expire_all()
    assert user.totp_last_step is not None
    with client.session_transaction() as session:
        assert PENDING_LOGIN not in session


def test_next_only_leads_to_this_site(client, enrolled) -> None:
    user = enrolled()
    sign_in(client, user, "/connexion?next=https://evil.example/")
    done = client.post("/connexion/code?next=https://evil.example/", data={"code": code_of(user)})
    assert done.headers["Location"] == "/"


def test_a_code_cannot_be_replayed(app, client, enrolled) -> None:
    user = enrolled()
    code = code_of(user)
    sign_in(client, user)
    assert client.post("/connexion/code", data={"code": code}).status_code == 302
    other = app.test_client()
    sign_in(other, user)
    replay = other.post("/connexion/code", data={"code": code})
    assert replay.status_code == 200
    assert WRONG_CODE_MESSAGE in replay.get_data(as_text=True)
    assert other.get("/compte").status_code == 302


@pytest.mark.parametrize("code", ["WRONG", "12345", "abcdef", ""])
def test_a_wrong_code_is_refused_clearly_and_changes_nothing(client, enrolled, db_session, code):  # type: ignore[no-untyped-def]
    user = enrolled()
    sign_in(client, user)
    sent = wrong(code_of(user)) if code == "WRONG" else code
    response = client.post("/connexion/code", data={"code": sent})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le formulaire contient des erreurs" in html
    assert 'aria-invalid="true"' in html
    assert client.get("/compte").status_code == 302
    db_session.expire_all()
    assert user.totp_last_step is None
    # The right code still works afterwards.
    assert client.post("/connexion/code", data={"code": code_of(user)}).status_code == 302


def test_codes_with_a_space_are_accepted(client, enrolled) -> None:
    user = enrolled()
    sign_in(client, user)
    code = code_of(user)
    assert (
        client.post("/connexion/code", data={"code": f"{code[:3]} {code[3:]}"}).status_code == 302
    )
    assert client.get("/compte").status_code == 200


def test_the_pending_sign_in_expires_after_five_minutes(client, enrolled) -> None:
    user = enrolled()
    sign_in(client, user, "/connexion?next=/compte")
    with client.session_transaction() as session:
        session[PENDING_LOGIN] = {
            **session[PENDING_LOGIN],
            "at": session[PENDING_LOGIN]["at"] - 301,
        }
    response = client.post("/connexion/code?next=/compte", data={"code": code_of(user)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion?next=/compte"
    assert "Le délai de saisie du code est dépassé" in client.get("/connexion").get_data(
        as_text=True
    )
    assert client.get("/compte").status_code == 302


def test_the_code_page_needs_a_password_first(client) -> None:
    response = client.get("/connexion/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion"


def test_revoking_sessions_cancels_a_pending_sign_in(client, enrolled, db_session) -> None:
    user = enrolled()
    sign_in(client, user)
    service.revoke_sessions(user)
    db_session.flush()
    response = client.post("/connexion/code", data={"code": code_of(user)})
    assert response.headers["Location"] == "/connexion"


def test_codes_are_throttled_per_pending_account(app, enrolled, monkeypatch) -> None:
    from tracker.extensions import limiter

    user = enrolled()
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "3 per hour")
    limiter.reset()
    try:
        client = app.test_client()
        sign_in(client, user)
        bad = wrong(code_of(user))
        for _attempt in range(3):
            assert client.post("/connexion/code", data={"code": bad}).status_code == 200
        throttled = client.post("/connexion/code", data={"code": code_of(user)})
        assert throttled.status_code == 429
    finally:
        limiter.reset()


# --- The service --------------------------------------------------------------------------


def test_verify_totp_accepts_one_step_either_side_and_never_goes_back(make_user) -> None:
    user = make_user(Role.JURY)
    user.totp_secret = service.new_totp_secret()
    totp = pyotp.TOTP(user.totp_secret)
    now = utcnow()
    assert not service.verify_totp(user, totp.at(now, counter_offset=-2), at=now)
    assert service.verify_totp(user, totp.at(now, counter_offset=-1), at=now)
    assert service.verify_totp(user, totp.at(now), at=now)
    assert not service.verify_totp(user, totp.at(now), at=now)  # replay
    assert not service.verify_totp(user, totp.at(now, counter_offset=-1), at=now)  # older
    assert service.verify_totp(user, totp.at(now, counter_offset=1), at=now)
    assert not service.verify_totp(user, totp.at(now, counter_offset=2), at=now)
    assert not service.verify_totp(make_user(Role.JURY), "123456")  # no secret


def test_totp_uri_names_livret_as_issuer(make_user) -> None:
    user = make_user(Role.MANAGER)
    uri = service.totp_uri(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/Livret:")
    assert "issuer=Livret" in uri
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri


# --- Enrolment ----------------------------------------------------------------------------


def enrolment_secret(client) -> str:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        return session[TOTP_ENROLMENT]


def test_enrolment_shows_a_qr_code_and_the_key(client, make_user, login) -> None:
    login(make_user(Role.APPRENTICE))
    page = client.get("/compte/double-authentification")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = enrolment_secret(client)
    assert '<svg role="img" aria-label="Code QR à scanner' in html
    assert "style=" not in html
    assert "<script" not in html
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    # Reloading keeps the same secret (the QR code already scanned stays valid).
    client.get("/compte/double-authentification")
    assert enrolment_secret(client) == secret


def test_enrolment_needs_a_right_code(app, client, make_user, login, db_session) -> None:
    user = make_user(Role.APPRENTICE)
    login(user)
    stolen = client.get_cookie("session").value
    client.get("/compte/double-authentification")
    secret = enrolment_secret(client)
    code = pyotp.TOTP(secret).now()
    refused = client.post("/compte/double-authentification", data={"code": wrong(code)})
    assert refused.status_code == 200
    assert "Ce code ne correspond pas" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert user.totp_secret is None
    done = client.post("/compte/double-authentification", data={"code": code})
    assert done.headers["Location"] == "/compte"
    html = client.get("/compte").get_data(as_text=True)
    assert "La double authentification est activée" in html
    db_session.expire_all()
    assert user.totp_secret == secret
    # Other sessions were signed out; the next sign-in asks for a code.
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/compte").headers["Location"].startswith("/connexion")
    assert sign_in(app.test_client(), user).headers["Location"] == "/connexion/code"


def test_changing_device_asks_for_the_password(client, enrolled, db_session) -> None:
    user = enrolled(Role.MANAGER)
    old_secret = user.totp_secret
    sign_in(client, user)
    client.post("/connexion/code", data={"code": code_of(user)})
    client.get("/compte/double-authentification")
    new_code = pyotp.TOTP(enrolment_secret(client)).now()
    for password, message in [("", "il est demandé pour changer d"), ("faux", "incorrect")]:
        response = client.post(
            "/compte/double-authentification", data={"code": new_code, "password": password}
        )
        assert message in response.get_data(as_text=True)
        db_session.expire_all()
        assert user.totp_secret == old_secret
    done = client.post(
        "/compte/double-authentification", data={"code": new_code, "password": PASSWORD}
    )
    assert done.status_code == 302
    db_session.expire_all()
    assert user.totp_secret != old_secret


# --- Deactivation and required roles ------------------------------------------------------


def signed_in_with_code(client, user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, user)
    assert client.post("/connexion/code", data={"code": code_of(user)}).status_code == 302


def test_disabling_needs_the_password(client, enrolled, db_session) -> None:
    user = enrolled(Role.APPRENTICE)
    signed_in_with_code(client, user)
    refused = client.post(
        "/compte/double-authentification/desactiver", data={"desactivation-password": "faux"}
    )
    assert refused.status_code == 200
    assert "Le mot de passe actuel est incorrect." in refused.get_data(as_text=True)
    db_session.expire_all()
    assert user.totp_secret is not None
    done = client.post(
        "/compte/double-authentification/desactiver", data={"desactivation-password": PASSWORD}
    )
    assert done.headers["Location"] == "/compte"
    assert "La double authentification est désactivée." in client.get("/compte").get_data(
        as_text=True
    )
    db_session.expire_all()
    assert user.totp_secret is None
    assert user.totp_last_step is None


def test_disabling_is_refused_for_a_required_role(
    app, client, enrolled, db_session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", ("manager",))
    user = enrolled(Role.MANAGER)
    signed_in_with_code(client, user)
    account = client.get("/compte").get_data(as_text=True)
    assert "obligatoire pour votre rôle" in account
    assert "/compte/double-authentification/desactiver" not in account
    response = client.post(
        "/compte/double-authentification/desactiver", data={"desactivation-password": PASSWORD}
    )
    assert response.headers["Location"] == "/compte"
    assert "ne peut pas être désactivée" in client.get("/compte").get_data(as_text=True)
    db_session.expire_all()
    assert user.totp_secret is not None
    with pytest.raises(DomainError, match="obligatoire"):
        service.disable_totp(user, required_roles=("manager",))


def test_a_required_role_must_enrol_before_anything_else(
    app, client, make_user, login, db_session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", ("manager",))
    user = make_user(Role.MANAGER)
    login(user)
    for path in ("/referentiels/", "/compte", "/compte/donnees"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/compte/double-authentification"
    page = client.get("/compte/double-authentification")
    assert page.status_code == 200
    assert "Votre rôle demande une double authentification" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert client.get("/accessibilite").status_code == 200
    code = pyotp.TOTP(enrolment_secret(client)).now()
    assert client.post("/compte/double-authentification", data={"code": code}).status_code == 302
    assert client.get("/referentiels/").status_code == 200
    assert client.post("/deconnexion").status_code == 302


def test_other_roles_are_not_held_to_it(app, client, make_user, login, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", ("manager",))
    login(make_user(Role.JURY))
    assert client.get("/referentiels/").status_code == 200


def test_a_required_role_may_still_sign_out_before_enrolling(
    app, client, make_user, login, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_ROLES", ("manager",))
    login(make_user(Role.MANAGER))
    response = client.post("/deconnexion")
    assert response.headers["Location"] == "/"
    assert client.get("/compte").headers["Location"].startswith("/connexion")


def test_enable_totp_refuses_a_wrong_code(make_user) -> None:
    user = make_user(Role.JURY)
    secret = service.new_totp_secret()
    at = utcnow() + timedelta(days=365)
    with pytest.raises(DomainError, match="ne correspond pas"):
        service.enable_totp(user, secret, wrong(pyotp.TOTP(secret).at(at)), at=at)
    assert user.totp_secret is None


def test_a_code_taken_by_a_concurrent_request_is_refused(make_user, db_session) -> None:
    from sqlalchemy import update

    from tracker.auth.models import User

    user = make_user(Role.JURY)
    user.totp_secret = service.new_totp_secret()
    db_session.flush()
    now = utcnow()
    step = int(now.timestamp()) // 30
    # Another request stored this step meanwhile; this one still holds the old row.
    db_session.execute(
        update(User)
        .where(User.id == user.id)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    assert user.totp_last_step is None
    assert not service.verify_totp(user, pyotp.TOTP(user.totp_secret).at(now), at=now)
