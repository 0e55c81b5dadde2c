"""Database failures reach a user as one sentence without driver text, and transient ones heal.

- a bad database URL names the URL (password redacted) and the fix, exit status 2;
- a constraint violation means something (one discount feeds one incentive);
- anything unmapped is a generic error without SQL or parameters, in the message and the log;
- a pooled PostgreSQL connection killed by the server is replaced; :meth:`Database.run`
  re-runs a unit of work whose connection died under it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Index, UniqueConstraint, select, text, update

from store.db import (
    CONSTRAINT_MEANINGS,
    Conflict,
    Database,
    DatabaseFailure,
    DatabaseInterrupted,
    DatabaseUnavailable,
    RetrySettings,
    Tx,
)
from store.models import ONE_INCENTIVE_PER_DISCOUNT, Base, Incentive
from sync.cli.main import main
from sync.config import Config
from tests import builders
from tests.support.backends import terminate as _terminate

PASSWORD = "hunter2-secret"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test", "cannot be opened"),  # wrong port
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/no_such_db_x", "createdb"),
        ("garbage", "is not a database URL"),
        (f"mysql://root:{PASSWORD}@localhost/shop", "does not support"),
        ("sqlite:///{tmp}/missing/dir/promosync.db", "does not exist"),
    ],
)
def test_bad_database_url_is_one_sentence_with_the_fix_and_exit_2(
    url: str,
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)
    url = url.format(tmp=tmp_path)

    status = main(["--db", url, "campaigns", "list"])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: Database ")
    assert says in err
    assert PASSWORD not in err
    assert ("***" in err) == (PASSWORD in url)
    assert "--db" in err or "SQLite or PostgreSQL" in err  # the way out


def test_config_repr_hides_the_database_password() -> None:
    config = Config(database_url=f"postgresql://promo:{PASSWORD}@db.internal/promosync")
    for shown in (repr(config), str(config)):
        assert PASSWORD not in shown
        assert "postgresql://promo:***@db.internal/promosync" in shown


def test_a_discount_cannot_feed_two_incentives(db: Database) -> None:
    builders.campaign(db, pools={"kit": 0, "gift": 0}, active=False)

    with pytest.raises(Conflict) as refused, db.transaction() as tx:
        tx.execute(update(Incentive).values(store_name="shop", source_id="gid://Discount/7"))

    assert refused.value.constraint == ONE_INCENTIVE_PER_DISCOUNT
    assert "one discount serves one incentive" in str(refused.value)
    with db.transaction() as tx:
        assert tx.scalars(select(Incentive.source_id)).all() == [None, None]


def test_every_unique_rule_of_the_schema_has_a_meaning_for_users() -> None:
    import store.models_portal  # noqa: F401  (the creator page table's rules too)
    import store.models_sync  # noqa: F401  (the sync tables' rules too)

    named = {
        str(rule.name)
        for table in Base.metadata.tables.values()
        for rule in [*table.constraints, *table.indexes]
        if isinstance(rule, UniqueConstraint) or (isinstance(rule, Index) and rule.unique)
    }
    assert named == set(CONSTRAINT_MEANINGS)


def test_unmapped_database_error_shows_and_logs_no_sql_or_parameters(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DatabaseFailure) as failed, db.transaction() as tx:
        tx.execute(text("SELECT * FROM no_such_table WHERE code = :c"), {"c": "SECRET-CODE-1"})

    shown = str(failed.value) + caplog.text
    assert "SECRET-CODE-1" not in shown
    assert "no_such_table" not in shown
    assert "nothing was saved" in str(failed.value)


# --- transient failures (PostgreSQL: a server can drop a connection; SQLite has none) -----


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url, retry=RetrySettings(sleep=lambda _: None))
    yield db
    db.dispose()


def _backend_pid(tx: Tx) -> int:
    return int(tx.scalar(text("SELECT pg_backend_pid()")))


def test_a_pooled_connection_the_server_killed_is_replaced(pg: Database) -> None:
    with pg.transaction() as tx:
        first = _backend_pid(tx)
    _terminate(first)  # e.g. a PostgreSQL restart (AdminShutdown) while the pool sat idle

    with pg.transaction() as tx:
        assert _backend_pid(tx) != first


def test_run_retries_a_unit_of_work_whose_connection_died(pg: Database) -> None:
    attempts: list[int] = []

    def work(tx: Tx) -> int:
        pid = _backend_pid(tx)
        attempts.append(pid)
        if len(attempts) == 1:
            _terminate(pid)
        return int(tx.scalar(text("SELECT 42")))

    assert pg.run(work) == 42
    assert len(attempts) == 2


def test_connection_lost_mid_transaction_is_interrupted_not_driver_text(pg: Database) -> None:
    with pytest.raises(DatabaseInterrupted) as interrupted, pg.transaction() as tx:
        _terminate(_backend_pid(tx))
        tx.execute(text("SELECT :secret"), {"secret": "SECRET-CODE-2"})

    assert "run the command again" in str(interrupted.value)
    assert "SECRET-CODE-2" not in str(interrupted.value)
    with pg.transaction() as tx:  # and the next one works
        assert tx.scalar(text("SELECT 1")) == 1


def test_bad_url_is_refused_before_connecting(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        Database(f"sqlite:///{tmp_path}/nowhere/x.db")
