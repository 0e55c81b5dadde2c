"""Automatic refill against the local Shopify: low-water mark, batch, daily cap, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.ports import ShopError
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import utcnow
from sync import capacity, moves, refill
from sync.config import Config
from sync.errors import UsageError
from sync.shopsync import common, pull
from tests import builders
from tests.sync.pool_health_support import event_count, event_details, failing_opener, opener_for
from tests.sync.shops import linked_campaign


def _linked_pool(db: Database, shop: SandboxShop, store: ShopifyShop, size: int) -> None:
    wanted = builders.codes_named("FILL", size)
    shop.create_code_discount("Summer", codes=wanted)
    pull.pull(db, store, linked_campaign(db, store, wanted[0]))


def _available(db: Database) -> int:
    (pool,) = capacity.capacity(db, "summer")
    return pool.available


def _move(db: Database, handles: list[str]) -> None:
    for handle in handles:
        moves.move(db, "summer", handle, "pre_payment")


def test_refill_tops_up_below_the_mark_and_the_daily_cap_holds(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    _linked_pool(db, shop, store, 3)
    refill.set_refill(db, "summer/kit", below=10, batch=10, max_per_day=15, prefix="FILL-")
    handles = builders.add_creators(db, "summer", 30)
    opener = opener_for(store)

    first = refill.refill_check(db, Config(), opener=opener)
    assert [(o.action, o.created) for o in first.outcomes] == [("refilled", 10)]
    assert _available(db) == 13
    assert refill.refill_check(db, Config(), opener=opener).outcomes[0].action == "ok"

    _move(db, handles[:4])  # 9 left: below the mark again
    second = refill.refill_check(db, Config(), opener=opener)
    assert [(o.action, o.created) for o in second.outcomes] == [("refilled", 5)]  # cap room

    _move(db, handles[4:9])
    third = refill.refill_check(db, Config(), opener=opener)
    assert [o.action for o in third.outcomes] == ["capped"]
    assert _available(db) == 9
    assert event_count(db, "refill.done") == 2
    assert event_count(db, "pool.low") == 1  # once a day per pool
    (capped,) = event_details(db, "refill.failed")
    assert capped["reason"] == "daily cap reached"

    # A day later the cap has room again.
    later = refill.refill_check(
        db, Config(), opener=opener, now=utcnow() + timedelta(days=1, minutes=1)
    )
    assert [(o.action, o.created) for o in later.outcomes] == [("refilled", 10)]


def test_a_failed_refill_alerts_and_moves_go_on(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    _linked_pool(db, shop, store, 2)
    refill.set_refill(db, "summer/kit", below=5, batch=5)
    handles = builders.add_creators(db, "summer", 2)

    result = refill.refill_check(
        db, Config(), opener=failing_opener(ShopError("shop answered 503 five times"))
    )

    assert [o.action for o in result.outcomes] == ["failed"]
    (failed,) = event_details(db, "refill.failed")
    assert "503" in str(failed["reason"])
    _move(db, handles)  # the two codes left are still handed out
    # The failed attempt created nothing, so it does not eat into the cap: the next succeeds.
    retried = refill.refill_check(db, Config(), opener=opener_for(store))
    assert [(o.action, o.created) for o in retried.outcomes] == [("refilled", 5)]


def test_auto_sizes_the_mark_from_participants_on_the_way(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    _linked_pool(db, shop, store, 4)
    for handle in builders.add_creators(db, "summer", 30):
        moves.move(db, "summer", handle, "confirmation")
    refill.set_refill(db, "summer/kit", auto=True)

    result = refill.refill_check(db, Config(), opener=opener_for(store))

    mark = refill.auto_mark(30)
    assert mark == 35
    assert [(o.low_water, o.created) for o in result.outcomes] == [(mark, mark - 4)]
    assert _available(db) == mark
    assert refill.refill_check(db, Config(), opener=opener_for(store)).outcomes[0].action == "ok"


def test_refill_settings_are_checked(db: Database, shop: SandboxShop, store: ShopifyShop) -> None:
    builders.campaign(db, key="local", pools={"kit": 1})
    with pytest.raises(common.NotLinked):
        refill.set_refill(db, "local/kit", below=5, batch=5)
    _linked_pool(db, shop, store, 1)
    with pytest.raises(UsageError, match="--below N and --batch M"):
        refill.set_refill(db, "summer/kit", below=5)
    with pytest.raises(UsageError, match="--batch 0"):
        refill.set_refill(db, "summer/kit", below=5, batch=0)
    with pytest.raises(UsageError, match="contradict"):
        refill.set_refill(db, "summer/kit", auto=True, off=True)
    assert refill.set_refill(db, "summer/kit", off=True).mode == refill.OFF
    assert refill.refill_check(db, Config(), opener=opener_for(store)).outcomes == ()
