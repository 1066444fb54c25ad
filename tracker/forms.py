"""The base form every form of the app derives from.

Flask-WTF's ``FlaskForm`` owns CSRF; WTForms' own messages ("This field is required")
follow the user's language through Flask-Babel (``WTF_I18N_ENABLED``).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class BaseForm(FlaskForm):
    """Base of every form; markup goes only through ``templates/_macros/forms.html``."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """NUL characters never reach the database: PostgreSQL refuses them in text,
            and no one types them; every other character is kept as given."""
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            return MultiDict(
                (key, value.replace("\x00", "") if isinstance(value, str) else value)
                for key, value in formdata.items(multi=True)
            )


class MultiCheckboxField(SelectMultipleField):
    """Several choices drawn as checkboxes (``forms.checkbox_group`` in templates)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
