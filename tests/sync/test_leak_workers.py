"""Several worker processes detect and answer the same leak: it is reissued exactly once."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from integrations.sandbox.shopify import SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Assignment, Code
from store.models_messages import OutboxMessage
from store.models_policy import CodeLeak
from sync import leaks, moves, policies, templates
from sync.config import Config
from sync.shopsync import orders, pull
from tests import builders
from tests.support.processes import run_processes
from tests.sync.pool_health_support import event_count, opener_for
from tests.sync.shops import FAST_RETRY, STORE, linked_campaign

WORKERS = 4
CREATORS = 6


def _worker(
    db_url: str, domain: str, token: str, api_url: str, seed: int, barrier: Any, results: Any
) -> None:
    random.seed(seed)
    db = Database(db_url)
    with ShopifyShop.connect(
        shop=domain,
        access_token=token,
        admin_api_url=api_url,
        retry=FAST_RETRY,
        sleep=lambda _: None,
    ) as store:
        barrier.wait()
        total = [0, 0]
        for _ in range(2):  # detection runs twice on every worker
            result = leaks.leak_check(db, Config(), opener=opener_for(store))
            total[0] += result.detected
            total[1] += result.reissued
    db.dispose()
    results.put(tuple(total))


def test_leaks_are_reissued_exactly_once_across_worker_processes(db_url: str) -> None:
    db = Database(db_url)
    with SandboxShop() as shop, serve(shop) as server:
        wanted = builders.codes_named("RACE", CREATORS * 2)
        shop.create_code_discount("Summer", codes=wanted)
        with ShopifyShop.connect(
            shop=shop.domain,
            access_token=server.access_token,
            admin_api_url=server.admin_api_url,
            retry=FAST_RETRY,
            sleep=lambda _: None,
        ) as store:
            target = linked_campaign(db, store, wanted[0])
            pull.pull(db, store, target)
            policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
            templates.add(
                db,
                "summer",
                "new-code",
                subject="Your new code",
                body_text="Use {{promo_code}} from now on",
                send_on="code.reissued",
            )
            released = [
                moves.move(db, "summer", handle, "pre_payment").released[0].code
                for handle in builders.add_creators(db, "summer", CREATORS)
            ]
            leaked = released[: CREATORS // 2]
            for n, code in enumerate(leaked):
                shop.place_order([code], Decimal("10.00"), customer_id=100 + n)
                shop.place_order([code], Decimal("10.00"), customer_id=200 + n)
            orders.pull_orders(db, store, STORE)

        reports = run_processes(
            _worker,
            [
                (db_url, shop.domain, server.access_token, server.admin_api_url, seed)
                for seed in random.sample(range(10_000), WORKERS)
            ],
            join_timeout=120,
        )

        assert sum(r[0] for r in reports) == len(leaked)  # each leak recorded once
        assert sum(r[1] for r in reports) == len(leaked)  # and reissued once
        assert event_count(db, "code.leaked") == len(leaked)
        assert event_count(db, "code.reissued") == len(leaked)
        with db.transaction() as tx:
            held = set(
                tx.scalars(select(Code.code).join(Assignment, Assignment.code_id == Code.id))
            )
            assigned = tx.scalar(select(func.count()).where(Code.status == "assigned"))
            states = set(tx.scalars(select(CodeLeak.state)))
            sent = list(tx.scalars(select(OutboxMessage.body_text)))
        assert len(held) == CREATORS and not held & set(leaked)
        assert assigned == CREATORS  # no replacement reserved twice and left dangling
        assert states == {"reissued"}
        # One message per reissue, each showing a code its creator holds now.
        assert len(sent) == len(leaked)
        assert {text.removeprefix("Use ").removesuffix(" from now on") for text in sent} <= held
        assert len(set(sent)) == len(leaked)
        assert all(shop.find_code(code) is None for code in leaked)
    db.dispose()
