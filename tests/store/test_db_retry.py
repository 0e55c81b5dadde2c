"""Transient database failures are retried at transaction boundaries (:meth:`Database.run`).

A move whose first attempt dies (its connection killed by the server, a deadlock, a
serialization failure, SQLite busy) is run again from the start and assigns exactly one code;
other errors are never retried; retries stop after ``[retry] database_attempts`` with one
sentence. Faults are injected where the move claims its code, so the first attempt has
already locked the creator and written nothing that survives.
"""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, exc, func, select, text

from integrations.sandbox.shopify import SandboxShop
from store.db import (
    CommitInterrupted,
    Database,
    DatabaseFailure,
    DatabaseInterrupted,
    RetrySettings,
    Tx,
)
from store.models import Assignment, Code
from sync import codes, moves
from sync.cli.main import main
from sync.shopsync import pull
from tests import builders
from tests.support.backends import terminate
from tests.sync.test_shop_sync import connect, linked_campaign

NO_SLEEP = RetrySettings(sleep=lambda _: None)
CLAIM = "UPDATE codes"  # the statement of a move that claims a code


def _deadlock(_connection: Any) -> BaseException:
    return psycopg.errors.DeadlockDetected()


def _serialization_failure(_connection: Any) -> BaseException:
    return psycopg.errors.SerializationFailure()


def _killed(connection: Any) -> None:
    terminate(connection.connection.dbapi_connection.info.backend_pid)  # a real lost connection


def _sqlite_busy(_connection: Any) -> BaseException:
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]
    return busy


Fault = Callable[[Any], BaseException | None]
FAULTS: dict[str, dict[str, Fault]] = {
    "postgresql": {
        "deadlock": _deadlock,
        "serialization failure": _serialization_failure,
        "connection killed": _killed,
    },
    "sqlite": {"database busy": _sqlite_busy},
}


@contextmanager
def failing(
    db: Database, fault: Fault, *, times: int = 1, marker: str = CLAIM
) -> Iterator[list[str]]:
    """The first ``times`` statements containing ``marker`` hit ``fault``; yields those seen."""
    seen: list[str] = []

    def before(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if marker in statement:
            seen.append(statement)
            if len(seen) <= times:
                error = fault(connection)
                if error is not None:
                    raise error

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def retrying(db_url: str) -> Iterator[Database]:
    database = Database(db_url, retry=NO_SLEEP)
    yield database
    database.dispose()


def _held(db: Database) -> tuple[int, int]:
    with db.transaction() as tx:
        assignments = tx.scalar(select(func.count()).select_from(Assignment))
        assigned = tx.scalar(select(func.count()).where(Code.status == "assigned"))
        return int(assignments or 0), int(assigned or 0)


def _faults(db: Database) -> list[tuple[str, Fault]]:
    return list(FAULTS[db.dialect].items())


def test_a_move_whose_first_attempt_fails_transiently_is_retried_and_assigns_one_code(
    retrying: Database, caplog: pytest.LogCaptureFixture
) -> None:
    builders.campaign(retrying, pools={"kit": 5})
    handles = builders.add_creators(retrying, "summer", len(_faults(retrying)))
    caplog.set_level(logging.INFO, logger="store.db")

    for handle, (name, fault) in zip(handles, _faults(retrying), strict=True):
        with failing(retrying, fault) as claims:
            outcome = moves.move(retrying, "summer", handle, "pre_payment")

        assert outcome.result == moves.MOVED, name
        assert len(outcome.released) == 1, name
        assert len(claims) == 2, f"{name}: the move was not run again"

    assert _held(retrying) == (len(handles), len(handles))  # exactly one code each
    retries = [r for r in caplog.records if "retrying a database transaction" in r.getMessage()]
    assert len(retries) == len(handles)
    for record in retries:  # what failed, never the statement or its parameters
        assert "UPDATE" not in record.getMessage() and "SUMMER-KIT-" not in record.getMessage()
    assert "SUMMER-KIT-" not in caplog.text


def test_each_creator_of_a_bulk_move_is_retried_on_its_own(retrying: Database) -> None:
    builders.campaign(retrying, pools={"kit": 5})
    handles = builders.add_creators(retrying, "summer", 3)
    (_, fault), *_ = _faults(retrying)

    with failing(retrying, fault, times=2) as claims:  # the first two creators' first attempts
        report = moves.move_many(retrying, "summer", handles, "pre_payment")

    assert [o.result for o in report.outcomes] == [moves.MOVED] * 3
    assert len(claims) == 5
    assert _held(retrying) == (3, 3)


def test_a_domain_refusal_is_not_retried(
    retrying: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.campaign(retrying, pools={"kit": 0})
    (handle,) = builders.add_creators(retrying, "summer", 1)
    attempts: list[str] = []
    move_in = moves._move_in

    def counted(db: Database, tx: Tx, *args: str) -> moves.MoveOutcome:
        attempts.append(args[1])
        return move_in(db, tx, *args)

    monkeypatch.setattr(moves, "_move_in", counted)

    with pytest.raises(moves.OutOfCodes):
        moves.move(retrying, "summer", handle, "pre_payment")

    assert attempts == [handle]
    assert _held(retrying) == (0, 0)


def test_a_non_transient_database_error_is_not_retried(retrying: Database) -> None:
    attempts: list[int] = []

    def work(tx: Tx) -> None:
        attempts.append(1)
        tx.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DatabaseFailure):
        retrying.run(work)
    assert len(attempts) == 1


def test_other_exceptions_pass_through_unretried(retrying: Database) -> None:
    attempts: list[int] = []

    def work(_tx: Tx) -> None:
        attempts.append(1)
        raise KeyError("not a database error")

    with pytest.raises(KeyError):
        retrying.run(work)
    assert len(attempts) == 1


def test_retries_stop_after_the_attempts_with_one_sentence(db_url: str) -> None:
    db = Database(db_url, retry=RetrySettings(max_attempts=3, sleep=lambda _: None))
    builders.campaign(db, pools={"kit": 5})
    (handle,) = builders.add_creators(db, "summer", 1)
    (_, fault), *_ = _faults(db)

    with failing(db, fault, times=100) as claims, pytest.raises(DatabaseInterrupted) as stopped:
        moves.move(db, "summer", handle, "pre_payment")

    assert len(claims) == 3
    message = str(stopped.value)
    assert message.count(". ") == 0 and "\n" not in message
    assert "nothing of it was saved: run the command again" in message
    assert "UPDATE" not in message and "SUMMER-KIT-" not in message
    assert _held(db) == (0, 0)
    db.dispose()


def test_no_wait_is_started_that_would_end_past_the_time_budget(db_url: str) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    settings = RetrySettings(
        max_attempts=100,
        max_total_seconds=10.0,
        base_backoff=1.0,
        max_backoff=4.0,
        sleep=sleep,
        clock=lambda: now[0],
        rand=lambda: 0.0,
    )
    db = Database(db_url, retry=settings)
    (_, fault), *_ = _faults(db)

    with failing(db, fault, times=100, marker="SELECT 7"), pytest.raises(DatabaseInterrupted):
        db.run(lambda tx: tx.scalar(text("SELECT 7")))

    assert slept == [1.0, 2.0, 4.0]  # a fourth wait (4 s) would end at 11 s > 10 s
    db.dispose()


def test_a_connection_lost_while_committing_is_not_replayed(pg_url: str) -> None:
    db = Database(pg_url, retry=NO_SLEEP)
    attempts: list[int] = []

    def work(tx: Tx) -> int:
        attempts.append(1)
        pid = int(tx.scalar(text("SELECT pg_backend_pid()")))
        event.listen(tx, "before_commit", lambda _session: terminate(pid))
        return pid

    with pytest.raises(CommitInterrupted) as lost:
        db.run(work)

    assert len(attempts) == 1  # the commit may have happened: never run twice
    assert "may or may not have been saved" in str(lost.value)
    db.dispose()


def test_the_configured_attempts_reach_the_cli(
    tmp_path: Path,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup = Database(db_url)
    builders.campaign(setup, pools={"kit": 5})
    (handle,) = builders.add_creators(setup, "summer", 1)
    setup.dispose()
    config = tmp_path / "promosync.toml"
    config.write_text(f'database_url = "{db_url}"\n[retry]\ndatabase_attempts = 2\n')
    monkeypatch.delenv("PROMOSYNC_DB", raising=False)
    attempts: list[int] = []
    fault = _sqlite_busy if db_url.startswith("sqlite") else _deadlock

    def always_transient(*_: Any) -> None:
        attempts.append(1)
        raise exc.OperationalError("UPDATE codes", None, fault(None))

    monkeypatch.setattr(moves, "_move_in", always_transient)

    status = main(
        ["--config", str(config), "creators", "move", "summer", handle, "--to", "pre_payment"]
    )

    out, err = capsys.readouterr()
    assert len(attempts) == 2
    assert status == 1
    assert err.count("\n") == 1 and "run the command again" in err


class _Pipe(io.StringIO):
    """Input that can be read only once, like stdin from a pipe."""

    def seekable(self) -> bool:
        return False


FILL = "INSERT INTO codes"  # the statement of an upload that fills the pool


def _pool_total(db: Database) -> int:
    with db.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(Code)) or 0)


def test_an_upload_that_can_be_read_again_is_retried(retrying: Database) -> None:
    builders.campaign(retrying, pools={"kit": 0}, active=False)
    values = builders.codes_named("RETRY-", 7)
    (_, fault), *_ = _faults(retrying)

    with failing(retrying, fault, marker=FILL) as fills:
        result = codes.upload(retrying, "summer/kit", io.StringIO("\n".join(values)))

    assert len(fills) == 2
    assert (result.stored, result.available, result.skipped) == (7, 7, [])
    assert _pool_total(retrying) == 7


def test_an_upload_read_from_a_pipe_is_not_replayed(retrying: Database) -> None:
    builders.campaign(retrying, pools={"kit": 0}, active=False)
    values = builders.codes_named("PIPED-", 7)
    (_, fault), *_ = _faults(retrying)

    with (
        failing(retrying, fault, marker=FILL) as fills,
        pytest.raises(DatabaseInterrupted, match="run the command again"),
    ):
        codes.upload(retrying, "summer/kit", _Pipe("\n".join(values)))

    assert len(fills) == 1  # a replay would read an exhausted input and store nothing
    assert _pool_total(retrying) == 0


def test_a_pull_page_whose_write_fails_transiently_is_written_on_retry(
    retrying: Database,
) -> None:
    wanted = builders.codes_named("PAGE", 600)  # several pages
    with SandboxShop() as sandbox:
        sandbox.create_code_discount("Summer", codes=wanted)
        for store in connect(sandbox):
            target = linked_campaign(retrying, store, wanted[0])
            (_, fault), *_ = _faults(retrying)
            with failing(retrying, fault, marker=FILL) as fills:
                result = pull.pull(retrying, store, target)

    assert (result.expected, result.fetched, result.new) == (600, 600, 600)
    assert len(fills) > 2  # the first page's write ran twice, then the other pages
    assert _pool_total(retrying) == 600


@pytest.mark.parametrize("value", ["0", '"5"', "2.5", "true"])
def test_a_bad_database_attempts_setting_is_refused_naming_the_key(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "promosync.toml"
    config.write_text(f"[retry]\ndatabase_attempts = {value}\n")

    status = main(["--config", str(config), "campaigns", "list"])

    _, err = capsys.readouterr()
    assert status == 2
    assert err.count("\n") == 1 and "retry.database_attempts" in err
