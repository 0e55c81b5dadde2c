"""A WooCommerce pull killed with SIGKILL half-way, then rerun, ends like an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from integrations.sandbox.woocommerce import Fault, FaultConfig, SandboxWooShop, serve
from store.db import Database
from sync.shopsync import common, pull
from tests.integrations.woocommerce.local import STORE, connect, connect_to, linked_campaign, seed
from tests.sync.test_pull_crash import CHILD_DEADLINE_SECONDS, POLL_SECONDS, pooled_count

CODES = 1_500


def test_a_woocommerce_pull_killed_half_way_and_rerun_ends_in_the_same_state(
    db: Database, tmp_path: Path
) -> None:
    shop = SandboxWooShop()
    seed(shop, CODES)
    # Every page answers slowly, so the child is surely mid-pull when it is killed.
    slow_pages = FaultConfig(
        rates={Fault.SLOW: 1.0}, slow_seconds=0.1, operations=frozenset({"coupons.list"})
    )
    with connect(shop) as store:
        linked_campaign(db, store)
    with serve(shop, faults=slow_pages) as server:
        config = tmp_path / "promosync.toml"
        config.write_text(
            f'[stores.{STORE}]\nplatform = "woocommerce"\nurl = "{server.base_url}"\n'
            'consumer_key = "${WC_KEY}"\nconsumer_secret = "${WC_SECRET}"\n'
        )
        command = [sys.executable, "-m", "sync.cli.main", "--config", str(config), "--db", db.url]
        child = subprocess.Popen(
            [*command, "sync", "pull", "summer/kit"],
            env={**os.environ, "WC_KEY": server.consumer_key, "WC_SECRET": server.consumer_secret},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + CHILD_DEADLINE_SECONDS
        while pooled_count(db)[0] == 0 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        child.send_signal(signal.SIGKILL)
        child.wait()
        partial, _ = pooled_count(db)
        assert 0 < partial < CODES, f"child was not killed mid-pull ({partial} codes pooled)"

        with connect_to(server) as store:
            (target,) = common.targets(db, STORE, "summer/kit")
            result = pull.pull(db, store, target)

    assert result.fetched == CODES and result.quarantined == 0
    assert pooled_count(db) == (CODES, CODES)
