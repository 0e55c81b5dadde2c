"""Concurrent requests leave the shop consistent: a code exists at most once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from integrations.sandbox.shopify import SandboxServer, SandboxShop
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql, code_discount_gid

WORKERS = 8


def test_concurrent_bulk_adds_of_overlapping_codes_create_each_code_once(
    sandbox: SandboxServer, shop: SandboxShop
) -> None:
    number = shop.create_code_discount("Race")
    batches = [[f"CODE{(w * 7 + i) % 40}" for i in range(20)] for w in range(WORKERS)]

    def add_and_finish(codes: list[str]) -> int:
        gql = Gql(sandbox)
        variables = {"discountId": code_discount_gid(number), "codes": [{"code": c} for c in codes]}
        creation = gql(docs.ADD_REDEEM_CODES, variables)["data"]["discountRedeemCodeBulkAdd"][
            "bulkCreation"
        ]
        for _ in range(2):
            body = gql(docs.POLL_REDEEM_CODE_CREATION, {"id": creation["id"]})
            assert "data" in body, body
            done = body["data"]
        gql.http.close()
        imported: int = done["discountRedeemCodeBulkCreation"]["importedCount"]
        return imported

    with ThreadPoolExecutor(WORKERS) as pool:
        imported = sum(pool.map(add_and_finish, batches))
    stored = shop.codes_of(number)
    assert len(stored) == len(set(stored)) == len({c for batch in batches for c in batch})
    assert imported == len(stored)
