"""Accounts: passwords, authentication, creation, session revocation, single-use links
(password reset, invitation) and the second factor (TOTP)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from tracker.auth.models import (
    AccountToken,
    Role,
    TokenPurpose,
    User,
    UserRole,
    new_session_token,
)
from tracker.db import utcnow
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


# --- Password policy ------------------------------------------------------------------------

# Words of this application's own context, refused like the common passwords (OWASP ASVS
# 6.2.11): "livret2024!!" is among the first guesses against a site called Livret.
CONTEXT_WORDS = frozenset(
    {
        "livret",
        "livretdesuivi",
        "apprenti",
        "apprentie",
        "apprentissage",
        "alternance",
        "ingenieur",
        "ingénieur",
        "motdepasse",
    }
)
_SEQUENCES = ("01234567890123456789", "98765432109876543210")
_DECORATION = string.digits + string.punctuation + " "


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most frequent passwords of the leaked corpora zxcvbn ships (the list
    behind Dropbox's strength estimator), loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | CONTEXT_WORDS


def _repeating_unit(text: str) -> str:
    """The word repeated in ``text`` ("azerty" in "azertyazerty"), else ``text`` itself."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _variants(password: str) -> set[str]:
    """The password lower-cased, without spaces, stripped of the digits and symbols people
    append or prepend to a common word ("azertyuiop123!", "2024soleil") when that word is
    most of it, and the word of a repetition ("soleilsoleil")."""
    lowered = password.lower()
    squeezed = lowered.replace(" ", "")
    variants = {lowered, squeezed}
    for text in (lowered, squeezed):
        for core in (text.rstrip(_DECORATION), text.lstrip(_DECORATION), text.strip(_DECORATION)):
            if 2 * len(core) >= len(text):
                variants.add(core)
    variants |= {_repeating_unit(text) for text in variants}
    return variants


def is_common_password(password: str, *, personal: tuple[str, ...] = ()) -> bool:
    """True for a password found in the common-password list, a word of the context or of
    ``personal`` (the person's name and e-mail), once decoration is stripped; also for one
    character or two repeated ("aaaaaaaaaaaa") and runs of digits ("123456789012")."""
    variants = _variants(password)
    if any(len(text) <= 2 for text in variants):
        return True
    digits = password.replace(" ", "")
    if digits.isdigit() and any(digits in sequence for sequence in _SEQUENCES):
        return True
    own = {word.lower().replace(" ", "") for word in personal if word}
    return bool(variants & (_common_passwords() | own))


def check_new_password(user: User, password: str) -> None:
    """Raise DomainError unless ``password`` may be chosen by ``user``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        hash_password(password)  # raises the length message
    email = user.email or ""
    if is_common_password(password, personal=(email, email.split("@", 1)[0], user.name)):
        raise DomainError(
            _(
                "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en "
                "un autre, par exemple une phrase de plusieurs mots."
            )
        )


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password and sign out every session they had."""
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    revoke_sessions(user)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- Single-use links (password reset, invitation) -------------------------------------------

RAW_TOKEN_MAX_LENGTH = 100


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _retire_tokens(session: Session, user: User, purpose: str | None = None) -> None:
    """Mark the unused links of ``user`` (of one purpose, or all) as used."""
    query = select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    now = utcnow()
    for token in session.scalars(query):
        token.used_at = now


def issue_token(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    *,
    lifetime: timedelta,
    created_by: User | None = None,
) -> str:
    """A new single-use link for ``user``; only the latest link of a purpose works.

    Returns the raw token (to be sent, never stored): the table keeps its SHA-256 only.
    """
    _retire_tokens(session, user, str(purpose))
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=str(purpose),
            token_hash=_token_hash(raw),
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=created_by.id if created_by is not None else None,
        )
    )
    session.flush()
    return raw


def find_token(session: Session, raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The link ``raw`` if it may still be used: known, unused, not expired, and its
    person active and not anonymised."""
    if not raw or len(raw) > RAW_TOKEN_MAX_LENGTH:
        return None
    token = session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _token_hash(raw), AccountToken.purpose == str(purpose)
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    user = token.user
    if not user.active or user.anonymised_at is not None:
        return None
    return token


def use_token(token: AccountToken) -> None:
    token.used_at = utcnow()


def request_reset(session: Session, email: str, *, lifetime: timedelta) -> tuple[User, str] | None:
    """A reset link for the active, non-anonymised account with ``email``, if any."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or user.anonymised_at is not None:
        return None
    return user, issue_token(session, user, TokenPurpose.RESET, lifetime=lifetime)


def redeem_token(session: Session, token: AccountToken, password: str) -> User:
    """Set the password chosen through a reset or invitation link; the link, and any other
    link the person still had, stop working, and every session is signed out."""
    user = token.user
    set_password(user, password)
    use_token(token)
    _retire_tokens(session, user)
    session.flush()
    return user


def invite(session: Session, user: User, *, invited_by: User | None, lifetime: timedelta) -> str:
    """An invitation link for an account created by a programme manager (raw token)."""
    if not user.active or user.anonymised_at is not None:
        raise DomainError(_("Ce compte est désactivé : il ne peut pas être invité."))
    return issue_token(
        session, user, TokenPurpose.INVITATION, lifetime=lifetime, created_by=invited_by
    )


# --- Second factor (RFC 6238 TOTP) -----------------------------------------------------------

TOTP_ISSUER = "Livret"
TOTP_INTERVAL = 30
TOTP_VALID_WINDOW = 1  # the previous and the next 30-second step are accepted too


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.email, issuer_name=TOTP_ISSUER
    )


def _matching_step(
    secret: str, code: str, *, after: int | None, at: datetime | None = None
) -> int | None:
    """The time step, later than ``after``, whose code is ``code``; None if none is."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    current = int((at or utcnow()).timestamp()) // TOTP_INTERVAL
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue  # already used, or older than a code already used: no replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(user: User, code: str, *, at: datetime | None = None) -> bool:
    """Whether ``code`` is the user's current code, never accepting one twice."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, after=user.totp_last_step, at=at)
    if step is None:
        return False
    session = object_session(user)
    if session is None:
        user.totp_last_step = step
        return True
    # A conditional update, so that two requests racing with the same code cannot both
    # pass: the second waits for the first's row lock, then finds the step taken.
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def enable_totp(user: User, secret: str, code: str, *, at: datetime | None = None) -> None:
    """Turn the second factor on (or move it to a new device) once the person proved their
    app shows the codes of ``secret``; every other session is signed out."""
    step = _matching_step(secret, code, after=None, at=at)
    if step is None:
        raise DomainError(
            _(
                "Ce code ne correspond pas : vérifiez que vous avez bien ajouté le compte "
                "dans votre application, puis saisissez le code à 6 chiffres qu'elle affiche."
            )
        )
    user.totp_secret = secret
    user.totp_last_step = step
    revoke_sessions(user)


def totp_required(user: User, required_roles: Collection[str]) -> bool:
    """Whether one of ``user``'s roles must use a second factor."""
    return any(str(role) in required_roles for role in user.roles)


def ensure_totp_optional(user: User, required_roles: Collection[str]) -> None:
    """Refuse to turn the second factor off for a person whose role requires it."""
    if totp_required(user, required_roles):
        raise DomainError(
            _(
                "La double authentification est obligatoire pour votre rôle : elle ne peut "
                "pas être désactivée."
            )
        )


def disable_totp(user: User, *, required_roles: Collection[str] = ()) -> None:
    """Turn the second factor off, unless one of the person's roles requires it; every
    session is signed out."""
    ensure_totp_optional(user, required_roles)
    user.totp_secret = None
    user.totp_last_step = None
    revoke_sessions(user)
