"""``promosync run`` on each database: picks up the merchant's new codes by itself, stops
cleanly on SIGTERM in the middle of a pull, and refuses a second worker on SQLite."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests import builders
from tests.worker.conftest import (
    DEADLINE,
    merchant,
    pool,
    runs,
    stop,
    wait_for,
    worker,
    write_config,
)

PULL_EVERY = 1.0  # seconds


def test_codes_added_in_the_shop_admin_become_assignable_within_one_pull_interval(
    worker_db_url: str, tmp_path: Path
) -> None:
    with merchant(worker_db_url, codes=40) as shop:
        config = write_config(tmp_path, worker_db_url, shop.server, pull_every=f"{PULL_EVERY}s")
        with worker(config, shop.server) as child:
            wait_for("the first pull", lambda: len(pool(worker_db_url)) == 40)
            before = len(runs(worker_db_url))
            added = builders.codes_named("ADDED-", 7)
            shop.shop.add_codes(shop.discount_id, added)  # the merchant, in the admin
            wait_for(
                "the new codes in the pool",
                lambda: all(pool(worker_db_url).get(c) == "available" for c in added),
            )
            after = runs(worker_db_url)
            health = httpx.get(f"{child.base_url}/healthz").json()
            page = httpx.get(f"{child.base_url}/metrics").text
            status, _, err = stop(child)
    # Picked up by the next scheduled pull or the one after it (one may have been under way).
    assert len(after) - before <= 2
    assert status == 0, err
    assert set(pool(worker_db_url)) == shop.codes()
    assert "pull store=main incentive=summer/kit ok in" in err
    assert health["status"] == "ok" and health["stores"]["main"]["stale"] is False
    assert health["stores"]["main"]["last_sync_age_seconds"] < 3 * PULL_EVERY
    assert 'promosync_job_runs_total{job="pull",outcome="ok",store="main"}' in page
    assert (
        'promosync_pool_codes{incentive="summer/kit",status="available",store="main"} 47.0' in page
    )


def test_sigterm_during_a_page_exits_0_within_10_s_with_every_page_whole(
    worker_db_url: str, tmp_path: Path
) -> None:
    with merchant(worker_db_url, codes=2_500, slow_page_seconds=0.4) as shop:
        config = write_config(tmp_path, worker_db_url, shop.server, pull_every="1h")
        with worker(config, shop.server) as child:
            wait_for(
                "a pull with a page stored",
                lambda: any(r.status == "running" and r.fetched for r in runs(worker_db_url)),
            )
            status, took, err = stop(child, signal.SIGTERM)
    assert status == 0, err
    assert took < 10.0
    (run,) = runs(worker_db_url)
    pooled = pool(worker_db_url)
    assert run.status == "failed" and "stopped" in (run.error or "")
    assert 0 < len(pooled) < 2_500
    assert len(pooled) % 250 == 0  # pages of 250 codes: each committed whole or not at all
    assert set(pooled.values()) == {"available"}  # nothing quarantined by a half pull
    assert "Traceback" not in err


def test_a_second_worker_on_one_sqlite_file_exits_2_naming_postgresql(tmp_path: Path) -> None:
    from tests.worker.conftest import TOKEN_ENV

    db_url = f"sqlite:///{tmp_path / 'promosync.db'}"
    subprocess.run(
        [sys.executable, "-m", "sync.cli.main", "--db", db_url, "db", "upgrade"], check=True
    )
    with merchant(db_url, codes=3) as shop:
        config = write_config(tmp_path, db_url, shop.server, pull_every="1h")
        with worker(config, shop.server):
            second = subprocess.run(
                [sys.executable, "-m", "sync.cli.main", "--config", str(config), "run"],
                env={**_env(), TOKEN_ENV: shop.server.access_token},
                capture_output=True,
                text=True,
                timeout=DEADLINE,
            )
    assert second.returncode == 2
    assert "SQLite runs one worker" in second.stderr
    assert "PostgreSQL" in second.stderr
    assert "Traceback" not in second.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PROMOSYNC_DB"}


def test_a_cli_pull_overlapping_a_worker_pull_is_refused_naming_the_worker(
    worker_db_url: str, tmp_path: Path
) -> None:
    from tests.worker.conftest import TOKEN_ENV

    with merchant(worker_db_url, codes=5_000, slow_page_seconds=1.0) as shop:
        config = write_config(tmp_path, worker_db_url, shop.server, pull_every="1h")
        command = [sys.executable, "-m", "sync.cli.main", "--config", str(config), "sync", "pull"]
        env = {**_env(), TOKEN_ENV: shop.server.access_token}
        with worker(config, shop.server) as child:
            wait_for(
                "the worker's pull under way",
                lambda: any(r.status == "running" and r.fetched for r in runs(worker_db_url)),
            )
            refused = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=DEADLINE
            )
            still_running = [r.status for r in runs(worker_db_url)]
            status, _, err = stop(child)
    assert still_running == ["running"]  # the CLI really overlapped the worker's pull
    assert refused.returncode == 1, refused.stderr
    assert f":{child.pid}" in refused.stderr and "--wait" in refused.stderr
    assert status == 0, err
    assert set(pool(worker_db_url).values()) == {"available"}
