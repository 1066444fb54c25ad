from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from tracker.forms import BaseForm
from tracker.i18n import _l


class LoginForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


def _new_password_field() -> PasswordField:
    return PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


def _confirmation_field() -> PasswordField:
    return PasswordField(
        _l("Confirmation du nouveau mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les deux mots de passe saisis sont différents.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password_field() -> PasswordField:
    return PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(BaseForm):
    """Choosing a password through a reset or invitation link."""

    password = _new_password_field()
    confirmation = _confirmation_field()


class ChangePasswordForm(BaseForm):
    current_password = _current_password_field()
    password = _new_password_field()
    confirmation = _confirmation_field()


def _code_field() -> StringField:
    return StringField(
        _l("Code à 6 chiffres"),
        validators=[
            DataRequired(),
            Regexp(
                r"^\s*\d{3}\s?\d{3}\s*$",
                message=_l("Saisissez les 6 chiffres affichés par votre application."),
            ),
        ],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "maxlength": 7,
            "size": 8,
            "spellcheck": "false",
        },
    )


class CodeForm(BaseForm):
    """The second step of signing in."""

    code = _code_field()


class EnrolTotpForm(BaseForm):
    """Confirming a new authenticator app; the password is asked when it replaces one."""

    code = _code_field()
    password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[Optional(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class DisableTotpForm(BaseForm):
    password = _current_password_field()
