"""Every sync job against the local WooCommerce (real HTTP on loopback), on both databases."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from integrations.ports import SourceRef
from integrations.sandbox.woocommerce import Fault, FaultConfig, SandboxWooShop
from integrations.woocommerce.shop import BATCH_LIMIT, WooShop
from store import shop_requests
from store.db import Database
from store.models import Code
from store.models_sync import UsageObservation
from sync import codes, creators, moves, reports
from sync.codes_input import normalize_code
from sync.errors import OutOfCodes
from sync.shopsync import common, generate, link, orders, pull, revoke, usage
from tests import builders
from tests.integrations.woocommerce.local import (
    PREFIX,
    STORE,
    TEMPLATE,
    connect,
    linked_campaign,
    seed,
)


@pytest.fixture
def shop() -> SandboxWooShop:
    return SandboxWooShop()


@pytest.fixture
def store(shop: SandboxWooShop) -> Iterator[WooShop]:
    with connect(shop) as connected:
        yield connected


def pool(db: Database) -> dict[str, tuple[str, str | None]]:
    """Every pooled code with its status and quarantine reason (a test-side look)."""
    with db.transaction() as tx:
        return {c.code: (c.status, c.quarantine_reason) for c in tx.scalars(select(Code))}


def live_codes(shop: SandboxWooShop) -> set[str]:
    return {c.code for c in shop.coupons.values() if c.status != "trash"}


def test_pull_brings_exactly_the_prefixed_coupons_and_is_idempotent(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    wanted = seed(shop, 230)
    shop.add_coupon("WINTER-1", "5")
    shop.add_coupon("xsummer-2", "5")  # the prefix in the middle: search finds it, match does not
    shop.add_coupon("OTHER-3", "5", description="summer- sale")  # found by its description
    target = linked_campaign(db, store)

    first = pull.pull(db, store, target)
    second = pull.pull(db, store, target)

    lowered = {code.lower() for code in wanted}
    assert set(pool(db)) == lowered  # the creator sees the code as the store holds it
    assert (first.fetched, first.expected, first.new) == (230, 230, 230)
    assert (second.fetched, second.new, second.quarantined) == (230, 0, 0)


def test_vanished_trashed_expired_and_used_up_coupons_are_never_handed_out(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    codes_ = seed(shop, 6)
    target = linked_campaign(db, store)
    pull.pull(db, store, target)
    ids = {c.code: c.id for c in shop.coupons.values()}
    trashed, deleted, expired, used_up = (ids[c.lower()] for c in codes_[:4])
    shop.trash_coupon(trashed)
    shop.delete_coupon(deleted)
    shop.update_coupon(expired, date_expires=shop.now() - timedelta(days=1))
    shop.update_coupon(used_up, usage_count=1)

    result = pull.pull(db, store, target)

    assert result.quarantined == 2  # trashed and deleted: gone from the listing
    statuses = pool(db)
    assert statuses[codes_[2].lower()] == ("quarantined", "code is expired in the store")
    assert statuses[codes_[3].lower()] == ("quarantined", "code is used up in the store")
    assert codes.status(db, "summer/kit").counts.available == 2
    handles = builders.add_creators(db, "summer", 3)
    moves.move(db, "summer", handles[0], "pre_payment")
    moves.move(db, "summer", handles[1], "pre_payment")
    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handles[2], "pre_payment")

    shop.restore_coupon(trashed)
    shop.update_coupon(expired, date_expires=shop.now() + timedelta(days=30))
    restored = pull.pull(db, store, target)
    assert restored.quarantined == 0
    assert codes.status(db, "summer/kit").counts.available == 2


def test_pull_under_injected_faults_ends_equal_to_the_store(
    db: Database, shop: SandboxWooShop
) -> None:
    seed(shop, 420)
    faults = FaultConfig(
        seed=7,
        rates={
            Fault.HTTP_429: 0.08,
            Fault.HTTP_500: 0.05,
            Fault.HTTP_502: 0.05,
            Fault.HTTP_503: 0.05,
            Fault.DROP: 0.08,
        },
        retry_after_seconds=0.0,
    )
    with connect(shop, faults) as store:
        target = linked_campaign(db, store)
        pull.pull(db, store, target)
    assert set(pool(db)) == live_codes(shop)


def test_generate_copies_the_template_in_batches_of_at_most_100(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    expires = shop.now() + timedelta(days=90)
    shop.add_coupon(
        TEMPLATE,
        "15",
        discount_type="percent",
        usage_limit=1,
        usage_limit_per_user=1,
        date_expires=expires,
        minimum_amount=Decimal("30"),
        email_restrictions=("*@fans.io",),
    )
    target = linked_campaign(db, store, template=TEMPLATE)

    # The local WooCommerce answers a batch of more than 100 items with 413, as WooCommerce does.
    result = generate.generate(db, store, target, 250)

    made = [c for c in shop.coupons.values() if c.code != TEMPLATE]
    assert result.created == 250 and len(made) == 250
    assert set(pool(db)) == {c.code for c in made}  # the template is never a pool code
    assert all(c.code.startswith("summer-") and len(c.code) >= len(PREFIX) + 8 for c in made)
    for coupon in made:
        assert (coupon.amount, coupon.discount_type, coupon.usage_limit) == (
            Decimal("15"),
            "percent",
            1,
        )
        assert coupon.date_expires == expires and coupon.minimum_amount == Decimal("30")
        assert tuple(coupon.email_restrictions) == ("*@fans.io",)


def test_a_duplicate_code_is_replaced_by_a_freshly_drawn_one(
    db: Database, shop: SandboxWooShop, store: WooShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.add_coupon(TEMPLATE, "10")
    target = linked_campaign(db, store, template=TEMPLATE)
    shop.add_coupon("SUMMER-TAKEN001", "10")  # the merchant made it after the link
    drawn = iter(["SUMMER-TAKEN001", "SUMMER-FRESH001"])
    monkeypatch.setattr(generate.codegen, "new_code", lambda prefix="": next(drawn))

    result = generate.generate(db, store, target, 1)

    assert result.created == 1 and result.failures == {"TAKEN": 1}
    assert "summer-fresh001" in pool(db)


def test_generate_survives_lost_responses_without_creating_extra_coupons(
    db: Database, shop: SandboxWooShop
) -> None:
    shop.add_coupon(TEMPLATE, "10")
    lost = FaultConfig(seed=3, drop_after_commit_rate=0.5)
    with connect(shop, lost) as store:
        target = linked_campaign(db, store, template=TEMPLATE)
        result = generate.generate(db, store, target, 150)
    made = {c.code for c in shop.coupons.values() if c.code != TEMPLATE}
    assert result.created == 150 and len(made) == 150 and set(pool(db)) == made


def test_generate_refuses_a_prefix_outside_the_linked_one(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    shop.add_coupon(TEMPLATE, "10")
    target = linked_campaign(db, store, template=TEMPLATE)
    with pytest.raises(Exception, match="does not start with 'SUMMER-'"):
        generate.generate(db, store, target, 5, prefix="WINTER-")
    assert len(shop.coupons) == 1


def test_usage_count_is_kept_as_observations(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    seed(shop, 2)
    target = linked_campaign(db, store)
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    shop.place_order([code.upper()], "40.00", billing_email=" Guest@Example.com")
    shop.place_order([code], "40.00", customer_id=42)

    result = usage.refresh_usage(db, store, target)

    assert (result.codes, result.observed, result.redeemed) == (1, 1, 1)
    with db.transaction() as tx:
        (observed,) = tx.scalars(select(UsageObservation)).all()
    # The guest's e-mail only hashed (trimmed, lower-cased), the customer's id as given.
    hashed = hashlib.sha256(b"guest@example.com").hexdigest()
    assert (observed.usage_count, observed.used_by) == (2, [hashed, "42"])
    assert "guest" not in json.dumps(observed.used_by).lower()


def test_orders_count_only_paid_ones_refunds_reduce_revenue_and_currency_is_kept(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    seed(shop, 2)
    target = linked_campaign(db, store)
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    shop.place_order([code.upper()], "100.00", status="completed")
    refunded = shop.place_order([code], "50.00", status="processing")
    shop.refund_order(refunded, "20.00")
    shop.place_order([code], "70.00", status="on-hold")
    shop.place_order([code], "60.00", status="cancelled")
    shop.place_order([code], "33.00", status="completed", currency="EUR")

    first = orders.pull_orders(db, store, STORE)
    second = orders.pull_orders(db, store, STORE)

    assert (first.stored, first.new, second.new) == (5, 5, 0)
    row = {r.creator: r for r in reports.build(db, "summer").rows if r.level == "creator"}[handle]
    assert row.revenue == Decimal("130.00")  # 100 + (50 - 20); on-hold and cancelled not paid


def test_a_dropped_creators_coupon_goes_to_the_trash_never_deleted(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    seed(shop, 2)
    target = linked_campaign(db, store, on_drop={"kit": "disable"})
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    moves.move(db, "summer", handle, "dropped")

    assert revoke.revoke_dropped(db, store, STORE).revoked == 1

    coupon = shop.coupon_by_code(code)
    assert coupon is not None and coupon.status == "trash"
    assert codes.status(db, "summer/kit").counts.revoked == 1
    assert creators.view(db, "summer", handle).incentives[0].revoked


def test_a_pool_uploaded_in_mixed_case_matches_its_lower_cased_coupons(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    typed = seed(shop, 3)  # SUMMER-00000X..., stored as summer-00000x...
    builders.campaign(db, pools={"kit": 0}, active=False)
    builders.upload(db, "summer/kit", typed)
    linked = link.link(db, store, STORE, "summer/kit", SourceRef(prefix="summer-"))
    assert linked.missing == 0
    (target,) = common.targets(db, STORE, "summer/kit")
    result = pull.pull(db, store, target)
    assert (result.new, result.quarantined) == (0, 0)
    assert set(pool(db)) == {code.lower() for code in typed}


def test_the_batch_limit_is_woocommerces_default() -> None:
    assert BATCH_LIMIT == 100


def test_generate_after_a_crash_settles_leftovers_apart_and_creates_exactly_the_count(
    db: Database, shop: SandboxWooShop, store: WooShop
) -> None:
    shop.add_coupon(TEMPLATE, "10")
    target = linked_campaign(db, store, template=TEMPLATE)
    # A run that died after recording 3 requests, of which only one reached the store.
    leftovers = ["SUMMER-LEFT0001", "SUMMER-LEFT0002", "SUMMER-LEFT0003"]
    with db.transaction() as tx:
        shop_requests.request_codes(
            tx, target.id, STORE, [(c, normalize_code(c)) for c in leftovers]
        )
    shop.add_coupon(leftovers[0], "10")

    result = generate.generate(db, store, target, 5)

    assert (result.requested, result.created) == (5, 5)
    assert (result.leftovers.requested, result.leftovers.created) == (3, 3)
    made = {c.code for c in shop.coupons.values() if c.code != TEMPLATE}
    assert len(made) == 3 + 5 and {c.lower() for c in leftovers} <= made
    assert set(pool(db)) == made
