"""A move that waited for a creator's lock decides on what was committed during the wait.

PostgreSQL only: on SQLite a transaction takes the database's write lock when it
begins, so a move cannot start reading while another transaction holds the lock.
One transaction holds the membership lock and changes what the creator holds; a
move of the same creator starts in a thread and queues on the lock (seen in
``pg_stat_activity``, not guessed with a sleep); then the first transaction commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from store import catalog, moving
from store.db import Database, Tx
from store.models import utcnow
from sync import codes, creators, lookup, moves
from tests import builders

LOCK_WAIT_TIMEOUT_S = 30
POLL_INTERVAL_S = 0.01

_WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@pytest.fixture
def pg(db: Database) -> Iterator[Database]:
    if db.dialect != "postgresql":
        pytest.skip("SQLite transactions are exclusive from BEGIN: nothing can wait mid-move")
    yield db


def _wait_until_someone_waits_for_a_lock(db: Database) -> None:
    deadline = time.monotonic() + LOCK_WAIT_TIMEOUT_S
    with db.engine.connect() as connection:
        while not connection.execute(_WAITING_ON_A_LOCK).scalar():
            assert time.monotonic() < deadline, "the move never queued on the lock"
            connection.rollback()  # a fresh snapshot of pg_stat_activity
            time.sleep(POLL_INTERVAL_S)


def _move_while_locked(
    db: Database, handle: str, target: str, change: Callable[[Tx], None]
) -> moves.MoveOutcome:
    """Hold ``handle``'s lock, start a move of them, let it queue, apply ``change``, commit."""
    outcome: list[moves.MoveOutcome | BaseException] = []

    def mover() -> None:
        try:
            outcome.append(moves.move(db, "summer", handle, target))
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            outcome.append(error)

    thread = threading.Thread(target=mover)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, "summer")
        lookup.member(tx, campaign, handle, lock=True)
        change(tx)
        thread.start()
        _wait_until_someone_waits_for_a_lock(db)
    thread.join(LOCK_WAIT_TIMEOUT_S)
    assert not thread.is_alive()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def test_a_move_waiting_for_the_lock_sees_a_rejection_committed_meanwhile(pg: Database) -> None:
    builders.campaign(pg, pools={"kit": 2})
    (ann,) = builders.add_creators(pg, "summer", 1)

    def reject(tx: Tx) -> None:
        campaign = lookup.campaign(tx, "summer")
        creator = lookup.member(tx, campaign, ann).creator
        catalog.reject(tx, lookup.incentive(tx, campaign, "kit"), creator, "test")

    outcome = _move_while_locked(pg, ann, "pre_payment", reject)

    assert (outcome.result, outcome.released) == (moves.MOVED, ())
    assert codes.status(pg, "summer/kit").counts.assigned == 0
    assert creators.view(pg, "summer", ann).incentives[0].status == "rejected"


def test_a_move_waiting_for_the_lock_sees_a_code_released_meanwhile(pg: Database) -> None:
    builders.campaign(pg, pools={"kit": 2})
    (ann,) = builders.add_creators(pg, "summer", 1)

    def release(tx: Tx) -> None:
        campaign = lookup.campaign(tx, "summer")
        member = lookup.member(tx, campaign, ann)
        incentive = lookup.incentive(tx, campaign, "kit")
        assert (
            moving.claim(tx, incentive.id, member.creator.id, "pre_payment", utcnow()) is not None
        )

    outcome = _move_while_locked(pg, ann, "pre_payment", release)

    assert (outcome.result, outcome.released) == (moves.MOVED, ())
    assert codes.status(pg, "summer/kit").counts.assigned == 1
