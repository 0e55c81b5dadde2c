"""Shared fixtures: one ``db`` fixture runs every store and domain test on SQLite and PostgreSQL.

PostgreSQL is found through ``PROMOSYNC_TEST_PG_URL`` (default: the local
server with trust auth). Each test session creates its own database and
drops it afterwards; tests get a truncated schema. When the server cannot be
reached the PostgreSQL half is skipped locally, but fails under CI (``CI`` set),
so CI never passes without having run it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

import store.models_portal  # noqa: F401  (so truncation covers the creator page table)
import store.models_sync  # noqa: F401  (so truncation covers the sync tables)
from store import migrate, scratch
from store.db import Database
from store.models import Base

PG_ADMIN_URL = scratch.admin_url()
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database for this test session."""
    problem = scratch.unreachable(PG_ADMIN_URL)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + " (CI must run the PostgreSQL tests)")
        pytest.skip(problem)
    with scratch.fresh_postgresql(PG_ADMIN_URL, prefix="promosync_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


def _truncate(db: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "promosync.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    cleaner = Database(url)
    _truncate(cleaner)
    cleaner.dispose()
    yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()
