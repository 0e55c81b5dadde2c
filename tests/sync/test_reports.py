"""The ROI report's money and attribution rules, with orders from the local Shopify, on both
databases: exact splits in the order currency's minor units, one rounding rule, currencies
never summed together, and orders placed before a code's release never credited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from integrations.ports import SourceRef
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.retry import RetryPolicy
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from sync import campaigns, incentives, moves, reports
from sync.reports import FLAG_EARLY, ReportRow
from sync.shopsync import common, link, orders, pull, usage
from tests import builders
from tests.sync.shops import STORE, connect

FEW_RETRIES = RetryPolicy(max_attempts=3, base_backoff=0.0, max_backoff=0.0, jitter=0.0)


@pytest.fixture
def store(shop: SandboxShop) -> Iterator[ShopifyShop]:
    yield from connect(shop, retry=FEW_RETRIES)


def linked_pool(
    db: Database,
    shop: SandboxShop,
    store: ShopifyShop,
    codes: list[str],
    *,
    currency: str = "USD",
    value: str = "25.00",
    cost: str = "8.50",
) -> common.Target:
    """Campaign 'summer' with incentive 'kit' linked to a discount holding ``codes``, pulled."""
    shop.create_code_discount("Summer", codes=codes)
    campaigns.create(db, "Summer", key="summer", currency=currency)
    incentives.add(
        db,
        "summer",
        key="kit",
        description="kit reward",
        value=value,
        cost=cost,
        timing="pre_payment",
    )
    link.link(db, store, STORE, "summer/kit", SourceRef(discount_code=codes[0]))
    campaigns.set_status(db, "summer", "active")
    (target,) = common.targets(db, STORE, "summer/kit")
    pull.pull(db, store, target)
    return target


def release_to(db: Database, count: int) -> dict[str, str]:
    """Move ``count`` new creators to pre_payment; their handles by the code each got."""
    released = {}
    for handle in builders.add_creators(db, "summer", count):
        code = moves.move(db, "summer", handle, "pre_payment").released[0].code
        assert code is not None
        released[code] = handle
    return released


def creator_rows(report: reports.Report) -> dict[str, ReportRow]:
    return {row.creator: row for row in report.rows if row.creator is not None}


def sync_orders(db: Database, store: ShopifyShop, target: common.Target | None = None) -> None:
    if target is not None:
        usage.refresh_usage(db, store, target)
    orders.pull_orders(db, store, STORE)


@pytest.mark.parametrize("shop", ["JPY"], indirect=True)
def test_split_order_in_a_currency_without_minor_units_adds_up_to_its_total(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    linked_pool(db, shop, store, builders.codes_named("JPY", 3), currency="JPY", cost="850")
    released = release_to(db, 3)
    shop.place_order(list(released), Decimal("1000"))
    sync_orders(db, store)

    report = reports.build(db, "summer")

    shares = sorted((row.revenue for row in creator_rows(report).values()), reverse=True)
    assert [f"{share:f}" for share in shares] == ["334", "333", "333"]
    campaign = report.rows[0]
    assert f"{campaign.revenue:f}" == "1000" and f"{campaign.cost:f}" == "2550"


def test_order_split_in_cents_goes_to_the_first_code_it_used(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    linked_pool(db, shop, store, builders.codes_named("USD", 3))
    released = release_to(db, 3)
    used = sorted(released)
    shop.place_order(used, Decimal("100.00"))
    sync_orders(db, store)

    rows = creator_rows(reports.build(db, "summer"))

    assert [f"{rows[released[c]].revenue:f}" for c in used] == ["33.34", "33.33", "33.33"]


def record_order(db: Database, number: int, code: str, total: str, currency: str) -> None:
    """An order as the orders sync stores it (as a shop that changed currency would send)."""
    builders.record_order(db, STORE, f"gid://shopify/Order/{number}", number, code, total, currency)


def test_orders_in_another_currency_are_reported_apart_and_left_out_of_roi(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    linked_pool(db, shop, store, builders.codes_named("CUR", 2))
    (code, handle), _ = release_to(db, 2).items()
    shop.place_order([code], Decimal("100.00"))  # the shop's currency: USD
    sync_orders(db, store)
    record_order(db, 9001, code, "100.00", "EUR")
    record_order(db, 9002, code, "1000", "JPY")

    report = reports.build(db, "summer")

    row = creator_rows(report)[handle]
    assert row.revenue == Decimal("100.00")
    assert row.other_revenue == {"EUR": Decimal("100.00"), "JPY": Decimal("1000")}
    assert row.orders == 3
    assert report.other_currencies == ("EUR", "JPY")
    campaign = report.rows[0]
    assert campaign.revenue == Decimal("100.00")
    assert campaign.other_revenue == {"EUR": Decimal("100.00"), "JPY": Decimal("1000")}
    assert campaign.roi == reports.roi(Decimal("100.00"), Decimal("17.00"))


@pytest.mark.parametrize("shop", ["EUR"], indirect=True)
def test_a_shop_in_another_currency_than_the_campaign_adds_nothing_to_its_revenue(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    linked_pool(db, shop, store, builders.codes_named("EUR", 1))
    ((code, handle),) = release_to(db, 1).items()
    shop.place_order([code], Decimal("45.50"))
    sync_orders(db, store)

    report = reports.build(db, "summer")

    row = creator_rows(report)[handle]
    assert (row.revenue, row.other_revenue) == (Decimal("0.00"), {"EUR": Decimal("45.50")})
    assert report.rows[0].roi == Decimal("-1.0000")


def test_orders_placed_before_the_release_are_counted_apart_and_flagged(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    target = linked_pool(db, shop, store, builders.codes_named("PRE", 3))
    # The pool hands out the oldest code first; use it in the shop before anyone has it.
    before = shop.place_order(
        ["PRE000000"], Decimal("50.00"), processed_at=shop.clock() - timedelta(minutes=1)
    )
    released = release_to(db, 1)
    ((code, handle),) = released.items()
    assert code == "PRE000000", "the test relies on the oldest code being released first"
    shop.place_order([code], Decimal("20.00"))
    shop.place_order(["PRE000002"], Decimal("7.00"))  # a code not released to anyone yet
    sync_orders(db, store, target)

    report = reports.build(db, "summer")

    row = creator_rows(report)[handle]
    assert before and row.revenue == Decimal("20.00")
    assert (row.orders, row.early_uses, row.redemptions) == (1, 1, 1)
    assert FLAG_EARLY in row.flags
    campaign, incentive = report.rows[0], report.rows[1]
    assert campaign.revenue == incentive.revenue == Decimal("20.00")
    assert campaign.early_uses == incentive.early_uses == 2  # the early use and the unreleased
    assert FLAG_EARLY in incentive.flags and FLAG_EARLY in campaign.flags


def test_an_order_placed_long_before_the_release_is_not_credited(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    linked_pool(db, shop, store, builders.codes_named("OLD", 2))
    ((code, handle),) = release_to(db, 1).items()
    last_week = shop.clock() - timedelta(days=7)
    shop.place_order([code], Decimal("80.00"), processed_at=last_week)
    sync_orders(db, store)

    row = creator_rows(reports.build(db, "summer"))[handle]

    assert (row.revenue, row.orders, row.early_uses) == (Decimal("0.00"), 0, 1)


def test_roi_is_rounded_half_up_like_every_other_figure() -> None:
    # (8.01 - 8.00) / 8.00 = 0.00125 exactly: half up gives 0.0013, half even 0.0012.
    assert reports.roi(Decimal("8.01"), Decimal("8.00")) == Decimal("0.0013")
    assert reports.roi(Decimal("1"), Decimal("0")) is None
