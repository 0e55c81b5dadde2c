"""``sync status``: per store, job and incentive, what ran, how it ended, how stale, who runs it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from integrations.ports import ShopError
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store import sync_runs
from store.db import Database
from store.models_sync import SyncRun
from sync.cli.main import main
from sync.shopsync import common, pull, runs, status, usage
from tests import builders
from tests.sync.shops import STORE, linked_campaign
from tests.sync.test_sync_runs import FailingUsage, released_target

REF = "summer/kit"


def _linked(db: Database, shop: SandboxShop, store: ShopifyShop) -> common.Target:
    wanted = builders.codes_named("ST", 4)
    shop.create_code_discount("Summer", codes=wanted)
    return linked_campaign(db, store, wanted[0])


def _by_job(found: tuple[status.JobStatus, ...]) -> dict[tuple[str, str | None], status.JobStatus]:
    return {(s.job, s.incentive): s for s in found}


def test_status_shows_last_success_and_failure_with_counts_and_staleness(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = released_target(db, shop, store)  # pulled 3 codes, one released
    error = ShopError("the shop said no\n  (twice)")
    with pytest.raises(ShopError):
        usage.refresh_usage(db, FailingUsage(store, error), target)  # type: ignore[arg-type]
    with db.transaction() as tx:
        pull_finished = tx.scalar(select(SyncRun.finished_at).where(SyncRun.kind == "pull"))
    assert pull_finished is not None

    found = status.job_status(db, now=pull_finished + timedelta(minutes=7))

    assert [(s.store, s.job, s.incentive) for s in found] == [
        (STORE, "pull", REF),
        (STORE, "usage", REF),
        (STORE, "orders", None),
        (STORE, "revoke", None),
    ]
    jobs = _by_job(found)
    pulled_status = jobs[("pull", REF)]
    assert pulled_status.last_success is not None and pulled_status.last_failure is None
    success = pulled_status.last_success
    assert (success.fetched, success.stored, success.skipped, success.quarantined) == (3, 3, 0, 0)
    assert pulled_status.stale_seconds == 7 * 60
    assert (pulled_status.running, pulled_status.worker) == (False, None)
    used = jobs[("usage", REF)]
    assert used.last_success is None and used.stale_seconds is None
    assert used.last_failure is not None
    assert used.last_failure.error == "the shop said no (twice)"
    assert jobs[("orders", None)].last_success is None  # never ran: listed, never succeeded


def test_a_running_job_shows_its_worker_and_is_left_running(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = _linked(db, shop, store)
    with runs.sync_run(db, STORE, "pull", target.id):
        found = _by_job(status.job_status(db, STORE))[("pull", REF)]
    assert found.running and found.worker == runs.owner_of_this_process()
    assert found.running_since is not None


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from store.db import Database
    from sync.shopsync.runs import sync_run
    db = Database(sys.argv[1])
    with sync_run(db, "main", "pull", int(sys.argv[2])):
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_run_whose_worker_died_is_shown_and_recorded_failed(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = _linked(db, shop, store)
    child = subprocess.run([sys.executable, "-c", CHILD, db.url, str(target.id)], check=False)
    assert child.returncode == -signal.SIGKILL
    # A row from another machine that still looks fresh: nobody holds its job's lock.
    with db.transaction() as tx:
        remote = sync_runs.begin_run(tx, STORE, "usage", target.id, owner="elsewhere:1")

    jobs = _by_job(status.job_status(db))

    for kind in ("pull", "usage"):
        job = jobs[(kind, REF)]
        assert not job.running
        assert job.last_failure is not None and job.last_failure.error == runs.PROCESS_DIED
    with db.transaction() as tx:
        statuses = set(tx.scalars(select(SyncRun.status)))
        assert tx.scalar(select(SyncRun.status).where(SyncRun.id == remote)) == "failed"
    assert statuses == {"failed"}


def test_cli_sync_status_as_table_and_json(
    db: Database,
    shop: SandboxShop,
    store: ShopifyShop,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = _linked(db, shop, store)
    pull.pull(db, store, target)
    config = tmp_path / "promosync.toml"
    config.write_text(
        f'[stores.{STORE}]\nplatform = "shopify"\nshop = "{shop.domain}"\naccess_token = "x"\n'
    )
    base = ["--config", str(config), "--db", db.url, "sync", "status"]

    assert main(base) == 0
    table = capsys.readouterr().out
    assert main([*base, "--json", "--store", STORE]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main([*base, "--store", "nope"]) == 2
    refused = capsys.readouterr().err

    pull_line = next(line for line in table.splitlines() if " pull " in line)
    assert REF in pull_line and "never" not in pull_line
    assert [(d["job"], d["incentive"]) for d in data] == [
        ("pull", REF),
        ("usage", REF),
        ("orders", None),
        ("revoke", None),
    ]
    assert data[0]["last_success"]["fetched"] == 4 and data[0]["running"] is False
    assert "nope" in refused
