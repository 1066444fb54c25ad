"""Declarative base, constraint naming convention, timestamp mixin and SQLite settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, MetaData, TypeDecorator, bindparam, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints make migrations reviewable and reversible on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def in_ids(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN (ids)`` with the ids written into the statement instead of one bound
    parameter each: psycopg parses a statement with hundreds of placeholders again on every
    execution (about 4 ms for 500 ids), which was a third of a 500-apprentice dashboard's
    time on PostgreSQL. Integers only, so nothing but digits reaches the SQL text."""
    return column.in_(bindparam(None, [int(i) for i in ids], expanding=True, literal_execute=True))


def utcnow() -> datetime:
    """Current time, timezone-aware UTC; passed as a callable so it runs per row."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite stores no offset, so values read back are made aware again; values written are
    converted to UTC first. Code therefore only ever sees aware UTC datetimes, and a naive
    datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


SQLITE_BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL, full sync, foreign keys and a busy timeout on every SQLite connection.

    The driver's own transaction handling is switched off and ``BEGIN`` is emitted by
    SQLAlchemy instead (see ``_sqlite_begin``): this is what makes SAVEPOINTs, and so the
    per-test rollback and nested transactions, behave on SQLite.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def is_write_conflict(error: Exception) -> bool:
    """Whether a failed flush or commit lost a race against another writer.

    PostgreSQL finds no row at the version it expected (``StaleDataError``); SQLite in WAL
    mode refuses to upgrade a reader whose snapshot another writer has moved on ("database
    is locked"). Either way the other save won and this one changed nothing.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(error, StaleDataError | IntegrityError):
        return True
    return isinstance(error, OperationalError) and "locked" in str(error.orig).lower()
