"""One run at a time per (store, job, incentive), guaranteed by the database (#7 item 2).

Without the lock, two pulls of one incentive interleave and the one that finishes
last quarantines every code the other stamped. Here two processes (``spawn``, each
with its own :class:`Database` and Shopify client) start a pull of the same
5,000-code pool together, each choosing at random to refuse or to wait: no two pulls
overlap, a refused one names the job and the worker holding it, and nothing is
quarantined. Several processes running random jobs of a few keys (refusing or waiting
at random) never overlap two runs of one job. The CLI refuses with exit status 1, or
waits with ``--wait``.
"""

from __future__ import annotations

import os
import random
import selectors
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from integrations.sandbox.shopify import BucketConfig, SandboxServer, SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store import job_locks, sync_runs
from store.db import Database, DatabaseUnavailable
from store.models import Code, Incentive
from store.models_sync import SyncRun
from sync.shopsync import common, generate, pull, runs
from tests import builders
from tests.support.processes import run_processes
from tests.sync.shops import FAST_RETRY, STORE, linked_campaign

CODES = 5_000
BARRIER_TIMEOUT_S = 60
JOIN_TIMEOUT_S = 240
CLI_DEADLINE_S = 120
PAGE_JITTER_S = 0.03
REF = "summer/kit"


def _puller(
    url: str,
    domain: str,
    token: str,
    admin_api_url: str,
    wait: bool,
    seed: int,
    barrier: Any,
    results: Any,
) -> None:
    """Pull summer/kit once; report ("ok", quarantined) or ("busy", message).

    A random pause after each page shuffles how two unguarded pulls would interleave
    (which one falls behind decides which codes the other takes for gone).
    """
    rng = random.Random(seed)

    def jitter(_: int) -> None:
        time.sleep(rng.random() * PAGE_JITTER_S)

    try:
        db = Database(url)
        with ShopifyShop.connect(
            shop=domain, access_token=token, admin_api_url=admin_api_url, retry=FAST_RETRY
        ) as store:
            target = common.target(db, REF)  # connects before the start line
            barrier.wait(BARRIER_TIMEOUT_S)
            try:
                result = pull.pull(
                    db,
                    store,
                    target,
                    jitter,
                    wait=runs.WaitForJob(poll_seconds=0.05) if wait else None,
                )
                results.put(("ok", wait, result.quarantined))
            except runs.JobRunning as busy:
                results.put(("busy", wait, str(busy)))
        db.dispose()
    except BaseException:
        results.put(("crash", wait, traceback.format_exc()))


@pytest.fixture
def pool_of_5000() -> Iterator[tuple[SandboxShop, SandboxServer]]:
    """The local Shopify holding one discount of :data:`CODES` codes, served on loopback."""
    # Throttling is tested elsewhere; here it would only make the pulls wait for the bucket.
    with SandboxShop(bucket=BucketConfig(enabled=False)) as shop:
        shop.create_code_discount("Summer", codes=builders.codes_named("LOCK", CODES))
        with serve(shop) as server:
            yield shop, server


def _connect(shop: SandboxShop, server: SandboxServer) -> ShopifyShop:
    return ShopifyShop.connect(
        shop=shop.domain,
        access_token=server.access_token,
        admin_api_url=server.admin_api_url,
        retry=FAST_RETRY,
    )


def test_two_pulls_of_one_pool_started_together_never_overlap_and_quarantine_nothing(
    db: Database, pool_of_5000: tuple[SandboxShop, SandboxServer]
) -> None:
    shop, server = pool_of_5000
    with _connect(shop, server) as store:
        linked_campaign(db, store, "LOCK000001")
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    waits = [rng.random() < 0.5 for _ in range(2)]

    reports = run_processes(
        _puller,
        [
            (db.url, shop.domain, server.access_token, server.admin_api_url, w, seed + n)
            for n, w in enumerate(waits)
        ],
        join_timeout=JOIN_TIMEOUT_S,
    )

    context = f"seed {seed}, waits {waits}: {reports}"
    assert not [r for r in reports if r[0] == "crash"], context
    assert all(outcome == "ok" for outcome, waited, _ in reports if waited), context
    for outcome, _, detail in reports:
        if outcome == "ok":
            assert detail == 0, context
        else:  # refused: names the store, the job, the incentive and the worker
            assert f"Store '{STORE}': the pull job of incentive '{REF}'" in detail, context
            assert "is already running on worker " in detail, context
    with db.transaction() as tx:
        statuses = list(tx.scalars(select(Code.status)))
        ran = tx.execute(
            select(SyncRun.started_at, SyncRun.finished_at, SyncRun.status)
            .where(SyncRun.kind == "pull")
            .order_by(SyncRun.started_at)
        ).all()
    assert len(statuses) == CODES and set(statuses) == {"available"}, context
    assert [status for _, _, status in ran] == ["ok"] * len(ran), context
    assert len(ran) == sum(1 for outcome, _, _ in reports if outcome == "ok"), context
    for (_, first_end, _), (second_start, _, _) in zip(ran, ran[1:], strict=False):
        assert first_end <= second_start, f"pulls overlapped; {context}"


JOBS_WORKERS = 4
JOBS_PER_WORKER = 6
JOB_KINDS = ("pull", "usage")


def _job_runner(url: str, ids: list[int], seed: int, barrier: Any, results: Any) -> None:
    """Run random jobs of a few keys, each doing some database work while it holds its key;
    report how many ran and how many were refused (some wait instead of refusing)."""
    rng = random.Random(seed)
    ran = refused = 0
    try:
        db = Database(url)
        with db.transaction() as tx:  # connect before the start line
            sync_runs.running_runs(tx, STORE, "pull", ids[0])
        barrier.wait(BARRIER_TIMEOUT_S)
        for _ in range(JOBS_PER_WORKER):
            key = (STORE, rng.choice(JOB_KINDS), rng.choice(ids))
            wait = runs.WaitForJob(poll_seconds=0.01) if rng.random() < 0.5 else None
            try:
                with runs.sync_run(db, *key, wait=wait) as run:
                    for _ in range(rng.randint(1, 15)):
                        with db.transaction() as tx:
                            run.beat(tx)
                ran += 1
            except runs.JobRunning:
                refused += 1
        db.dispose()
        results.put(("ok", ran, refused))
    except BaseException:
        results.put(("crash", ran, traceback.format_exc()))


def test_many_processes_running_random_jobs_never_overlap_two_runs_of_one_job(
    db: Database,
) -> None:
    builders.campaign(db, pools={"kit": 0, "cap": 0}, active=False)
    ids = sorted(_incentive_ids(db).values())
    seed = random.randrange(1 << 30)

    reports = run_processes(
        _job_runner,
        [(db.url, ids, seed + n) for n in range(JOBS_WORKERS)],
        join_timeout=JOIN_TIMEOUT_S,
    )

    assert not [r for r in reports if r[0] == "crash"], f"seed {seed}: {reports}"
    with db.transaction() as tx:
        rows = tx.execute(
            select(
                SyncRun.kind,
                SyncRun.incentive_id,
                SyncRun.started_at,
                SyncRun.finished_at,
                SyncRun.status,
            ).order_by(SyncRun.started_at)
        ).all()
    assert len(rows) == sum(ran for _, ran, _ in reports), f"seed {seed}"
    assert {status for *_, status in rows} == {"ok"}, f"seed {seed}"
    last_end: dict[tuple[str, int], object] = {}
    for kind, incentive_id, started, finished, _ in rows:
        previous = last_end.get((kind, incentive_id))
        assert previous is None or previous <= started, (
            f"two {kind} runs of incentive {incentive_id} overlapped; seed {seed}"
        )
        last_end[(kind, incentive_id)] = finished


def _incentive_ids(db: Database) -> dict[str, int]:
    with db.transaction() as tx:
        return {key: id_ for key, id_ in tx.execute(select(Incentive.key, Incentive.id))}


def test_a_job_running_refuses_only_the_same_store_job_and_incentive(db: Database) -> None:
    builders.campaign(db, pools={"kit": 0, "cap": 0}, active=False)
    ids = _incentive_ids(db)

    with runs.sync_run(db, STORE, "pull", ids["kit"]):
        with (
            pytest.raises(runs.JobRunning) as refused,
            runs.sync_run(db, STORE, "pull", ids["kit"]),
        ):
            pytest.fail("a second pull of the same incentive started")
        for other in [
            (STORE, "pull", ids["cap"]),
            (STORE, "usage", ids["kit"]),
            ("other", "pull", ids["kit"]),
            (STORE, "orders", None),
        ]:
            with runs.sync_run(db, *other):
                pass
    with runs.sync_run(db, STORE, "pull", ids["kit"]):  # released when the first run ended
        pass

    assert str(refused.value) == (
        f"Store '{STORE}': the pull job of incentive 'summer/kit' is already running on worker "
        f"{runs.owner_of_this_process()}: wait for it to finish, or run the command again "
        "with --wait"
    )
    with db.transaction() as tx:
        assert set(tx.scalars(select(SyncRun.status))) == {"ok"}  # the refusal left no row


def test_a_failed_run_releases_its_lock(db: Database) -> None:
    builders.campaign(db, pools={"kit": 0}, active=False)
    kit = _incentive_ids(db)["kit"]
    with pytest.raises(RuntimeError), runs.sync_run(db, STORE, "usage", kit):
        raise RuntimeError("boom")

    lock = job_locks.try_lock(db, STORE, "usage", kit)
    assert lock is not None
    lock.release()


def test_the_job_key_is_stable_and_64_bit() -> None:
    # Other machines and later versions must compute the same number for the same job.
    assert job_locks.job_key("main", "pull", 7) == job_locks.job_key("main", "pull", 7)
    keys = {
        job_locks.job_key(s, k, i)
        for s in ("main", "eu")
        for k in ("pull", "usage")
        for i in (None, 1, 2)
    }
    assert len(keys) == 12
    assert all(-(1 << 63) <= key < (1 << 63) for key in keys)


def _cli(tmp_path: Path, shop: SandboxShop, server: SandboxServer, db: Database) -> list[str]:
    config = tmp_path / "promosync.toml"
    config.write_text(
        f'[stores.{STORE}]\nplatform = "shopify"\nshop = "{shop.domain}"\n'
        f'access_token = "${{SANDBOX_TOKEN}}"\nadmin_api_url = "{server.admin_api_url}"\n'
    )
    return [sys.executable, "-m", "sync.cli.main", "--config", str(config), "--db", db.url]


def _env(server: SandboxServer) -> dict[str, str]:
    return {**os.environ, "SANDBOX_TOKEN": server.access_token}


def _line_from(stream: Any, deadline: float) -> str:
    """The next line ``stream`` prints, waiting at most until ``deadline``."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    ready = selector.select(max(0.0, deadline - time.monotonic()))
    selector.close()
    assert ready, "the command printed nothing before the deadline"
    return str(stream.readline().decode())


def test_cli_pull_refuses_while_the_same_pull_runs_and_names_its_worker(
    db: Database, tmp_path: Path, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("CLI", 3)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    with serve(shop) as server, runs.sync_run(db, STORE, "pull", target.id):
        done = subprocess.run(
            [*_cli(tmp_path, shop, server, db), "sync", "pull", REF],
            env=_env(server),
            capture_output=True,
            timeout=CLI_DEADLINE_S,
            check=False,
        )

    assert done.returncode == 1, done.stderr
    assert (
        f"Store '{STORE}': the pull job of incentive '{REF}' is already running on worker "
        f"{runs.owner_of_this_process()}"
    ) in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    with db.transaction() as tx:
        assert list(tx.scalars(select(Code.code))) == []


def test_cli_pull_with_wait_says_so_and_runs_when_the_other_pull_ends(
    db: Database, tmp_path: Path, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("CLI", 3)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    with serve(shop) as server:
        with runs.sync_run(db, STORE, "pull", target.id):
            child = subprocess.Popen(
                [*_cli(tmp_path, shop, server, db), "sync", "pull", REF, "--wait"],
                env=_env(server),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            line = _line_from(child.stderr, time.monotonic() + CLI_DEADLINE_S)
            assert child.poll() is None, "the command did not wait"
        out, err = child.communicate(timeout=CLI_DEADLINE_S)

    assert line.startswith(
        f"Store '{STORE}': the pull job of incentive '{REF}' is running on worker "
        f"{runs.owner_of_this_process()}; waiting for it"
    ), line
    assert child.returncode == 0, err
    assert "3 codes in the store" in out.decode()
    with db.transaction() as tx:
        assert sorted(tx.scalars(select(Code.code))) == wanted


def test_generate_waits_for_a_pull_running_elsewhere_before_its_own_pull(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("GEN", 2)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    # A pull held elsewhere: its lock, and its run row naming the worker.
    held = job_locks.try_lock(db, STORE, "pull", target.id)
    assert held is not None
    with db.transaction() as tx:
        sync_runs.begin_run(tx, STORE, "pull", target.id, owner="box-2:4711")
    told: list[runs.JobRunning] = []

    def other_pull_ends(_: float) -> None:
        held.release()

    result = generate.generate(
        db, store, target, 3, wait=runs.WaitForJob(notify=told.append, sleep=other_pull_ends)
    )

    assert [(busy.kind, busy.worker) for busy in told] == [("pull", "box-2:4711")]
    assert result.created == 3 and result.pull is not None
    assert (result.pull.fetched, result.pull.quarantined) == (5, 0)  # 2 linked + 3 created


def test_a_lock_directory_that_cannot_be_made_is_one_clear_sentence(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL keeps its job locks in the server")
    builders.campaign(db, pools={"kit": 0}, active=False)
    path = job_locks.sqlite_lock_path(db, "orders", job_locks.job_key(STORE, "orders", None))
    assert path is not None
    path.parent.write_text("not a directory")

    with pytest.raises(DatabaseUnavailable) as refused, runs.sync_run(db, STORE, "orders"):
        pytest.fail("ran without its lock")

    assert str(refused.value).endswith(
        f"cannot keep its job locks in {path.parent}: make the directory next to the database "
        "file writable by this user"
    )
    assert refused.value.exit_code == 2
