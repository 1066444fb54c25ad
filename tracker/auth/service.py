"""Accounts: password hashing, authentication, creation and session revocation."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.models import Role, User, UserRole, new_session_token
from tracker.errors import DomainError
from tracker.i18n import _

# argon2-cffi's defaults are argon2id with parameters that meet OWASP ASVS.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login with an unknown e-mail the same as
    with a known one, so timing does not reveal which e-mails have accounts. Computed on
    first use, not at import: hashing costs ~50 ms that start-up need not pay."""
    return _hasher.hash("dummy password for timing equalisation")


MIN_PASSWORD_LENGTH = 12


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _(
                "Le mot de passe doit compter au moins %(n)s caractères.",
                n=MIN_PASSWORD_LENGTH,
            )
        )
    return _hasher.hash(password)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def create_user(
    session: Session, *, email: str, name: str, roles: set[Role], password: str | None = None
) -> User:
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_("Un compte existe déjà avec cette adresse e-mail."))
    user = User(email=email, name=name.strip())
    if password is not None:
        user.password_hash = hash_password(password)
    user.role_rows = [UserRole(role=str(role)) for role in sorted(roles)]
    session.add(user)
    session.flush()
    return user


def revoke_sessions(user: User) -> None:
    """Invalidate every cookie issued to ``user`` (logout, password change)."""
    user.session_token = new_session_token()


def load_user_by_session_token(session: Session, token: str) -> User | None:
    return session.scalar(select(User).where(User.session_token == token, User.active))
