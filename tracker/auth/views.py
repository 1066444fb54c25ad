"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.auth import service
from tracker.auth.forms import LoginForm
from tracker.core.views import safe_next
from tracker.extensions import db, limiter
from tracker.i18n import _
from tracker.permissions import public

bp = Blueprint("auth", __name__)


def _tried_email() -> str:
    return "login:" + service.normalise_email(request.form.get("email", ""))


@bp.route("/connexion", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_LIMIT"], methods=["POST"], key_func=_tried_email
)
def login() -> Response | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            login_user(user)
            flash(_("Bienvenue, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
        # One answer for an unknown e-mail and a wrong password.
        form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


@bp.post("/deconnexion")
def logout() -> Response:
    service.revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "success")
    return redirect(url_for("core.home"))
