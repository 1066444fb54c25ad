"""Database settings: SQLite pragmas, constraint names, UTC timestamps, rollback per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.auth.models import Role, User, UserRole
from tracker.db import Base


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(db_session, backend) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite pragmas")
    pragma = lambda name: db_session.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 2  # FULL
    assert pragma("busy_timeout") == 10_000


def test_constraints_are_named_by_the_convention() -> None:
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"


def test_role_check_constraint_is_enforced(db_session, make_user) -> None:
    user = make_user(Role.APPRENTICE)
    db_session.add(UserRole(user_id=user.id, role="superuser"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_timestamps_are_utc_and_computed_per_row(db_session, make_user) -> None:
    first, second = make_user(Role.JURY), make_user(Role.JURY)
    db_session.expire_all()
    assert first.created_at.tzinfo is not None
    assert first.created_at.utcoffset() == timedelta(0)
    assert second.created_at >= first.created_at
    assert abs(datetime.now(UTC) - first.created_at) < timedelta(minutes=1)


def test_aware_datetimes_are_stored_in_utc(db_session, make_user) -> None:
    user = make_user(Role.JURY)
    paris = timezone(timedelta(hours=1))
    user.created_at = datetime(2026, 11, 21, 12, 0, tzinfo=paris)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(User, user.id).created_at == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)


def test_rows_of_one_test_are_gone_in_the_next(db_session) -> None:
    """Runs after the tests above: each began and ended in its own rolled-back transaction."""
    assert db_session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
