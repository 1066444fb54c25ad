"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.auth import service
from tracker.auth.forms import LoginForm
from tracker.core.views import safe_next
from tracker.extensions import db
from tracker.i18n import _
from tracker.permissions import public

bp = Blueprint("auth", __name__)


@bp.route("/connexion", methods=["GET", "POST"])
@public
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
