"""Sign in (with the second factor when enrolled) and out, forgotten passwords,
invitations, and the account page (password, second factor, personal data)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup, escape

from tracker import mailer
from tracker.auth import mail, service
from tracker.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    DisableTotpForm,
    EnrolTotpForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from tracker.auth.models import AccountToken, Role, TokenPurpose, User
from tracker.core.views import safe_next
from tracker.errors import DomainError
from tracker.extensions import db, limiter
from tracker.i18n import _
from tracker.people.service import followed_apprentices
from tracker.permissions import public

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# Flask session keys. The pending sign-in holds the user id, a fingerprint of their session
# token (so that revoking sessions also cancels it) and the time the password was checked.
PENDING_LOGIN = "auth_pending_login"
PENDING_SECONDS = 5 * 60
TOTP_ENROLMENT = "auth_totp_enrolment"  # the secret being enrolled, until confirmed

# Reachable by a person who must enrol a second factor and has not yet.
TOTP_EXEMPT_ENDPOINTS = frozenset(
    {
        "static",
        "auth.enrol_totp",
        "auth.logout",
        "core.set_language",
        "core.accessibility",
        "core.home",
    }
)

PASSWORD_FORM_PREFIX = "changement"  # noqa: S105 - a form prefix, not a password
DISABLE_FORM_PREFIX = "desactivation"
EXPORT_FILENAME = "livret-mes-donnees.json"


def _client_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _reset_limits() -> str:
    return current_app.config["RESET_LIMITS"]


def _tried_email() -> str:
    return "login:" + service.normalise_email(request.form.get("email", ""))


def _tried_reset_email() -> str:
    return "reset:" + service.normalise_email(request.form.get("email", ""))


def _pending_account() -> str:
    pending = session.get(PENDING_LOGIN)
    return f"code:{pending.get('user') if isinstance(pending, dict) else None}"


def _signed_in_account() -> str:
    return f"account:{current_user.get_id()}"


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# --- Sign in and out ----------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
@public
@limiter.limit(_client_limits, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_tried_email)
def login() -> Response | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            target = request.args.get("next")
            if user.totp_secret:
                # The password is right; the code, asked next, completes the sign-in.
                session[PENDING_LOGIN] = {
                    "user": user.id,
                    "token": _fingerprint(user),
                    "at": int(time.time()),
                }
                return redirect(url_for("auth.login_code", next=safe_next(target, "") or None))
            session.pop(PENDING_LOGIN, None)
            login_user(user)
            flash(_("Bienvenue, %(name)s.", name=user.name), "success")
            return redirect(safe_next(target, url_for("core.home")))
        # One answer for an unknown e-mail and a wrong password.
        form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User | None, bool]:
    """The person whose password was checked, and whether their time ran out."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict):
        return None, False
    user_id, started = pending.get("user"), pending.get("at")
    if not isinstance(user_id, int) or not isinstance(started, int):
        return None, False
    if time.time() - started > PENDING_SECONDS:
        return None, True
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.active
        or user.anonymised_at is not None
        or not user.totp_secret
        or pending.get("token") != _fingerprint(user)
    ):
        return None, False
    return user, False


@bp.route("/connexion/code", methods=["GET", "POST"])
@public
@limiter.limit(_client_limits, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_pending_account)
def login_code() -> Response | str:
    target = request.args.get("next")
    user, expired = _pending_user()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        if expired:
            flash(
                _(
                    "Le délai de saisie du code est dépassé : saisissez de nouveau votre "
                    "adresse e-mail et votre mot de passe."
                ),
                "warning",
            )
        return redirect(url_for("auth.login", next=safe_next(target, "") or None))
    form = CodeForm()
    if form.validate_on_submit():
        if service.verify_totp(user, form.code.data or ""):
            db.session.commit()
            session.pop(PENDING_LOGIN, None)
            login_user(user)
            flash(_("Bienvenue, %(name)s.", name=user.name), "success")
            return redirect(safe_next(target, url_for("core.home")))
        form.code.errors.append(
            _(
                "Code incorrect ou déjà utilisé : saisissez le code à 6 chiffres affiché en ce "
                "moment par votre application (un code ne sert qu'une fois)."
            )
        )
    return render_template("auth/login_code.html", form=form)


@bp.post("/deconnexion")
def logout() -> Response:
    service.revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    session.pop(TOTP_ENROLMENT, None)
    flash(_("Vous êtes déconnecté·e."), "success")
    return redirect(url_for("core.home"))


@bp.before_app_request
def require_second_factor() -> Response | None:
    """A person whose role requires a second factor enrols one before anything else."""
    required = current_app.config["TOTP_REQUIRED_ROLES"]
    if not required or request.endpoint is None or request.endpoint in TOTP_EXEMPT_ENDPOINTS:
        return None
    if not current_user.is_authenticated or current_user.totp_secret:
        return None
    if not service.totp_required(current_user, required):
        return None
    return _ask_enrolment()


def _ask_enrolment() -> Response:
    flash(
        _(
            "Votre rôle demande une double authentification : configurez une application "
            "d'authentification pour accéder au Livret."
        ),
        "warning",
    )
    return redirect(url_for("auth.enrol_totp"))


# Pages that show a link's owner or a sign-in step: never kept by a browser or proxy cache
# (signed-in pages get the same header from tracker.security).
NO_STORE_ENDPOINTS = frozenset(
    {"auth.login_code", "auth.forgot_password", "auth.reset_password", "auth.invitation"}
)


@bp.after_request
def never_cache_account_steps(response: Response) -> Response:
    if request.endpoint in NO_STORE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


# --- Forgotten password -------------------------------------------------------------------


def _send_after_response(response: Response, email: mail.Email) -> None:
    """Send ``email`` once ``response`` has left, so that the time taken to answer is the
    same whether or not a message goes out (the address's existence stays hidden)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        # A failure is logged by the mailer; the answer was the same either way.
        with app.app_context(), contextlib.suppress(mailer.MailNotSent):
            email.send()

    response.call_on_close(send)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limits, methods=["POST"])
@limiter.limit(_reset_limits, methods=["POST"], key_func=_tried_reset_email)
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        lifetime = mail.reset_lifetime()
        found = service.request_reset(db.session, form.email.data or "", lifetime=lifetime)
        db.session.commit()
        # The same page, whether the address has an account or not.
        response = make_response(
            render_template(
                "auth/forgot_password_sent.html",
                email=form.email.data,
                duration=mail.duration(lifetime),
            )
        )
        if found is not None:
            user, raw_token = found
            _send_after_response(response, mail.compose_reset(user, raw_token))
        return response
    return render_template("auth/forgot_password.html", form=form)


def _redeem(token: AccountToken, form: NewPasswordForm) -> bool:
    """Set the password a reset or invitation link was sent for (the link is then used);
    False, with the reason on the form, when the password is refused."""
    try:
        service.redeem_token(db.session, token, form.password.data or "")
    except DomainError as error:
        db.session.rollback()
        form.password.errors.append(str(error))
        return False
    db.session.commit()
    session.pop(PENDING_LOGIN, None)
    return True


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limits, methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int] | str:
    found = service.find_token(db.session, token, TokenPurpose.RESET)
    if found is None:
        return render_template("auth/reset_invalid.html"), 404
    user = found.user
    form = NewPasswordForm()
    if form.validate_on_submit() and _redeem(found, form):
        flash(
            _(
                "Votre nouveau mot de passe est enregistré et toutes vos sessions ont été "
                "déconnectées : connectez-vous avec ce nouveau mot de passe."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


# --- Invitation ---------------------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limits, methods=["POST"])
def invitation(token: str) -> Response | tuple[str, int] | str:
    found = service.find_token(db.session, token, TokenPurpose.INVITATION)
    if found is None:
        return render_template("auth/invitation_invalid.html"), 404
    user = found.user
    form = NewPasswordForm()
    if form.validate_on_submit() and _redeem(found, form):
        if user.totp_secret:
            # An earlier account with a second factor: the code is still required.
            logout_user()
            flash(_("Votre mot de passe est enregistré : connectez-vous."), "success")
            return redirect(url_for("auth.login"))
        login_user(user)
        flash(
            _("Bienvenue sur Livret, %(name)s : votre compte est activé.", name=user.name),
            "success",
        )
        if service.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"]):
            return _ask_enrolment()
        return redirect(url_for("core.home"))
    tutor = user.has_role(Role.COMPANY_TUTOR) or user.has_role(Role.ACADEMIC_TUTOR)
    apprentices = followed_apprentices(db.session, user) if tutor else []
    return render_template("auth/invitation.html", form=form, user=user, apprentices=apprentices)


# --- Account ------------------------------------------------------------------------------


def _render_account(
    password_form: ChangePasswordForm | None = None,
    disable_form: DisableTotpForm | None = None,
) -> str:
    user = _me()
    return render_template(
        "auth/account.html",
        user=user,
        password_form=password_form or ChangePasswordForm(prefix=PASSWORD_FORM_PREFIX),
        disable_form=disable_form or DisableTotpForm(prefix=DISABLE_FORM_PREFIX),
        totp_required=service.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"]),
    )


@bp.get("/compte")
def account() -> str:
    return _render_account()


@bp.post("/compte/mot-de-passe")
@limiter.limit(_client_limits)
@limiter.limit(_account_limit, key_func=_signed_in_account)
def change_password() -> Response | str:
    user = _me()
    form = ChangePasswordForm(prefix=PASSWORD_FORM_PREFIX)
    if form.validate_on_submit():
        if not service.verify_password(user, form.current_password.data or ""):
            form.current_password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            try:
                service.set_password(user, form.password.data or "")
            except DomainError as error:
                db.session.rollback()
                form.password.errors.append(str(error))
            else:
                db.session.commit()
                login_user(user)  # this browser stays signed in, with the new session token
                flash(
                    _(
                        "Votre mot de passe a été changé. Vos autres sessions (autres "
                        "navigateurs, autres appareils) ont été déconnectées."
                    ),
                    "success",
                )
                return redirect(url_for("auth.account"))
    return _render_account(password_form=form)


def _qr_code(uri: str) -> Markup:
    """The otpauth address as inline SVG (no script, no style attribute: CSP allows it)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr-code", lineclass=None
    )
    label = escape(_("Code QR à scanner avec votre application d'authentification"))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704 - generated by segno, label escaped


def _enrolment_secret() -> str:
    secret = session.get(TOTP_ENROLMENT)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = service.new_totp_secret()
        session[TOTP_ENROLMENT] = secret
    return secret


@bp.route("/compte/double-authentification", methods=["GET", "POST"])
@limiter.limit(_client_limits, methods=["POST"])
def enrol_totp() -> Response | str:
    user = _me()
    replacing = bool(user.totp_secret)
    secret = _enrolment_secret()
    form = EnrolTotpForm()
    if form.validate_on_submit():
        if replacing and not form.password.data:
            form.password.errors.append(
                _("Saisissez votre mot de passe actuel : il est demandé pour changer d'appareil.")
            )
        elif replacing and not service.verify_password(user, form.password.data or ""):
            form.password.errors.append(_("Le mot de passe actuel est incorrect."))
        else:
            try:
                service.enable_totp(user, secret, form.code.data or "")
            except DomainError as error:
                db.session.rollback()
                form.code.errors.append(str(error))
            else:
                db.session.commit()
                session.pop(TOTP_ENROLMENT, None)
                login_user(user)  # this browser stays signed in; the others are signed out
                flash(
                    _(
                        "La double authentification est activée : à chaque connexion, le "
                        "code de votre application vous sera demandé."
                    ),
                    "success",
                )
                return redirect(url_for("auth.account"))
    return render_template(
        "auth/totp_enrol.html",
        form=form,
        replacing=replacing,
        qr_code=_qr_code(service.totp_uri(user, secret)),
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
    )


@bp.post("/compte/double-authentification/desactiver")
@limiter.limit(_client_limits)
@limiter.limit(_account_limit, key_func=_signed_in_account)
def disable_totp() -> Response | str:
    user = _me()
    required = current_app.config["TOTP_REQUIRED_ROLES"]
    try:
        service.ensure_totp_optional(user, required)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.account"))
    form = DisableTotpForm(prefix=DISABLE_FORM_PREFIX)
    if form.validate_on_submit():
        if not service.verify_password(user, form.password.data or ""):
            form.password.errors.append(_("Le mot de passe actuel est incorrect."))
        elif not user.totp_secret:
            flash(_("La double authentification n'était pas activée."), "info")
            return redirect(url_for("auth.account"))
        else:
            service.disable_totp(user, required_roles=required)
            db.session.commit()
            login_user(user)
            flash(_("La double authentification est désactivée."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(disable_form=form)


@bp.get("/compte/donnees")
def export_data() -> Response:
    """Everything Livret holds about the signed-in person (RGPD right of access)."""
    from tracker.people.privacy import export_person

    data: Any = export_person(db.session, _me())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"'},
    )
