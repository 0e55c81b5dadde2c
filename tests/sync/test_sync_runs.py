"""Every sync job records its run, ends it ok or failed, and a dead run is marked failed (#10)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select

from integrations.ports import CodeSource, Shop, ShopError, UsageObservation
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store import sync_runs
from store.db import Database
from store.models import utcnow
from store.models_sync import SyncRun
from sync import moves
from sync.shopsync import common, generate, jobs, orders, pull, revoke, runs, usage
from tests import builders
from tests.sync.shops import STORE, linked_campaign


def run_rows(db: Database) -> list[tuple[str, str, str | None]]:
    """(kind, status, error) of every run, oldest first."""
    with db.transaction() as tx:
        rows = tx.execute(select(SyncRun.kind, SyncRun.status, SyncRun.error).order_by(SyncRun.id))
        return [(k, s, e) for k, s, e in rows]


class FailingUsage:
    """A shop whose usage lookup fails with ``error``; everything else is the real shop."""

    def __init__(self, inner: Shop, error: Exception) -> None:
        self._inner, self._error = inner, error

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def usage(self, source: CodeSource, codes: Sequence[str]) -> Iterator[UsageObservation]:
        raise self._error


def released_target(db: Database, shop: SandboxShop, store: ShopifyShop) -> common.Target:
    wanted = builders.codes_named("RUN", 3)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0], on_drop={"kit": "disable"})
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    moves.move(db, "summer", handle, "pre_payment")
    moves.move(db, "summer", handle, "dropped")
    return target


def test_every_job_records_a_finished_run(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = released_target(db, shop, store)

    usage.refresh_usage(db, store, target)
    orders.pull_orders(db, store, STORE)
    revoke.revoke_dropped(db, store, STORE)
    generate.generate(db, store, target, 2)

    kinds = [(kind, status) for kind, status, _ in run_rows(db)]
    # generate's own pull runs inside it: its row comes right after generate's
    assert kinds == [
        ("pull", "ok"),
        ("usage", "ok"),
        ("orders", "ok"),
        ("revoke", "ok"),
        ("generate", "ok"),
        ("pull", "ok"),
    ]
    with db.transaction() as tx:
        revoked = tx.scalars(select(SyncRun).where(SyncRun.kind == "revoke")).one()
        assert (revoked.fetched, revoked.finished_at is not None) == (1, True)


def test_a_failed_usage_sync_is_recorded_failed_without_foreign_text(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = released_target(db, shop, store)

    with pytest.raises(ShopError):
        usage.refresh_usage(db, FailingUsage(store, ShopError("the shop said no")), target)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        leaky = RuntimeError("INSERT ... parameters ('RUN000001',)")
        usage.refresh_usage(db, FailingUsage(store, leaky), target)  # type: ignore[arg-type]

    assert run_rows(db)[-2:] == [
        ("usage", "failed", "the shop said no"),
        ("usage", "failed", "unexpected RuntimeError"),
    ]


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from store.db import Database
    from sync.shopsync.runs import sync_run
    db = Database(sys.argv[1])
    with sync_run(db, "main", "usage", int(sys.argv[2])):
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_run_whose_process_was_killed_is_marked_failed_by_the_next_run(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = released_target(db, shop, store)
    child = subprocess.run([sys.executable, "-c", CHILD, db.url, str(target.id)], check=False)
    assert child.returncode == -signal.SIGKILL
    assert run_rows(db)[-1] == ("usage", "running", None)

    usage.refresh_usage(db, store, target)

    assert run_rows(db)[-2:] == [
        ("usage", "failed", runs.PROCESS_DIED),
        ("usage", "ok", None),
    ]


def test_runs_of_the_same_job_left_running_without_its_lock_are_marked_failed(
    db: Database,
) -> None:
    # Holding the job's lock proves that no other process runs it, whatever the rows say
    # (a live run holds the lock); other jobs' rows are not this run's business.
    builders.campaign(db, pools={"kit": 0}, active=False)
    now = utcnow()
    with db.transaction() as tx:
        mine = sync_runs.begin_run(tx, STORE, "orders", owner=runs.owner_of_this_process())
        remote_fresh = sync_runs.begin_run(tx, STORE, "orders", owner="elsewhere:1")
        other_job = sync_runs.begin_run(tx, STORE, "usage", owner="elsewhere:3")
        tx.execute(
            SyncRun.__table__.update()  # type: ignore[attr-defined]
            .where(SyncRun.id == other_job)
            .values(heartbeat_at=now - timedelta(hours=1))
        )

    with runs.sync_run(db, STORE, "orders"):
        pass

    with db.transaction() as tx:
        status = {i: st for i, st in tx.execute(select(SyncRun.id, SyncRun.status))}
    assert status[mine] == status[remote_fresh] == "failed"
    assert status[other_job] == "running"


def test_sync_pull_service_revokes_first_then_pulls(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = released_target(db, shop, store)

    result = jobs.sync_pull(db, store, STORE)

    assert (result.revoked, [p.incentive for p in result.pulls]) == (1, [target.ref])
    assert [kind for kind, _, _ in run_rows(db)][-2:] == ["revoke", "pull"]


def test_a_run_that_finished_meanwhile_is_not_marked_dead(db: Database) -> None:
    """The reaper reads running rows, then fails them: one that ended in between stays ok."""
    with db.transaction() as tx:
        finished = sync_runs.begin_run(tx, STORE, "pull", None, owner="elsewhere:1")
        running = sync_runs.begin_run(tx, STORE, "usage", None, owner="elsewhere:2")
    with db.transaction() as tx:
        sync_runs.finish_run(tx, finished, "ok", None)
    with db.transaction() as tx:
        marked = sync_runs.fail_runs(tx, [finished, running], runs.PROCESS_DIED)
    with db.transaction() as tx:
        statuses = dict(tx.execute(select(SyncRun.id, SyncRun.status)).all())
    assert marked == 1
    assert statuses == {finished: "ok", running: "failed"}
