"""Who may do what: the one place the whole app asks.

Access is denied by default: every endpoint needs a signed-in user unless its view is
marked ``@public``. Views then ask the predicates below (or use ``require``) before they
act; a predicate never queries what the view has not loaded already.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from tracker.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_ATTRIBUTE = "_livret_public"


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (home, accessibility, login...)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, PUBLIC_ATTRIBUTE, False))


def require(predicate: Callable[[Any], bool]) -> Callable[[F], F]:
    """Answer 403 unless ``predicate(current_user)`` holds (the user is signed in already)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _has(user: Any, role: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(role)


# --- Referentials -------------------------------------------------------------------------


def may_view_referentials(user: Any) -> bool:
    """Staff read the certifications: programme managers, tutors and jury members."""
    return any(
        _has(user, role)
        for role in (Role.MANAGER, Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR, Role.JURY)
    )


def may_manage_referentials(user: Any) -> bool:
    """Only programme managers import, export and version referentials."""
    return _has(user, Role.MANAGER)
