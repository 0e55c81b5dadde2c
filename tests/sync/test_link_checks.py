"""A linked pool holds only codes of its discount (#7), and generate counts only what it made (#31).

Against the local Shopify (real HTTP on loopback), on both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from integrations.ports import SourceRef
from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store import shop_requests
from store.db import Database
from store.models import Code
from store.models_sync import CodeRequest
from sync import campaigns, codes, moves
from sync.codes import LinkedPoolUpload
from sync.codes_input import normalize_code
from sync.shopsync import common, generate, link, pull
from sync.shopsync.link import CodesNotInDiscount
from tests import builders
from tests.sync.shops import STORE, linked_campaign, pooled


def is_linked(db: Database) -> bool:
    try:
        common.target(db, "summer/kit")
    except common.NotLinked:
        return False
    return True


def test_upload_into_a_linked_incentive_is_refused_naming_the_ways_out(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    shop.create_code_discount("Summer", codes=["SHOP0001"])
    target = linked_campaign(db, store, "SHOP0001")
    pull.pull(db, store, target)

    with pytest.raises(LinkedPoolUpload) as refused:
        builders.upload(db, "summer/kit", ["LOCAL0001", "LOCAL0002"])

    message = str(refused.value)
    assert "`promosync sync pull summer/kit`" in message
    assert "`promosync codes generate summer/kit" in message
    assert "LOCAL0001" not in message
    assert pooled(db) == {"SHOP0001": "available"}


def test_link_refuses_when_pooled_codes_are_not_in_the_discount(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    shop.create_code_discount("Summer", codes=["SHOP0001", "SHOP0002"])
    builders.campaign(db, pools={"kit": 0}, active=False)
    builders.upload(db, "summer/kit", ["shop0001", "LOCAL0001", "LOCAL0002"])

    with pytest.raises(CodesNotInDiscount) as refused:
        link.link(db, store, STORE, "summer/kit", SourceRef(discount_code="SHOP0001"))

    assert (refused.value.missing, refused.value.released) == (2, 0)
    assert "2 of the 3 codes" in str(refused.value) and "none of them released" in str(
        refused.value
    )
    assert "--force" in str(refused.value) and "LOCAL0001" not in str(refused.value)
    assert not is_linked(db)


def test_link_names_released_codes_missing_from_the_discount(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    shop.create_code_discount("Summer", codes=["SHOP0001"])
    builders.campaign(db, pools={"kit": 0}, active=False)
    builders.upload(db, "summer/kit", ["LOCAL0001", "SHOP0001"])
    campaigns.set_status(db, "summer", "active")
    (handle,) = builders.add_creators(db, "summer", 1)
    assert moves.move(db, "summer", handle, "pre_payment").released[0].code == "LOCAL0001"

    with pytest.raises(CodesNotInDiscount) as refused:
        link.link(db, store, STORE, "summer/kit", SourceRef(discount_code="SHOP0001"))

    assert (refused.value.missing, refused.value.released) == (1, 1)
    assert "1 of them already released" in str(refused.value)


def test_forced_link_links_and_the_pull_quarantines_the_missing_codes(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    shop.create_code_discount("Summer", codes=["SHOP0001"])
    builders.campaign(db, pools={"kit": 0}, active=False)
    builders.upload(db, "summer/kit", ["SHOP0001", "LOCAL0001"])

    result = link.link(
        db, store, STORE, "summer/kit", SourceRef(discount_code="SHOP0001"), force=True
    )
    pull.pull(db, store, common.target(db, "summer/kit"))

    assert (result.pooled, result.missing) == (2, 1)
    assert pooled(db) == {"SHOP0001": "available", "LOCAL0001": "quarantined"}


def test_link_accepts_a_pool_whose_codes_are_all_in_the_discount(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    shop.create_code_discount("Summer", codes=["SHOP0001", "SHOP0002"])
    builders.campaign(db, pools={"kit": 0}, active=False)
    builders.upload(db, "summer/kit", ["shop0002"])

    result = link.link(db, store, STORE, "summer/kit", SourceRef(discount_code="SHOP0001"))

    assert (result.pooled, result.missing) == (1, 0) and is_linked(db)
    assert codes.status(db, "summer/kit").counts.available == 1


def test_generate_settles_leftovers_apart_and_creates_exactly_the_count(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    discount = shop.create_code_discount("Summer", codes=["SEED0001"])
    target = linked_campaign(db, store, "SEED0001")
    # A run that died after recording 3 requests, of which only one reached the store.
    leftovers = ["LEFT0001", "LEFT0002", "LEFT0003"]
    with db.transaction() as tx:
        shop_requests.request_codes(
            tx, target.id, STORE, [(c, normalize_code(c)) for c in leftovers]
        )
    shop.add_codes(discount, leftovers[:1])

    result = generate.generate(db, store, target, 5, prefix="NEW-")

    assert (result.requested, result.created) == (5, 5)
    assert (result.leftovers.requested, result.leftovers.created) == (3, 3)
    in_store = set(shop.codes_of(discount))
    assert len([c for c in in_store if c.startswith("NEW-")]) == 5
    assert set(leftovers) <= in_store and set(pooled(db)) == in_store
    with db.transaction() as tx:
        states = set(tx.scalars(select(CodeRequest.state)))
        assert states == {"created"}
        assert len(list(tx.scalars(select(Code.id)))) == 1 + 3 + 5
