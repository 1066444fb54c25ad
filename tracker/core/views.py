"""Pages everyone can read: home, accessibility statement, language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from tracker.permissions import public

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def home() -> str:
    return render_template("core/home.html")


@bp.get("/accessibilite")
@public
def accessibility() -> str:
    return render_template("core/accessibility.html")


def safe_next(target: str | None, fallback: str) -> str:
    """A same-site path to go back to, never an absolute URL chosen by the request."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.post("/langue")
@public
def set_language() -> Response:
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
    return redirect(safe_next(request.form.get("next"), url_for("core.home")))
