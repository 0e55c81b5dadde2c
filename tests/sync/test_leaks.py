"""Leaked codes found from the store's orders, flagged or disabled and reissued exactly once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from integrations.ports import CodeSource, Shop
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Assignment, Code, utcnow
from store.models_sync import ShopOrder
from sync import leaks, moves, policies, reports
from sync.config import Config
from sync.shopsync import orders, pull
from tests import builders
from tests.sync.pool_health_support import event_count, event_details, opener_for
from tests.sync.shops import STORE, linked_campaign

TOTAL = Decimal("40.00")


def _released(db: Database, shop: SandboxShop, store: ShopifyShop, pool: int = 4) -> str:
    """summer/kit linked to a discount of ``pool`` codes, one released to creator0000."""
    wanted = builders.codes_named("LEAK", pool)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    return moves.move(db, "summer", handle, "pre_payment").released[0].code


def _holding(db: Database) -> str:
    with db.transaction() as tx:
        return tx.scalars(select(Code.code).join(Assignment, Assignment.code_id == Code.id)).one()


def _status(db: Database, code: str) -> str:
    with db.transaction() as tx:
        return tx.scalars(select(Code.status).where(Code.code == code)).one()


def test_a_code_used_by_two_customers_is_flagged_once(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    shop.place_order([code], TOTAL, customer_id=11)
    shop.place_order([code], TOTAL, customer_id=22)
    orders.pull_orders(db, store, STORE)

    first = leaks.leak_check(db, Config(), opener=opener_for(store))
    again = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (first.detected, first.reissued, again.detected) == (1, 0, 0)
    (detail,) = event_details(db, "code.leaked")
    assert detail["reasons"] == ["customers"] and detail["customers"] == 2
    assert _holding(db) == code  # flag only: the creator keeps the code
    (row,) = [r for r in reports.build(db, "summer").rows if r.level == "creator"]
    assert "leaked" in row.flags


def test_one_customer_by_e_mail_is_not_a_leak_and_no_e_mail_is_stored(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    shop.place_order([code], TOTAL, email="Maya@Example.com")
    shop.place_order([code], TOTAL, email=" maya@example.COM ")
    orders.pull_orders(db, store, STORE)

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 0
    with db.transaction() as tx:
        keys = set(tx.scalars(select(ShopOrder.customer_key)))
    (key,) = keys
    assert key is not None and key.startswith("email:") and "@" not in key

    shop.place_order([code], TOTAL, email="someone.else@example.com")
    orders.pull_orders(db, store, STORE)
    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 1


def test_a_code_used_before_its_release_is_leaked(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    shop.place_order([code], TOTAL, customer_id=5, processed_at=utcnow() - timedelta(days=2))
    orders.pull_orders(db, store, STORE)

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 1
    (detail,) = event_details(db, "code.leaked")
    assert detail["reasons"] == ["early"]


def test_a_code_used_more_often_than_max_uses_is_leaked(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", max_customers=5, max_uses=2)
    for _ in range(2):
        shop.place_order([code], TOTAL, customer_id=7)
    orders.pull_orders(db, store, STORE)
    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 0

    shop.place_order([code], TOTAL, customer_id=7)
    orders.pull_orders(db, store, STORE)

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 1
    (detail,) = event_details(db, "code.leaked")
    assert detail["reasons"] == ["uses"] and detail["uses"] == 3


def test_disable_and_reissue_swaps_the_code_once(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    shop.place_order([code], TOTAL, customer_id=1)
    shop.place_order([code], TOTAL, customer_id=2)
    orders.pull_orders(db, store, STORE)

    first = leaks.leak_check(db, Config(), opener=opener_for(store))
    again = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (first.detected, first.reissued, again.detected, again.reissued) == (1, 1, 0, 0)
    fresh = _holding(db)
    assert fresh != code
    assert shop.find_code(code) is None  # disabled (deleted) in the store
    assert shop.find_code(fresh) is not None
    assert _status(db, code) == "revoked"
    assert event_count(db, "code.reissued") == 1


class _CrashAfterDisable:
    """A shop that disables the codes, then dies before the caller hears back."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.calls = 0

    def disable_codes(self, source: CodeSource, codes: Sequence[str]) -> None:
        self.calls += 1
        self.shop.disable_codes(source, codes)
        raise ConnectionResetError("worker died after the store call")


def test_a_reissue_interrupted_after_the_store_call_resumes_with_the_same_code(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    shop.place_order([code], TOTAL, customer_id=1, processed_at=utcnow() - timedelta(days=1))
    orders.pull_orders(db, store, STORE)
    crashing = _CrashAfterDisable(store)

    @contextmanager
    def crash_opener(_: str) -> Iterator[Shop]:
        yield crashing  # type: ignore[misc]

    interrupted = leaks.leak_check(db, Config(), opener=crash_opener)
    assert (interrupted.detected, interrupted.reissued, interrupted.waiting) == (1, 0, 1)
    assert crashing.calls == 1 and shop.find_code(code) is None
    assert _holding(db) == code  # the local swap never happened
    with db.transaction() as tx:  # the replacement is reserved: out of the pool, nobody's
        reserved = tx.scalars(
            select(Code.code).where(Code.status == "assigned", Code.code != code)
        ).one()

    resumed = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (resumed.detected, resumed.reissued, resumed.waiting) == (0, 1, 0)
    assert _holding(db) == reserved
    assert event_count(db, "code.reissued") == 1


def test_a_reissue_with_no_code_left_waits_and_alerts(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code = _released(db, shop, store, pool=1)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    shop.place_order([code], TOTAL, customer_id=1)
    shop.place_order([code], TOTAL, customer_id=2)
    orders.pull_orders(db, store, STORE)

    result = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (result.detected, result.reissued, result.waiting) == (1, 0, 1)
    assert shop.find_code(code) is not None  # not disabled while nothing can replace it
    assert event_count(db, "pool.empty") == 1


@pytest.mark.parametrize("bad", ["sometimes", ""])
def test_an_unknown_on_leak_policy_is_refused(db: Database, bad: str) -> None:
    builders.campaign(db)
    with pytest.raises(Exception, match="flag or disable_and_reissue"):
        policies.set_policy(db, "summer/kit", on_leak=bad)
