"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import store.models_sync  # noqa: F401
from store import migrate
from store.db import Database
from store.models import Base


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_schema_is_at_head_and_upgrade_is_idempotent(db: Database) -> None:
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    migrate.require_current(db)
