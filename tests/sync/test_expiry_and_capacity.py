"""Codes ending too soon are never handed out; capacity counts what can be handed out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import utcnow
from sync import capacity, expiry, moves, policies, reports
from sync.config import Config
from sync.errors import OutOfCodes, UsageError
from sync.shopsync import pull
from tests import builders
from tests.sync.pool_health_support import event_count
from tests.sync.shops import linked_campaign


def test_codes_ending_sooner_than_min_validity_are_never_handed_out(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("SOON", 3)
    discount = shop.create_code_discount(
        "Summer", codes=wanted, ends_at=utcnow() + timedelta(days=5)
    )
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    handles = builders.add_creators(db, "summer", 2)

    with pytest.raises(OutOfCodes):  # 5 days left < the default 14
        moves.move(db, "summer", handles[0], "pre_payment")
    (pool,) = capacity.capacity(db, "summer")
    assert (pool.available, pool.short_validity) == (0, 3)

    policies.set_policy(db, "summer/kit", min_validity="4d")
    assert moves.move(db, "summer", handles[0], "pre_payment").released

    shop.set_ends_at(discount, utcnow() - timedelta(hours=1))  # the discount ended
    pull.pull(db, store, target)
    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handles[1], "pre_payment")


def test_a_discount_extended_in_the_store_makes_its_codes_usable_again(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("EXT", 2)
    discount = shop.create_code_discount(
        "Summer", codes=wanted, ends_at=utcnow() + timedelta(days=2)
    )
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    (handle,) = builders.add_creators(db, "summer", 1)
    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handle, "pre_payment")

    shop.set_ends_at(discount, None)
    pull.pull(db, store, target)

    assert moves.move(db, "summer", handle, "pre_payment").released


def test_holders_of_codes_ending_within_warn_before_are_warned_once(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    wanted = builders.codes_named("WARN", 2)
    discount = shop.create_code_discount(
        "Summer", codes=wanted, ends_at=utcnow() + timedelta(days=30)
    )
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    handles = builders.add_creators(db, "summer", 2)
    moves.move(db, "summer", handles[0], "pre_payment")
    assert expiry.expiry_check(db, Config()).warned == 0

    shop.set_ends_at(discount, utcnow() + timedelta(days=2))  # within the default 3 days
    pull.pull(db, store, target)

    assert expiry.expiry_check(db, Config()).warned == 1
    assert expiry.expiry_check(db, Config()).warned == 0  # once per code
    assert event_count(db, "code.expiring") == 1
    report = reports.build(db, "summer")
    (row,) = [r for r in report.rows if r.level == "creator"]
    assert "expires soon" in row.flags


def test_capacity_counts_waiting_creators_by_stage_and_the_run_out_date(db: Database) -> None:
    builders.campaign(db, pools={"kit": 10})
    handles = builders.add_creators(db, "summer", 9)
    for handle in handles[:3]:
        moves.move(db, "summer", handle, "pre_payment")  # 3 released today
    for handle in handles[3:5]:
        moves.move(db, "summer", handle, "confirmation")
    moves.move(db, "summer", handles[5], "applied")

    (pool,) = capacity.capacity(db, "summer")

    assert pool.participants == {"confirmation": 2}
    assert pool.candidates == {"candidates": 3, "applied": 1}
    assert (pool.available, pool.shortfall, pool.shortfall_with_candidates) == (7, 0, 0)
    # 3 releases over 7 days: 7 codes last 16 days.
    assert pool.runs_out_on == (utcnow() + timedelta(days=16)).date()
    dry = moves.move_stage(db, "summer", "candidates", "pre_payment", dry_run=True)
    assert dry.available == {"kit": 7} and dry.capacity == [pool]


def test_capacity_shortfall_and_no_rate_without_releases(db: Database) -> None:
    builders.campaign(db, pools={"kit": 1})
    for handle in builders.add_creators(db, "summer", 4):
        moves.move(db, "summer", handle, "confirmation")

    (pool,) = capacity.capacity(db, "summer")

    assert (pool.participants_waiting, pool.available, pool.shortfall) == (4, 1, 3)
    assert pool.runs_out_on is None


@pytest.mark.parametrize("value", ["soon", "-3d", "0d", "14 weeks"])
def test_a_bad_duration_is_refused_and_changes_nothing(db: Database, value: str) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match="--min-validity"):
        policies.set_policy(db, "summer/kit", min_validity=value)
    assert policies.set_policy(db, "summer/kit").min_validity == policies.DEFAULT_MIN_VALIDITY
