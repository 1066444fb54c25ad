"""Why the workers' SQLite connections take the write lock at their first write: a
dossier's transaction reads, spends a second laying out the PDF, then writes, and another
worker's commit in between would make SQLite refuse that write."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from tracker.jobs import tasks
from tracker.jobs.tasks import isolate_writes

ROWS = sa.text("SELECT count(*) FROM dossiers")
ADD = sa.text("INSERT INTO dossiers (name) VALUES (:name)")


def _engine(path: Path, *, isolated: bool) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    if isolated:
        isolate_writes(engine)
    return engine


@pytest.mark.parametrize("isolated", [False, True], ids=["plain", "isolated"])
def test_a_write_after_a_long_read_survives_another_commit(tmp_path: Path, isolated: bool) -> None:
    path = tmp_path / "race.sqlite"
    other = sa.create_engine(f"sqlite:///{path}")
    with other.begin() as connection:
        connection.execute(sa.text("CREATE TABLE dossiers (id INTEGER PRIMARY KEY, name TEXT)"))
    worker = _engine(path, isolated=isolated)
    try:
        with worker.connect() as connection:
            connection.begin()
            assert connection.execute(ROWS).scalar() == 0  # the dossier's data is read
            with other.begin() as elsewhere:  # another worker commits meanwhile
                elsewhere.execute(ADD, {"name": "other"})
            if not isolated:
                started = time.monotonic()
                with pytest.raises(OperationalError, match="locked"):
                    connection.execute(ADD, {"name": "mine"})
                assert time.monotonic() - started < 5  # refused at once, no waiting helps
                connection.rollback()
                return
            connection.execute(ADD, {"name": "mine"})
            assert connection.execute(ROWS).scalar() == 2  # the write sees the latest data
            connection.commit()
        with other.connect() as connection:
            names = connection.execute(sa.text("SELECT name FROM dossiers ORDER BY id")).scalars()
            assert list(names) == ["other", "mine"]
    finally:
        worker.dispose()
        other.dispose()


def test_a_rolled_back_write_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rollback.sqlite"
    worker = _engine(path, isolated=True)
    try:
        with worker.begin() as connection:
            connection.execute(sa.text("CREATE TABLE dossiers (id INTEGER PRIMARY KEY, name TEXT)"))
        with worker.connect() as connection:
            connection.begin()
            connection.execute(ROWS)
            connection.execute(ADD, {"name": "a"})
            connection.execute(ADD, {"name": "b"})
            connection.rollback()
            connection.begin()
            assert connection.execute(ROWS).scalar() == 0
            connection.execute(ADD, {"name": "c"})
            connection.commit()
        with worker.connect() as connection:
            assert connection.execute(ROWS).scalar() == 1
    finally:
        worker.dispose()


def test_other_databases_are_left_alone() -> None:
    engine = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    isolate_writes(engine)
    assert not sa.event.contains(engine, "before_cursor_execute", tasks._before_first_write)
    engine.dispose()
