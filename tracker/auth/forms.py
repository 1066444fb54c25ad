from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

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
