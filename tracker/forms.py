"""The base form every form of the app derives from.

Flask-WTF's ``FlaskForm`` owns CSRF; WTForms' own messages ("This field is required")
follow the user's language through Flask-Babel (``WTF_I18N_ENABLED``).
"""

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Base of every form; markup goes only through ``templates/_macros/forms.html``."""
