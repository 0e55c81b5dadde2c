"""Pool health against the local WooCommerce (real HTTP on loopback), on both databases:
refill by copying the template coupon under the daily cap, leaked coupons found from the
store's orders and trashed once, coupons ending too soon never handed out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from integrations.sandbox.woocommerce import SandboxWooShop
from integrations.woocommerce.shop import WooShop
from store.db import Database
from store.models import Assignment, Code
from sync import capacity, leaks, moves, policies, refill
from sync.config import Config
from sync.errors import OutOfCodes
from sync.shopsync import orders, pull
from tests import builders
from tests.integrations.woocommerce.local import (
    PREFIX,
    STORE,
    TEMPLATE,
    connect,
    linked_campaign,
    seed,
)
from tests.sync.pool_health_support import event_count, event_details, opener_for

TOTAL = Decimal("40.00")


@pytest.fixture
def shop() -> SandboxWooShop:
    return SandboxWooShop()


@pytest.fixture
def store(shop: SandboxWooShop) -> Iterator[WooShop]:
    with connect(shop) as connected:
        yield connected


def _pooled(db: Database) -> set[str]:
    with db.transaction() as tx:
        return set(tx.scalars(select(Code.code)))


def _holding(db: Database) -> str:
    with db.transaction() as tx:
        return tx.scalars(select(Code.code).join(Assignment, Assignment.code_id == Code.id)).one()


def _status(db: Database, code: str) -> str:
    with db.transaction() as tx:
        return tx.scalars(select(Code.status).where(Code.code == code)).one()


def _copies(shop: SandboxWooShop, seeded: list[str]) -> list[Any]:
    """Every coupon in the store but the template and the ones seeded by hand."""
    typed = {TEMPLATE, *(code.lower() for code in seeded)}
    return [c for c in shop.coupons.values() if c.code not in typed]


def _add_template(shop: SandboxWooShop) -> None:
    shop.add_coupon(
        TEMPLATE,
        "15",
        discount_type="percent",
        usage_limit=1,
        date_expires=shop.now() + timedelta(days=90),
    )


def test_refill_copies_the_template_below_the_mark_and_the_daily_cap_holds(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    _add_template(shop)
    seeded = seed(shop, 3)
    pull.pull(db, store, linked_campaign(db, store, template=TEMPLATE))
    # 110 a refill: two batches, as the local WooCommerce answers more than 100 with 413.
    refill.set_refill(db, "summer/kit", below=10, batch=110, max_per_day=120)
    opener = opener_for(store)

    first = refill.refill_check(db, Config(), opener=opener)

    assert [(o.action, o.created) for o in first.outcomes] == [("refilled", 110)]
    made = _copies(shop, seeded)
    assert len(made) == 110
    assert all(c.code.startswith(PREFIX.lower()) for c in made)
    template = shop.coupon_by_code(TEMPLATE)
    assert template is not None
    assert {(c.amount, c.discount_type, c.usage_limit, c.date_expires, c.status) for c in made} == {
        (Decimal("15"), "percent", 1, template.date_expires, "publish")
    }
    assert _pooled(db) == {c.code for c in made} | {code.lower() for code in seeded}
    with db.transaction() as tx:  # the copies' end comes into the pool with them
        ends = set(tx.scalars(select(Code.ends_at).where(Code.code.in_([c.code for c in made]))))
    assert ends == {template.date_expires}
    (pool,) = capacity.capacity(db, "summer")
    assert pool.available == 113
    assert refill.refill_check(db, Config(), opener=opener).outcomes[0].action == "ok"

    # A higher mark the same day: only the 10 left under the cap of 120 are created...
    refill.set_refill(db, "summer/kit", below=500, batch=110, max_per_day=120)
    second = refill.refill_check(db, Config(), opener=opener)
    assert [(o.action, o.created) for o in second.outcomes] == [("refilled", 10)]
    # ...and then nothing at all, in the store or the pool.
    third = refill.refill_check(db, Config(), opener=opener)
    assert [(o.action, o.created) for o in third.outcomes] == [("capped", 0)]
    assert len(_copies(shop, seeded)) == 120
    assert len(_pooled(db)) == 123
    assert event_count(db, "refill.done") == 2
    (capped,) = event_details(db, "refill.failed")
    assert capped["reason"] == "daily cap reached"


SECOND_BUYERS = {
    "another customer": {"customer_id": 22},
    "a guest by billing e-mail": {"billing_email": "Guest@Example.com"},
}


@pytest.mark.parametrize("second", list(SECOND_BUYERS.values()), ids=list(SECOND_BUYERS))
def test_a_coupon_used_by_two_customers_is_trashed_and_reissued_once(
    db: Database, shop: SandboxWooShop, store: WooShop, second: dict[str, Any]
) -> None:
    seed(shop, 4)
    pull.pull(db, store, linked_campaign(db, store))
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    shop.place_order([code], TOTAL, customer_id=11, billing_email="first@example.com")
    shop.place_order([code], TOTAL, **second)
    orders.pull_orders(db, store, STORE)

    first = leaks.leak_check(db, Config(), opener=opener_for(store))
    again = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (first.detected, first.reissued, again.detected, again.reissued) == (1, 1, 0, 0)
    (detail,) = event_details(db, "code.leaked")
    assert detail["reasons"] == ["customers"] and detail["customers"] == 2
    fresh = _holding(db)
    assert fresh != code
    leaked = shop.coupon_by_code(code)
    assert leaked is not None and leaked.status == "trash"  # trashed, never deleted for good
    kept = shop.coupon_by_code(fresh)
    assert kept is not None and kept.status == "publish"
    assert _status(db, code) == "revoked"
    assert event_count(db, "code.reissued") == 1
    assert [c.code for c in shop.coupons.values() if c.status == "trash"] == [code]


def test_the_same_guest_twice_is_not_a_leak(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    seed(shop, 2)
    pull.pull(db, store, linked_campaign(db, store))
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    shop.place_order([code], TOTAL, billing_email="Maya@Example.com")
    shop.place_order([code], TOTAL, billing_email=" maya@example.COM ")
    orders.pull_orders(db, store, STORE)

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).detected == 0
    leaked = shop.coupon_by_code(code)
    assert leaked is not None and leaked.status == "publish"
    assert _holding(db) == code


def test_coupons_expiring_sooner_than_min_validity_are_never_handed_out(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    soon = seed(shop, 2, prefix=PREFIX + "SOON")
    (lasting,) = seed(shop, 1, prefix=PREFIX + "LONG")
    for code in soon:
        coupon = shop.coupon_by_code(code)
        assert coupon is not None
        shop.update_coupon(coupon.id, date_expires=shop.now() + timedelta(days=5))
    long_coupon = shop.coupon_by_code(lasting)
    assert long_coupon is not None
    shop.update_coupon(long_coupon.id, date_expires=shop.now() + timedelta(days=60))
    pull.pull(db, store, linked_campaign(db, store))
    handles = builders.add_creators(db, "summer", 3)

    (pool,) = capacity.capacity(db, "summer")
    assert (pool.available, pool.short_validity) == (1, 2)  # 5 days < the default 14
    assert moves.move(db, "summer", handles[0], "pre_payment").released[0].code == lasting.lower()
    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handles[1], "pre_payment")

    policies.set_policy(db, "summer/kit", min_validity="4d")
    released = moves.move(db, "summer", handles[1], "pre_payment").released[0].code
    assert released in {code.lower() for code in soon}
