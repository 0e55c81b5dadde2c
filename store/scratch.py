"""Throwaway PostgreSQL databases, for the test suite and the benchmarks.

Both need the same thing: a freshly created, migrated database on a server they
may administer, dropped afterwards, and a clear word when the server is not there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from store import migrate
from store.db import Database

ADMIN_URL_ENV = "PROMOSYNC_TEST_PG_URL"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_S = 3


def admin_url() -> str:
    """The server to create scratch databases on (``$PROMOSYNC_TEST_PG_URL``)."""
    return os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL)


def unreachable(url: str) -> str | None:
    """None when the PostgreSQL server at ``url`` answers, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL at {url} not reachable: {type(error).__name__}"


@contextmanager
def fresh_postgresql(url: str, *, prefix: str) -> Iterator[str]:
    """A new, migrated database on the server of ``url``; dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = url.rsplit("/", 1)[0] + "/" + name
    try:
        db = Database(scratch)
        migrate.upgrade(db)
        db.dispose()
        yield scratch
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
