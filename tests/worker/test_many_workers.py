"""Several ``promosync run`` processes on one PostgreSQL share the jobs through the queue:
each scheduled pull runs once per interval and never beside another of its key, and a
worker killed mid-pull loses its job to another that finishes it."""

from __future__ import annotations

import signal
from pathlib import Path

from sqlalchemy import text

from store.db import Database
from tests.worker.conftest import merchant, pool, runs, stop, wait_for, workers, write_config

PULL_EVERY = 2.0  # seconds
PULL_TICKS = "SELECT args->>'timestamp' FROM procrastinate_jobs WHERE args->>'job' = 'pull'"


def test_two_workers_pull_once_per_interval_and_never_at_once(
    pg_worker_url: str, tmp_path: Path
) -> None:
    with merchant(pg_worker_url, codes=600, slow_page_seconds=0.1) as shop:
        config = write_config(tmp_path, pg_worker_url, shop.server, pull_every=f"{PULL_EVERY}s")
        with workers(config, shop.server, 2) as children:
            wait_for(
                "five pulls by the two workers",
                lambda: sum(r.status == "ok" for r in runs(pg_worker_url)) >= 5,
                deadline=60,
            )
            outcomes = [stop(child) for child in children]
    assert [status for status, _, _ in outcomes] == [0, 0], outcomes
    pulls = [r for r in runs(pg_worker_url) if r.finished_at is not None]
    for earlier, later in zip(pulls, pulls[1:], strict=False):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, "two pulls of one incentive overlapped"
    ticks = _pull_ticks(pg_worker_url)
    assert len(ticks) == len(set(ticks)), "a tick was queued twice"
    span = (pulls[-1].started_at - pulls[0].started_at).total_seconds()
    assert len(pulls) <= span / PULL_EVERY + 2, f"{len(pulls)} pulls in {span:.1f} s"
    assert set(pool(pg_worker_url).values()) == {"available"}


def test_a_worker_killed_mid_pull_loses_its_job_to_the_other_with_no_harm(
    pg_worker_url: str, tmp_path: Path
) -> None:
    with merchant(pg_worker_url, codes=5_000, slow_page_seconds=0.3) as shop:
        config = write_config(
            tmp_path, pg_worker_url, shop.server, pull_every="1h", stalled_after="4s"
        )
        with workers(config, shop.server, 2) as started:
            children = {child.pid: child for child in started}
            running = wait_for(
                "a pull with a page stored",
                lambda: [r for r in runs(pg_worker_url) if r.status == "running" and r.fetched],
            )
            victim = int(running[0].owner.rpartition(":")[2])
            children[victim].send_signal(signal.SIGKILL)
            children[victim].wait()
            wait_for("the pull finished by the other worker", lambda: _ok_pulls(pg_worker_url))
            (survivor,) = (child for pid, child in children.items() if pid != victim)
            status, _, err = stop(survivor)
    assert status == 0, err
    killed, finished = runs(pg_worker_url)
    assert killed.status == "failed" and "ended without finishing" in (killed.error or "")
    assert finished.status == "ok" and finished.owner.endswith(f":{survivor.pid}")
    pooled = pool(pg_worker_url)
    assert set(pooled) == shop.codes()  # every live code, once
    assert set(pooled.values()) == {"available"}  # none quarantined
    assert len(_pull_ticks(pg_worker_url)) == 1  # one job, handed over, not queued again


def _ok_pulls(db_url: str) -> bool:
    return any(r.status == "ok" for r in runs(db_url))


def _pull_ticks(db_url: str) -> list[int]:
    db = Database(db_url)
    try:
        with db.connect() as connection:
            rows = connection.execute(text(PULL_TICKS)).all()
    finally:
        db.dispose()
    return [int(tick) for (tick,) in rows]
