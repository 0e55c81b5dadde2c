"""Refill keeps a pool from running dry while worker processes move creators in bursts."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from integrations.sandbox.shopify import SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Assignment
from store.models_policy import Refill
from sync import moves, refill
from sync.config import Config
from sync.errors import OutOfCodes
from sync.shopsync import pull
from tests import builders
from tests.support.processes import run_processes
from tests.sync.pool_health_support import opener_for
from tests.sync.shops import FAST_RETRY, linked_campaign

WORKERS = 3
PER_WORKER = 40
BELOW = 60
CAP = 400


def _connect(domain: str, token: str, api_url: str) -> ShopifyShop:
    return ShopifyShop.connect(
        shop=domain,
        access_token=token,
        admin_api_url=api_url,
        retry=FAST_RETRY,
        sleep=lambda _: None,
    )


def _worker(
    db_url: str,
    domain: str,
    token: str,
    api_url: str,
    handles: list[str],
    seed: int,
    barrier: Any,
    results: Any,
) -> None:
    """Move ``handles`` in random bursts, checking the pools after every burst (as the
    worker does); report refusals."""
    rng = random.Random(seed)
    db = Database(db_url)
    refused = 0
    with _connect(domain, token, api_url) as store:
        barrier.wait()
        left = list(handles)
        while left:
            burst = left[: rng.randint(1, 6)]
            left = left[len(burst) :]
            for handle in burst:
                try:
                    moves.move(db, "summer", handle, "pre_payment")
                except OutOfCodes:
                    refused += 1
            refill.refill_check(db, Config(), opener=opener_for(store))
    db.dispose()
    results.put(refused)


def test_refill_keeps_the_pool_from_running_dry_under_concurrent_bursts(db_url: str) -> None:
    db = Database(db_url)
    with SandboxShop() as shop, serve(shop) as server:
        wanted = builders.codes_named("BURST", BELOW)
        shop.create_code_discount("Summer", codes=wanted)
        with _connect(shop.domain, server.access_token, server.admin_api_url) as store:
            pull.pull(db, store, linked_campaign(db, store, wanted[0]))
        refill.set_refill(db, "summer/kit", below=BELOW, batch=BELOW, max_per_day=CAP)
        handles = builders.add_creators(db, "summer", WORKERS * PER_WORKER)
        seeds = random.sample(range(10_000), WORKERS)

        refusals = run_processes(
            _worker,
            [
                (
                    db_url,
                    shop.domain,
                    server.access_token,
                    server.admin_api_url,
                    handles[n * PER_WORKER : (n + 1) * PER_WORKER],
                    seeds[n],
                )
                for n in range(WORKERS)
            ],
            join_timeout=300,
        )

        assert sum(refusals) == 0, f"seeds {seeds}"
        with db.transaction() as tx:
            assigned = tx.scalar(select(func.count()).select_from(Assignment))
            rows = list(tx.execute(select(Refill.started_at, Refill.finished_at, Refill.created)))
        assert assigned == WORKERS * PER_WORKER
        assert sum(r.created for r in rows) <= CAP
        # One refill of a pool at a time: the reservations never overlap.
        spans = sorted((r.started_at, r.finished_at) for r in rows)
        assert all(end is not None for _, end in spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    db.dispose()
