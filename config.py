"""Configuration classes.

The class is chosen by ``TRACKER_ENV`` (development, testing, production; development by
default). Any setting can then be overridden by an environment variable prefixed with
``TRACKER_``: ``TRACKER_SECRET_KEY``, ``TRACKER_DATABASE_URL``, ``TRACKER_MAIL_SERVER``...
(values are parsed as JSON when they can be, so ``TRACKER_MAX_UPLOAD_MB=20`` is a number).
"""

from __future__ import annotations

import os
import tempfile
from typing import ClassVar

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production by validate()


class ConfigError(RuntimeError):
    """The configuration cannot run safely; raised at start-up, before serving anything."""


class Config:
    ENV_NAME = "base"
    SECRET_KEY = DEV_SECRET_KEY
    # None means "a SQLite file in the instance folder" (resolved in create_app).
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # A long grid must not lose its submit to token expiry: the token is bound to the
    # session instead of a clock.
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    MAX_UPLOAD_MB = 60  # whole request, RNCP extracts and proofs included
    # Files of work situations: outside the web root; None means <instance folder>/uploads.
    UPLOAD_DIR: str | None = None
    SITUATION_FILE_MAX_MB = 10  # per file
    # The site's public address (https://livret.example.org), for links in e-mails sent
    # outside a request (the daily reminders).
    PUBLIC_URL: str | None = None
    # Largest uncompressed RNCP export accepted by the importer (the national export is ~500 MB).
    MAX_IMPORT_BYTES = 1_500_000_000

    # Login throttling (Flask-Limiter); storage follows TRACKER_REDIS_URL (see create_app)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_LIMITS = "10 per minute;50 per hour"  # per client address
    LOGIN_ACCOUNT_LIMIT = "20 per hour"  # per e-mail address tried, whatever the client
    REDIS_URL: str | None = None

    # Background jobs (tracker/jobs: the jury's dossiers). "auto": on RQ when REDIS_URL is
    # set (workers: flask --app wsgi jobs worker), else in a local worker process started
    # by the web process; "rq" or "local" force one; "none" leaves jobs queued (tests).
    JOB_RUNNER = "auto"
    JOB_QUEUE = "livret"  # the RQ queue's name
    JOB_WORKERS: int | None = None  # processes rendering a local job (None: one per core)
    JOB_LOG_FILE: str | None = None  # local workers' output; None: <instance folder>/jobs.log
    JOB_TIMEOUT_SECONDS = 300  # one dossier on RQ
    JOB_RESULT_DAYS = 7  # zips older than this are deleted by flask --app wsgi jobs purge

    # E-mail (Flask-Mail): TRACKER_MAIL_SERVER, TRACKER_MAIL_PORT, TRACKER_MAIL_USE_TLS,
    # TRACKER_MAIL_USERNAME, TRACKER_MAIL_PASSWORD, TRACKER_MAIL_DEFAULT_SENDER. Without a
    # server (development), messages are printed to the console instead of being sent.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Livret <livret@localhost>"
    # Lifetimes of the links sent by e-mail.
    RESET_TOKEN_HOURS = 1
    INVITATION_TOKEN_DAYS = 14
    # Roles that must use a second factor (TOTP) before reaching any page.
    TOTP_REQUIRED_ROLES: tuple[str, ...] = ()
    RESET_LIMITS = "5 per minute;20 per hour"  # password-reset requests per client address

    HSTS = False
    # Public base of the identifiers minted in CASE exports.
    CASE_BASE_URI = "https://livret.example.org/case"


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-not-secret"  # noqa: S105
    # Tests sign in hundreds of times; tests/auth lowers the limits where they are the subject.
    LOGIN_LIMITS = "10000 per minute"
    LOGIN_ACCOUNT_LIMIT = "10000 per hour"
    RESET_LIMITS = "10000 per minute"
    # Nothing leaves the machine: tests read what would have been sent with
    # tracker.extensions.mail.record_messages().
    MAIL_SUPPRESS_SEND = True
    # Uploaded files never land in the instance folder during tests (tests/situations
    # gives each test a folder of its own).
    UPLOAD_DIR = os.path.join(tempfile.gettempdir(), "livret-test-uploads")
    # Jobs stay queued: the tests of tracker/jobs start the workers they exercise.
    JOB_RUNNER = "none"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = ""
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    TOTP_REQUIRED_ROLES = ("manager",)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    name = (name or os.environ.get("TRACKER_ENV") or "development").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown TRACKER_ENV {name!r}: choose one of {', '.join(CONFIGS)}."
        ) from None


def validate_settings(settings: dict) -> None:
    """Fail fast on a production configuration that would run unsafely."""
    if settings.get("ENV_NAME") != "production":
        return
    secret = settings.get("SECRET_KEY") or ""
    if len(secret) < 32 or secret in {DEV_SECRET_KEY, TestingConfig.SECRET_KEY}:
        raise ConfigError(
            "Production needs TRACKER_SECRET_KEY: a random secret of at least 32 characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if not settings.get("DATABASE_URL"):
        raise ConfigError(
            "Production needs TRACKER_DATABASE_URL, e.g. "
            "postgresql+psycopg://livret:PASSWORD@db.example.org/livret."
        )
    if not settings.get("MAIL_SERVER"):
        raise ConfigError(
            "Production needs TRACKER_MAIL_SERVER (and TRACKER_MAIL_USERNAME, "
            "TRACKER_MAIL_PASSWORD, TRACKER_MAIL_DEFAULT_SENDER): invitations and password "
            "resets are sent by e-mail."
        )
