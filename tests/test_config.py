"""Configuration: environments, TRACKER_* overrides, production refusing unsafe settings."""

from __future__ import annotations

import pytest

from config import ConfigError
from tracker import create_app

STRONG_SECRET = "x" * 48


def test_environment_variables_override_settings(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.setenv("TRACKER_MAX_UPLOAD_MB", "7")
    app = create_app({"ENV_NAME": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")
    assert app.config["MAX_CONTENT_LENGTH"] == 7 * 1024 * 1024


def test_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app({"ENV_NAME": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (f"sqlite:///{app.instance_path}/livret.sqlite")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DATABASE_URL": "postgresql+psycopg://db/livret"}, "TRACKER_SECRET_KEY"),
        (
            {"DATABASE_URL": "postgresql+psycopg://db/livret", "SECRET_KEY": "short"},
            "TRACKER_SECRET_KEY",
        ),
        (
            {"DATABASE_URL": "postgresql+psycopg://db/livret", "SECRET_KEY": "dev-only-not-secret"},
            "TRACKER_SECRET_KEY",
        ),
        ({"SECRET_KEY": STRONG_SECRET}, "TRACKER_DATABASE_URL"),
        (
            {"DATABASE_URL": "postgresql+psycopg://db/livret", "SECRET_KEY": STRONG_SECRET},
            "TRACKER_MAIL_SERVER",
        ),
    ],
)
def test_production_refuses_unsafe_settings(monkeypatch, settings, message) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match=message):
        create_app({"ENV_NAME": "production", **settings})


def test_production_starts_with_secret_and_database(monkeypatch) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": STRONG_SECRET,
            "DATABASE_URL": "postgresql+psycopg://livret@db.example.org/livret",
            "MAIL_SERVER": "smtp.example.org",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["HSTS"] is True
    assert app.config["TOTP_REQUIRED_ROLES"] == ("manager",)


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="TRACKER_ENV"):
        create_app({"ENV_NAME": "staging"})
