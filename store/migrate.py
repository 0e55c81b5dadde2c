"""Schema migrations (alembic), driven from code: ``promosync db upgrade``.

Commands do not migrate on their own: with several workers sharing one
PostgreSQL, an implicit upgrade at start-up would race. They check the
revision instead and tell the user to run ``promosync db upgrade``
(:class:`SchemaOutOfDate`). ``promosync demo`` upgrades the fresh file it makes.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from store import queue_schema
from store.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaOutOfDate(Exception):
    """The database is not at the revision this code needs."""

    exit_code = 2

    def __init__(self, location: str, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        state = "has no promosync schema" if current is None else f"is at revision {current}"
        super().__init__(
            f"Database {location} {state}, this promosync needs {head}: "
            f"run `promosync db upgrade` first"
        )


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(db: Database) -> str | None:
    with db.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent), and on PostgreSQL create the
    job queue's tables if they are missing (:mod:`store.queue_schema`)."""
    config = _config()
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    queue_schema.ensure(db)


def require_current(db: Database) -> None:
    """Raise :class:`SchemaOutOfDate` unless the schema is at head."""
    current, head = current_revision(db), head_revision()
    if current != head:
        raise SchemaOutOfDate(db.info.location, current, head)
