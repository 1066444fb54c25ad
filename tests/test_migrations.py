"""Migrations: one head, and upgrade -> downgrade -> upgrade on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from tests.conftest import ThrowawayDatabase, make_app
from tracker.db import Base
from tracker.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_there_is_exactly_one_head() -> None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    database = ThrowawayDatabase(backend, tmp_path)
    app = make_app(database.url)
    try:
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert set(Base.metadata.tables) <= tables
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert set(Base.metadata.tables) <= set(sa.inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        database.drop()


def test_models_and_migrations_agree(app) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate finds nothing to do: the migrations build exactly the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
