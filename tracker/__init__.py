"""Livret: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from config import config_class, validate_settings
from tracker.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    env_name = (test_config or {}).get("ENV_NAME")
    app.config.from_object(config_class(env_name)())
    app.config.from_prefixed_env("TRACKER")
    if test_config:
        app.config.from_mapping(test_config)
    _configure_database(app)
    if app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    validate_settings(app.config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024

    _init_extensions(app)
    _register_blueprints(app)

    from tracker import cli, errors, navigation, security

    errors.register(app)
    navigation.register(app)
    security.register(app)
    cli.register(app)
    return app


def _configure_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'livret.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def _select_locale() -> str:
    """The language the user chose (remembered in their session), French otherwise.

    Outside a request (CLI, workers) this is the default language, French.
    """
    chosen = session.get("language") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    import tracker.models  # noqa: F401 - registers every table on the metadata

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from tracker.auth.service import load_user_by_session_token
    from tracker.i18n import _l

    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")

    @login_manager.user_loader
    def load_user(token: str):  # type: ignore[no-untyped-def]
        return load_user_by_session_token(db.session, token)

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"current_language": str(get_locale()), "languages": app.config["LANGUAGES"]}

    @app.before_request
    def deny_by_default():  # type: ignore[no-untyped-def]
        from tracker.permissions import is_public

        view = app.view_functions.get(request.endpoint or "")
        if view is None or request.endpoint == "static" or is_public(view):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def _register_blueprints(app: Flask) -> None:
    from tracker.audit.views import bp as audit_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.campaigns.views import bp as campaigns_bp
    from tracker.conditions.views import bp as conditions_bp
    from tracker.core.views import bp as core_bp
    from tracker.dossiers.views import bp as dossiers_bp
    from tracker.evaluations.views import bp as evaluations_bp
    from tracker.i18n import _l
    from tracker.jobs.views import bp as jobs_bp
    from tracker.jury.views import bp as jury_bp
    from tracker.livret.views import bp as livret_bp
    from tracker.navigation import add_entry
    from tracker.people.views import bp as people_bp
    from tracker.permissions import (
        is_apprentice,
        may_follow_apprentices,
        may_list_jury_sessions,
        may_manage_people,
        may_view_referentials,
    )
    from tracker.referentials.views import bp as referentials_bp
    from tracker.situations.views import bp as situations_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(referentials_bp)
    app.register_blueprint(situations_bp)
    app.register_blueprint(conditions_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(livret_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(jury_bp)
    app.register_blueprint(jobs_bp)
    add_entry("people.my_contract", _l("Mon contrat"), is_apprentice)
    add_entry("people.my_apprentices", _l("Mes apprentis"), may_follow_apprentices)
    add_entry("people.cohorts", _l("Promotions"), may_manage_people)
    add_entry("people.people", _l("Personnes"), may_manage_people)
    add_entry("referentials.index", _l("Référentiels"), may_view_referentials)
    add_entry("jury.index", _l("Jurys"), may_list_jury_sessions)
