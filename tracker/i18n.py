"""Translation helpers usable everywhere, including pure modules run outside Flask.

French is the source language of every user-facing message (the UI is French first);
English comes from the catalogue in ``tracker/translations``. Outside an application
context (pure unit tests, scripts) messages fall back to their French source text.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import LazyString
from flask_babel import gettext as _babel_gettext


def _(message: str, **variables: Any) -> str:
    """Translate ``message`` now; ``%(name)s`` placeholders are filled from ``variables``."""
    if has_app_context():
        return _babel_gettext(message, **variables)
    return message % variables if variables else message


def _l(message: str, **variables: Any) -> LazyString:
    """Translate ``message`` when it is rendered (for module-level labels and forms)."""
    return LazyString(_, message, **variables)
