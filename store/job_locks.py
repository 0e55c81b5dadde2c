"""One run at a time per sync job: an exclusive lock per (store, job kind, incentive).

The lock is held for the whole run, on a connection of its own, and dies with the
process that holds it (kill -9 included), so it never needs cleaning up:

- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on a stable
  64-bit hash of the key, taken on a dedicated connection kept for the run's lifetime.
  Every worker on every machine that uses the same database sees it; the server
  releases it when the session ends, however it ends.
- **SQLite**: ``BEGIN EXCLUSIVE`` on a tiny per-key lock database next to the main file
  (``promosync.db.locks/<key>.sqlite``), held by a separate connection. It is the
  database's own file locking, so it is released by the operating system when the process
  dies, and it excludes other connections of the same process too. Locking the *main*
  file instead would block every other writer (assignments, moves, uploads) for a
  whole pull; a lock row in the main file would need a liveness protocol of its own
  (owner heartbeats, expiry) that this one does not. SQLite is one machine's database,
  so a lock that only that machine sees is the right scope.
- An in-memory SQLite database lives in one process: a process-local lock is enough.

Nothing here waits: :func:`try_lock` answers at once, and the caller decides whether
to refuse or to poll (:mod:`sync.shopsync.runs`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, make_url, text

from store.db import SQLITE_BUSY_CODES, Database, DatabaseUnavailable

LOCK_DIRECTORY_SUFFIX = ".locks"
LOCK_FILE_SUFFIX = ".sqlite"
_KEY_NAMESPACE = b"promosync-job-lock\x00"


class HeldLock(Protocol):
    """A job lock this process holds; :meth:`release` gives it up (at most once)."""

    def release(self) -> None: ...


def job_key(store_name: str, kind: str, incentive_id: int | None) -> int:
    """The key's stable signed 64-bit number (the same on every machine and Python run)."""
    parts = "\x00".join((store_name, kind, "" if incentive_id is None else str(incentive_id)))
    digest = hashlib.blake2b(_KEY_NAMESPACE + parts.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def try_lock(db: Database, store_name: str, kind: str, incentive_id: int | None) -> HeldLock | None:
    """The job's lock if nobody holds it, else ``None`` (never waits)."""
    key = job_key(store_name, kind, incentive_id)
    if db.dialect == "postgresql":
        return _PostgresLock.try_acquire(db, key)
    path = sqlite_lock_path(db, kind, key)
    if path is None:
        return _ProcessLock.try_acquire(key)
    return _SqliteLock.try_acquire(db, path)


def sqlite_lock_path(db: Database, kind: str, key: int) -> Path | None:
    """Where a SQLite database keeps the lock file of ``key`` (``None``: in memory)."""
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    main = Path(database).expanduser()
    directory = main.with_name(main.name + LOCK_DIRECTORY_SUFFIX)
    return directory / f"{kind}-{key & 0xFFFFFFFFFFFFFFFF:016x}{LOCK_FILE_SUFFIX}"


class _PostgresLock:
    def __init__(self, connection: Connection, key: int) -> None:
        self._connection: Connection | None = connection
        self._key = key

    @classmethod
    def try_acquire(cls, db: Database, key: int) -> _PostgresLock | None:
        with db.mapped_errors():
            connection = db.engine.connect()
            try:
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
                ).scalar_one()
                # A session lock outlives the transaction: end it, so the connection
                # does not sit "idle in transaction" for the whole run.
                connection.commit()
            except BaseException:
                connection.invalidate()
                connection.close()
                raise
        if not got:
            connection.close()
            return None
        return cls(connection, key)

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            connection.commit()
        except Exception:
            # Closing the session for good releases every lock it held.
            connection.invalidate()
        finally:
            connection.close()


class _SqliteLock:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @classmethod
    def try_acquire(cls, db: Database, path: Path) -> _SqliteLock | None:
        try:
            path.parent.mkdir(exist_ok=True)
            # timeout=0: answer at once; isolation_level=None: we issue BEGIN ourselves.
            connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        except (OSError, sqlite3.Error):
            raise _unusable(db, path.parent) from None
        try:
            connection.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error as error:
            connection.close()
            if getattr(error, "sqlite_errorcode", None) in SQLITE_BUSY_CODES:
                return None
            raise _unusable(db, path.parent) from None
        return cls(connection)

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()  # ends the transaction and with it the lock


def _unusable(db: Database, directory: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        db.url,
        f"cannot keep its job locks in {directory}",
        "make the directory next to the database file writable by this user",
    )


class _ProcessLock:
    _held: set[int] = set()
    _guard = threading.Lock()

    def __init__(self, key: int) -> None:
        self._key: int | None = key

    @classmethod
    def try_acquire(cls, key: int) -> _ProcessLock | None:
        with cls._guard:
            if key in cls._held:
                return None
            cls._held.add(key)
        return cls(key)

    def release(self) -> None:
        key, self._key = self._key, None
        if key is not None:
            with self._guard:
                self._held.discard(key)
