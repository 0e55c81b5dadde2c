"""Store sync jobs against the local Shopify (real HTTP on loopback), on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.ports import CodeSource, Shop
from integrations.sandbox.shopify import Fault, FaultConfig, SandboxShop
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from sync import codes, creators, moves, reports
from sync.errors import OutOfCodes
from sync.shopsync import common, generate, orders, pull, revoke, usage
from tests import builders
from tests.sync.shops import STORE, connect, linked_campaign, pooled


def test_pull_brings_exactly_the_discounts_codes(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("PULL", 600)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])

    result = pull.pull(db, store, target)

    assert (result.expected, result.fetched, result.new) == (600, 600, 600)
    assert pooled(db) == dict.fromkeys(wanted, "available")
    assert pull.pull(db, store, target).new == 0  # idempotent


def test_pull_under_injected_faults_ends_equal_to_the_store(
    db: Database, shop: SandboxShop
) -> None:
    wanted = builders.codes_named("FLT", 1000)
    shop.create_code_discount("Summer", codes=wanted)
    faults = FaultConfig(
        seed=7,
        rates={
            Fault.HTTP_429: 0.04,
            Fault.HTTP_503: 0.04,
            Fault.GRAPHQL_INTERNAL: 0.03,
            Fault.DROP: 0.03,
        },
        retry_after_seconds=0.0,
    )
    for store in connect(shop, faults):
        target = linked_campaign(db, store, wanted[0])
        pull.pull(db, store, target)
    assert set(pooled(db)) == set(wanted)


def test_codes_gone_from_store_are_quarantined_and_released_ones_flagged(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("GONE", 5)
    discount = shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    released = moves.move(db, "summer", handle, "pre_payment").released[0].code

    shop.remove_codes(discount, [released, wanted[4]])
    result = pull.pull(db, store, target)

    assert (result.quarantined, result.flagged) == (1, 1)
    assert pooled(db)[wanted[4]] == "quarantined"
    report = reports.build(db, "summer")
    (row,) = [r for r in report.rows if r.level == "creator"]
    assert "gone from store" in row.flags


def test_expired_discount_codes_are_never_handed_out(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("EXP", 3)
    discount = shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    shop.set_status(discount, "EXPIRED")

    result = pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)

    assert result.source_status == "expired" and result.quarantined == 3
    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handle, "pre_payment")
    shop.set_status(discount, "ACTIVE")
    assert pull.pull(db, store, target).restored == 3


class ShortShop:
    """A store that loses the last page: the count check must catch it."""

    def __init__(self, inner: Shop) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def iter_codes(self, source: CodeSource):  # type: ignore[no-untyped-def]
        stream = self._inner.iter_codes(source)
        pages = list(stream)

        class Stream:
            expected_total = stream.expected_total

            def __iter__(self):  # type: ignore[no-untyped-def]
                return iter(pages[:-1])

        return Stream()


def test_count_mismatch_fails_the_pull_and_quarantines_nothing(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("CNT", 300)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)

    with pytest.raises(common.IncompletePull, match="300"):
        pull.pull(db, ShortShop(store), target)  # type: ignore[arg-type]

    assert set(pooled(db).values()) == {"available"}


def test_generate_creates_codes_in_the_store_and_pools_them(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    discount = shop.create_code_discount("Summer", codes=["SEED0001"])
    target = linked_campaign(db, store, "SEED0001")

    result = generate.generate(db, store, target, 300, prefix="SUM-")

    assert result.created == 300
    in_store = set(shop.codes_of(discount))
    assert len(in_store) == 301 and set(pooled(db)) == in_store
    assert all(c.startswith("SUM-") and len(c) >= 12 for c in in_store - {"SEED0001"})


def test_generate_replaces_codes_the_store_calls_taken(
    db: Database, shop: SandboxShop, store: ShopifyShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.create_code_discount("Other", codes=["TAKEN0001"])
    shop.create_code_discount("Summer", codes=["SEED0001"])
    target = linked_campaign(db, store, "SEED0001")
    drawn = iter(["TAKEN0001", "FRESH0001", "FRESH0002"])
    monkeypatch.setattr(generate.codegen, "new_code", lambda prefix="": next(drawn))

    result = generate.generate(db, store, target, 1)

    assert result.created == 1 and result.failures == {"TAKEN": 1}
    assert "FRESH0001" in pooled(db) and "TAKEN0001" not in pooled(db)


def test_usage_and_orders_fill_the_report(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("RPT", 3)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    handles = builders.add_creators(db, "summer", 2)
    code = moves.move(db, "summer", handles[0], "pre_payment").released[0].code
    moves.move(db, "summer", handles[1], "pre_payment")
    shop.place_order([code], Decimal("120.00"))
    shop.place_order([code], Decimal("30.50"))
    cancelled = shop.place_order([code], Decimal("99.00"))
    shop.cancel_order(cancelled)
    shop.place_order([code], Decimal("75.00"), financial_status="REFUNDED")

    usage.refresh_usage(db, store, target)
    orders.pull_orders(db, store, STORE)
    report = reports.build(db, "summer")

    by_creator = {r.creator: r for r in report.rows if r.level == "creator"}
    assert by_creator[handles[0]].revenue == Decimal("150.50")
    assert by_creator[handles[0]].redemptions == 4  # Shopify counts cancelled/refunded uses too
    assert by_creator[handles[1]].revenue == 0
    campaign = report.rows[0]
    assert campaign.cost == Decimal("17.00") and campaign.codes_redeemed == 1
    assert campaign.roi == ((Decimal("150.50") - Decimal("17.00")) / Decimal("17.00")).quantize(
        Decimal("0.0001")
    )


def test_orders_sync_is_incremental_and_replay_safe(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("INC", 2)
    shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    shop.place_order([wanted[0]], Decimal("10.00"))

    first = orders.pull_orders(db, store, STORE)
    second = orders.pull_orders(db, store, STORE)

    assert (first.stored, first.new) == (1, 1)
    assert second.new == 0


def test_dropped_creator_code_is_deleted_in_store_and_marked_revoked(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("DRP", 2)
    discount = shop.create_code_discount("Summer", codes=wanted)
    target = linked_campaign(db, store, wanted[0], on_drop={"kit": "disable"})
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code
    moves.move(db, "summer", handle, "dropped")
    assert codes.status(db, "summer/kit").counts.revoked == 0  # waits for the store

    result = revoke.revoke_dropped(db, store, STORE)

    assert result.revoked == 1
    assert code not in shop.codes_of(discount)
    assert codes.status(db, "summer/kit").counts.revoked == 1
    assert creators.view(db, "summer", handle).incentives[0].revoked
