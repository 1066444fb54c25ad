"""Account commands of ``flask --app wsgi users ...``."""

from __future__ import annotations

import pyotp

from tracker.audit.service import events_for
from tracker.auth.models import Role


def test_users_create_makes_a_first_manager(app, db_session) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Chef@Exemple.fr",
            "--name",
            "Claire Dubois",
            "--role",
            "manager",
            "--password",
            "un mot de passe assez long",
        ],
    )
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "chef@exemple.fr",
            "--name",
            "X",
            "--role",
            "jury",
            "--password",
            "un mot de passe assez long",
        ],
    )
    assert again.exit_code == 1
    assert "existe déjà" in again.output


def test_reset_totp_removes_the_second_factor_and_signs_out(app, db_session, make_user) -> None:
    user = make_user(Role.MANAGER)
    user.totp_secret = pyotp.random_base32()
    token = user.session_token
    result = app.test_cli_runner().invoke(args=["users", "reset-totp", "--email", user.email])
    assert result.exit_code == 0, result.output
    assert user.totp_secret is None
    assert user.session_token != token
    assert events_for(db_session, "user", user.id)[-1].action == "person.totp_reset"
    unknown = app.test_cli_runner().invoke(args=["users", "reset-totp", "--email", "x@y.fr"])
    assert unknown.exit_code == 1
