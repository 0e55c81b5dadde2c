"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

SQLite: WAL journal, foreign keys on, a busy timeout, and every transaction
opened with ``BEGIN IMMEDIATE`` so concurrent writers queue on the database's
own lock instead of failing half-way with "database is locked" on upgrade.
PostgreSQL: READ COMMITTED; the pool claims rows with ``FOR UPDATE SKIP LOCKED``
(see :mod:`store.pool`).

No driver text leaves this module: database exceptions carry SQL and bound
parameters (unassigned codes, passwords). Errors are mapped where a transaction
ends (:meth:`Database.transaction`, :meth:`Database.run`) into::

    StoreError                     one sentence, no parameters; ``exit_code`` for the CLI
    ├── DatabaseUnavailable        bad URL, cannot connect (exit status 2)
    ├── Conflict                   a unique/foreign-key/check constraint refused a write
    ├── DatabaseInterrupted        a transient failure (connection lost, deadlock,
    │   │                          serialization) outlasted the retries
    │   └── CommitInterrupted      the connection was lost while committing: maybe saved
    └── DatabaseFailure            anything else; details logged without parameters

Transient failures are retried at transaction boundaries: a pooled PostgreSQL
connection the server has closed (restart, ``pg_terminate_backend``) is
replaced when it is checked out, and :meth:`Database.run` re-runs a whole unit
of work per :class:`RetrySettings`.
"""

from __future__ import annotations

import logging
import random
import re
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import tenacity
from sqlalchemy import (
    Connection,
    Engine,
    Index,
    UniqueConstraint,
    create_engine,
    event,
    exc,
    make_url,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///promosync.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
POOL_RECYCLE_SECONDS = 1_800
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
URL_EXAMPLES = "sqlite:///promosync.db or postgresql://USER:PASSWORD@HOST:5432/DBNAME"
URL_SOURCES = "database_url (config file), --db or $PROMOSYNC_DB"
REDACTED = "***"
# SQLSTATEs worth another try: serialization failure, deadlock, the server shutting down
# or restarting, and the whole "connection exception" class (08...).
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08"})
SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
#: Attempts of one transaction after transient failures (config: ``[retry] database_attempts``).
DEFAULT_DATABASE_ATTEMPTS = 5
#: No retry wait ends later than this after the transaction's first attempt began.
DATABASE_RETRY_BUDGET_SECONDS = 30.0
DATABASE_BASE_BACKOFF_SECONDS = 0.05
DATABASE_MAX_BACKOFF_SECONDS = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class RetrySettings:
    """How a unit of work is retried after a transient database failure.

    At most ``max_attempts`` attempts, and no wait that would end more than
    ``max_total_seconds`` after the first attempt began; between attempts exponential
    backoff (``base_backoff`` doubled per attempt, at most ``max_backoff``) plus up to as
    much jitter. Sleep, clock and jitter are seams, so tests neither sleep nor guess.
    """

    max_attempts: int = DEFAULT_DATABASE_ATTEMPTS
    max_total_seconds: float = DATABASE_RETRY_BUDGET_SECONDS
    base_backoff: float = DATABASE_BASE_BACKOFF_SECONDS
    max_backoff: float = DATABASE_MAX_BACKOFF_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random  # uniform in [0, 1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.max_total_seconds, self.base_backoff, self.max_backoff) < 0:
            raise ValueError("retry durations must not be negative")

    def wait(self, attempt: int) -> float:
        """Seconds to wait after ``attempt`` (1-based) failed."""
        backoff = min(self.max_backoff, self.base_backoff * 2.0 ** (attempt - 1))
        return backoff + backoff * self.rand()


DEFAULT_RETRY = RetrySettings()


class StoreError(Exception):
    """A database failure phrased for the user: no SQL, no parameters."""

    exit_code = 1


class DatabaseUnavailable(StoreError):
    """The database URL is wrong or the database cannot be reached (exit status 2)."""

    exit_code = 2

    def __init__(self, url: str, problem: str, fix: str) -> None:
        self.location = redact_url(url)
        super().__init__(f"Database {self.location} {problem}: {fix}")


class Conflict(StoreError):
    """A constraint refused a write, usually because another command got there first."""

    def __init__(self, constraint: str | None) -> None:
        self.constraint = constraint
        meaning = CONSTRAINT_MEANINGS.get(constraint or "")
        super().__init__(
            meaning
            or (
                f"The database refused a change that breaks one of its rules "
                f"({constraint or 'unnamed'}); nothing was saved: run the command again, and "
                "report it if it happens again"
            )
        )


class DatabaseInterrupted(StoreError):
    """A transient failure (lost connection, deadlock) that outlasted the retries."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"The database transaction was interrupted ({reason}) and nothing of it was saved: "
            "run the command again"
        )


class CommitInterrupted(DatabaseInterrupted):
    """The connection was lost while committing: the change may or may not be saved."""

    def __init__(self) -> None:
        self.reason = "connection lost while saving"
        StoreError.__init__(
            self,
            "The database connection was lost while saving, so the change may or may not "
            "have been saved: check the result (e.g. with the matching list or view command) "
            "before running the command again",
        )


class DatabaseFailure(StoreError):
    """An unexpected database error; the details are logged, never shown."""

    def __init__(self, kind: str, sqlstate: str | None) -> None:
        self.kind, self.sqlstate = kind, sqlstate
        code = f", SQLSTATE {sqlstate}" if sqlstate else ""
        super().__init__(
            f"The database refused the command ({kind}{code}); nothing was saved and the "
            "details were logged: run it again, and report it if it happens again"
        )


_AGAIN = "nothing was saved: run the command again"
#: What a constraint violation means to a user. After the checks the services make, these
#: only fire when two commands race for the same thing.
CONSTRAINT_MEANINGS = {
    "uq_codes_scope_norm": (
        "A code of this command was added to a pool of the same store by another command at "
        f"the same moment; {_AGAIN} to see which code clashes"
    ),
    "uq_code_requests_scope_code_norm": (
        "Another command asked the store for the same new code at the same moment; " + _AGAIN
    ),
    "uq_incentives_store_name_source_id": (
        "That store discount was linked to another incentive by another command at the same "
        "moment; one discount serves one incentive, so its codes are never handed out "
        "twice: nothing was saved; link a different discount"
    ),
    "uq_assignments_incentive_id_creator_id": (
        "Another command gave the creator this incentive's code at the same moment; " + _AGAIN
    ),
    "uq_assignments_code_id": (
        "Another command handed out the same code at the same moment; " + _AGAIN
    ),
    "uq_memberships_campaign_id_creator_id": (
        "Another command added the creator to the campaign at the same moment; " + _AGAIN
    ),
    "uq_creators_handle": "Another command added the same creator at the same moment; " + _AGAIN,
    "uq_campaigns_key": "Another command created the same campaign at the same moment; " + _AGAIN,
    "uq_incentives_campaign_id_key": (
        "Another command added the same incentive at the same moment; " + _AGAIN
    ),
    "uq_store_orders_store_name_platform_id": (
        "Another command stored the same store order at the same moment; " + _AGAIN
    ),
    "uq_order_codes_order_id_code_norm": (
        "Another command stored the same store order at the same moment; " + _AGAIN
    ),
    "uq_rejections_incentive_id_creator_id": (
        "Another command rejected the same incentive for the creator at the same moment; " + _AGAIN
    ),
    "uq_sync_cursors_store_name_kind": (
        "Another sync of the same store recorded its progress at the same moment; " + _AGAIN
    ),
    "uq_message_templates_campaign_id_name": (
        "Another command saved a template of the same name in the campaign at the same moment; "
        + _AGAIN
    ),
    "uq_outbox_template_id_creator_id_once_key": (
        "Another command queued the same message for the creator at the same moment (each "
        "creator gets a template's message once, or once per code for a code event); " + _AGAIN
    ),
    "uq_workflow_stages_campaign_id_key": (
        "Another command changed the campaign's stages at the same moment; " + _AGAIN
    ),
    "uq_portal_access_membership_id": (
        "Another command made the creator's first page link at the same moment; " + _AGAIN
    ),
    "uq_portal_access_portal_id": (
        "A new page link drew the random id of another creator's link; " + _AGAIN
    ),
    # Inserts skip a known delivery id (ON CONFLICT DO NOTHING); kept for completeness.
    "uq_webhook_inbox_platform_store_name_delivery_id": (
        "The store sent the same webhook delivery twice at the same moment; it is stored once, "
        "nothing else to do"
    ),
    "uq_code_leaks_code_id": (
        "Another worker recorded the same leaked code at the same moment; " + _AGAIN
    ),
    "uq_alert_marks_kind_subject": (
        "Another worker raised the same alert at the same moment; " + _AGAIN
    ),
    "uq_notify_cursors_url_key": (
        "Another worker started sending alerts to the same URL at the same moment; " + _AGAIN
    ),
}

#: The handle services pass around; only ``store`` looks inside it.
Tx = Session


@dataclass(frozen=True)
class DatabaseInfo:
    """Where the data lives, for messages (never includes a password)."""

    dialect: str
    location: str


class Database:
    """One engine plus a session factory; open transactions with :meth:`transaction`.

    Raises :class:`DatabaseUnavailable` for a URL that is not a database promosync can
    use (it does not connect yet; the first transaction does).
    """

    def __init__(
        self, url: str, *, echo: bool = False, retry: RetrySettings = DEFAULT_RETRY
    ) -> None:
        self.url = normalize_url(url)
        self._given_url = url  # as the user wrote it, for messages (redacted there)
        self.retry = retry
        self.engine = _create_engine(_checked_url(url, self.url), echo=echo)
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
        """A unit of work: commits on success, rolls back on any exception.

        A database error becomes a :class:`StoreError` (the body cannot be replayed here;
        :meth:`run` retries a unit of work that can be).
        """
        with self.mapped_errors(), self._sessions() as session, session.begin():
            yield session

    def run(self, work: Callable[[Tx], T]) -> T:
        """``work`` in a transaction, run again after a transient failure (:class:`RetrySettings`).

        ``work`` must do nothing but database work, since it may run more than once.
        Only transient errors (:func:`is_transient`) are retried, on tenacity; any other
        database error is mapped (:func:`map_error`) at once, and other exceptions pass
        through untouched. A connection lost while committing is not retried: the commit
        may have happened (:class:`CommitInterrupted`).
        """
        settings = self.retry
        started = settings.clock()
        committing = False

        def attempt() -> T:
            nonlocal committing
            committing = False
            with self._sessions() as session, session.begin():
                result = work(session)
                committing = True  # leaving the block commits
            return result

        def retryable(error: BaseException) -> bool:
            return (
                isinstance(error, exc.DBAPIError)
                and is_transient(error)
                and not (committing and error.connection_invalidated)
            )

        planned: dict[int, float | None] = {}  # attempt -> wait, or None to give up

        def plan(state: tenacity.RetryCallState) -> float | None:
            attempt = state.attempt_number
            if attempt not in planned:
                wait = settings.wait(attempt)
                over_budget = settings.clock() - started + wait > settings.max_total_seconds
                planned[attempt] = None if over_budget or attempt >= settings.max_attempts else wait
            return planned[attempt]

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.info(  # the run's log file; on stderr with -v
                "retrying a database transaction in %.2fs after attempt %d: %s",
                state.next_action.sleep if state.next_action else 0.0,
                state.attempt_number,
                describe(error) if isinstance(error, exc.DBAPIError) else type(error).__name__,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(retryable),
            stop=lambda state: plan(state) is None,
            wait=lambda state: plan(state) or 0.0,
            sleep=settings.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except exc.DBAPIError as error:
            if committing and error.connection_invalidated:
                raise CommitInterrupted() from None
            raise map_error(error, self._given_url) from None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection (schema work), with errors mapped like :meth:`transaction`."""
        with self.mapped_errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction (schema work), with errors mapped."""
        with self.mapped_errors(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def mapped_errors(self) -> Iterator[None]:
        """Turn any database exception raised inside into a :class:`StoreError`."""
        try:
            yield
        except exc.DBAPIError as error:
            raise map_error(error, self._given_url) from None

    def ping(self) -> None:
        """Raise :class:`StoreError` (e.g. ``DatabaseUnavailable``) unless the database answers."""
        with self.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (even when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):
        return re.sub(r"(//[^/@:]*:)[^/@]*@", rf"\g<1>{REDACTED}@", url)


def is_transient(error: exc.DBAPIError) -> bool:
    """Whether trying the same transaction again may succeed."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate in TRANSIENT_SQLSTATES or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
    return getattr(error.orig, "sqlite_errorcode", None) in SQLITE_BUSY_CODES


def describe(error: exc.DBAPIError) -> str:
    """The driver exception's class and SQLSTATE: safe to log (no SQL, no parameters)."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    return f"{type(error.orig).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")


def map_error(error: exc.DBAPIError, url: str) -> StoreError:
    """The :class:`StoreError` a database exception means (its text is never used)."""
    if error.statement is None and not error.connection_invalidated:
        return DatabaseUnavailable(
            url,
            "cannot be opened",
            _connect_fix(url),
        )
    if isinstance(error, exc.IntegrityError):
        return Conflict(_constraint_name(error))
    if is_transient(error):
        return DatabaseInterrupted(
            "connection lost" if error.connection_invalidated else describe(error)
        )
    log.error("database error %s; statement and parameters withheld", describe(error))
    return DatabaseFailure(type(error.orig).__name__, getattr(error.orig, "sqlstate", None))


def _connect_fix(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return (
            "check that the file's directory exists and is writable, and fix "
            f"{URL_SOURCES} if the path is wrong"
        )
    return (
        "check that PostgreSQL is running there, that the host, port, user, password and "
        f"database name are right in {URL_SOURCES}, and that the database exists "
        f"(createdb {parsed.database or 'NAME'})"
    )


def _constraint_name(error: exc.IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    # SQLite names the columns, not the constraint: "UNIQUE constraint failed: t.a, t.b".
    columns = str(error.orig).partition("constraint failed: ")[2].strip()
    return _unique_by_columns().get(columns)


@cache
def _unique_by_columns() -> dict[str, str]:
    """Unique constraint and index names by their columns as SQLite lists them."""
    from store.models import Base  # the models import this module

    found: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        uniques: list[UniqueConstraint | Index] = [
            c for c in table.constraints if isinstance(c, UniqueConstraint)
        ]
        uniques += [i for i in table.indexes if i.unique]
        for unique in uniques:
            if isinstance(unique.name, str):
                columns = ", ".join(f"{table.name}.{c.name}" for c in unique.columns)
                found[columns] = unique.name
    return found


def _checked_url(given: str, url: str) -> str:
    """``url``, or :class:`DatabaseUnavailable` naming ``given`` and the fix."""
    try:
        parsed: URL = make_url(url)
    except (exc.ArgumentError, ValueError):
        raise DatabaseUnavailable(
            given, "is not a database URL", f"give one like {URL_EXAMPLES} in {URL_SOURCES}"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DIALECTS:
        raise DatabaseUnavailable(
            given,
            f"is a {backend} database, which promosync does not support",
            f"use SQLite or PostgreSQL, e.g. {URL_EXAMPLES}",
        )
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        directory = Path(parsed.database).expanduser().parent
        if not directory.is_dir():
            raise DatabaseUnavailable(
                given,
                f"is in directory {directory}, which does not exist",
                f"create the directory or fix the path in {URL_SOURCES}",
            )
    return url


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
    # (stage moves); connections are recycled, and a connection the server has closed is
    # found without a round trip when it is checked out (_pg_on_checkout).
    engine = create_engine(url, echo=echo, pool_recycle=POOL_RECYCLE_SECONDS)
    event.listen(engine, "checkout", _pg_on_checkout)
    return engine


def _pg_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # An idle connection has nothing to read. If it has, the server sent its goodbye
    # (restart, AdminShutdown, pg_terminate_backend) or closed the socket: make the pool
    # replace the connection instead of failing the transaction about to use it.
    if dbapi_connection.closed or _readable(dbapi_connection.pgconn.socket):
        raise exc.DisconnectionError("the server closed the pooled connection")


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


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
