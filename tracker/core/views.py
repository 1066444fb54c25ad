"""Pages everyone can read: home, accessibility statement, language choice."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.extensions import db
from tracker.permissions import is_apprentice, may_follow_apprentices, public

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def home() -> str:
    """The welcome page; signed in, each person also finds their own way in here: what
    they have to do ("À faire", one click per item), the tutor their apprentices, the
    apprentice their contract."""
    from tracker.campaigns.service import pending_for
    from tracker.conditions.service import requirements_met_of
    from tracker.livret.service import alerts
    from tracker.people.service import apprenticeships_of, tutored_by

    today = date.today()
    # Former tutorings too: a tutor who handed over still signs the semesters of their period.
    tutorings = tutored_by(db.session, current_user) if may_follow_apprentices(current_user) else []
    contracts = apprenticeships_of(db.session, current_user) if is_apprentice(current_user) else []
    followed = [*contracts, *(t.apprenticeship for t in tutorings)]
    current = [t for t in tutorings if t.current]
    tutored = [t.apprenticeship for t in current]
    return render_template(
        "core/home.html",
        tutorings=current,
        alerts=alerts(
            db.session,
            tutored,
            requirements=requirements_met_of(db.session, tutored, today),
            today=today,
        ),
        contracts=contracts,
        todo=pending_for(db.session, current_user, followed, today) if followed else [],
        show_todo=bool(followed),
        today=today,
    )


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
