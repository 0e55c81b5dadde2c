"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

SQLite: WAL journal, foreign keys on, a busy timeout, and every transaction
opened with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database's
own lock instead of failing half-way with "database is locked" on upgrade.
PostgreSQL: READ COMMITTED; the pool claims rows with ``FOR UPDATE SKIP LOCKED``
(see :mod:`store.pool`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///promosync.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
POOL_RECYCLE_SECONDS = 1_800

#: The handle services pass around; only ``store`` looks inside it.
Tx = Session


@dataclass(frozen=True)
class DatabaseInfo:
    """Where the data lives, for messages (never includes a password)."""

    dialect: str
    location: str


class Database:
    """One engine plus a session factory; open transactions with :meth:`transaction`."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.engine = _create_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Per-database memo for facts that cannot change once true (e.g. the shape
        #: of an active campaign); see :mod:`sync.moves`.
        self.memo: dict[object, object] = {}

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def info(self) -> DatabaseInfo:
        url = make_url(self.url)
        return DatabaseInfo(self.dialect, url.render_as_string(hide_password=True))

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A unit of work: commits on success, rolls back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _create_engine(url: str, *, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # No pool_pre_ping: it costs a round trip per transaction on the hottest path
    # (stage moves); connections are recycled instead, and jobs retry on failure.
    return create_engine(url, echo=echo, pool_recycle=POOL_RECYCLE_SECONDS)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a claim never deadlocks upgrading
    # a read lock, and the busy timeout makes writers queue instead of failing.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
