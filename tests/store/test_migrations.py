"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import store.models_sync  # noqa: F401
from store import migrate, queue_schema
from store.db import Database
from store.models import Base


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": queue_schema.ours})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_schema_is_at_head_and_upgrade_is_idempotent(db: Database) -> None:
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    migrate.require_current(db)
    # PostgreSQL holds the job queue too, created by the first upgrade and kept by the next.
    assert queue_schema.present(db) == (db.dialect == "postgresql")
