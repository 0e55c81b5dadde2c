"""A pull killed with SIGKILL half-way, then run again, ends exactly like an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from integrations.sandbox.shopify import BucketConfig, Fault, FaultConfig, SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Code
from sync.shopsync import common, pull
from tests import builders
from tests.sync.shops import STORE, linked_campaign

CODES = 3_000
POLL_SECONDS = 0.02  # how often the test looks at the database while the child pulls
CHILD_DEADLINE_SECONDS = 60


def pooled_count(db: Database) -> tuple[int, int]:
    """(codes, distinct code_norm) in the pool."""
    with db.transaction() as tx:
        row = tx.execute(select(func.count(), func.count(Code.code_norm.distinct()))).one()
    return int(row[0]), int(row[1])


def start_child_pull(config: Path, db_url: str, token: str) -> subprocess.Popen[bytes]:
    """``promosync sync pull`` in its own process, as an operator would run it."""
    command = [sys.executable, "-m", "sync.cli.main", "--config", str(config), "--db", db_url]
    return subprocess.Popen(
        [*command, "sync", "pull", "summer/kit"],
        env={**os.environ, "SANDBOX_TOKEN": token},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_pull_killed_half_way_and_rerun_ends_in_the_same_state(
    db: Database, tmp_path: Path
) -> None:
    wanted = builders.codes_named("KILL", CODES)
    # Every page answers slowly, so the child is surely mid-pull when it is killed.
    slow_pages = FaultConfig(
        rates={Fault.SLOW: 1.0}, slow_seconds=0.1, operations=frozenset({"DiscountRedeemCodesPage"})
    )
    # Throttling is tested elsewhere; here it would only make the test wait for the bucket.
    with SandboxShop(bucket=BucketConfig(enabled=False)) as shop:
        shop.create_code_discount("Summer", codes=wanted)
        with serve(shop, faults=slow_pages) as server:
            with ShopifyShop.connect(
                shop=shop.domain,
                access_token=server.access_token,
                admin_api_url=server.admin_api_url,
            ) as store:
                linked_campaign(db, store, wanted[0])
            config = tmp_path / "promosync.toml"
            config.write_text(
                f'[stores.{STORE}]\nplatform = "shopify"\nshop = "{shop.domain}"\n'
                f'access_token = "${{SANDBOX_TOKEN}}"\nadmin_api_url = "{server.admin_api_url}"\n'
            )
            child = start_child_pull(config, db.url, server.access_token)
            deadline = time.monotonic() + CHILD_DEADLINE_SECONDS
            while pooled_count(db)[0] == 0 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
            child.send_signal(signal.SIGKILL)
            child.wait()
        partial, _ = pooled_count(db)
        assert 0 < partial < CODES, f"child was not killed mid-pull ({partial} codes pooled)"

        with (
            serve(shop) as server,
            ShopifyShop.connect(
                shop=shop.domain,
                access_token=server.access_token,
                admin_api_url=server.admin_api_url,
            ) as store,
        ):
            (target,) = common.targets(db, STORE, "summer/kit")
            result = pull.pull(db, store, target)

    assert result.fetched == CODES and result.quarantined == 0
    assert pooled_count(db) == (CODES, CODES)
