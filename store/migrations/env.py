"""Alembic environment: runs promosync's migrations on the connection it is given."""

from __future__ import annotations

from alembic import context

import store.models_messages  # noqa: F401  (registers the message tables)
import store.models_portal  # noqa: F401  (registers the creator page table)
import store.models_sync  # noqa: F401  (registers the sync tables)
from store import queue_schema
from store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        include_name=queue_schema.ours,  # the job queue's tables are procrastinate's
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("promosync migrations run online only: use `promosync db upgrade`")
run_migrations_online()
