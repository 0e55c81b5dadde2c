"""The local Shopify's own control routes: what a merchant does in the admin, over HTTP."""

from __future__ import annotations

import httpx

from integrations.sandbox.shopify import SandboxShop, serve
from integrations.sandbox.shopify.constants import ACCESS_TOKEN_HEADER


def test_codes_posted_to_the_control_route_join_the_discount_all_or_nothing() -> None:
    shop = SandboxShop()
    discount = shop.create_code_discount("Summer", codes=["SUMMER-A"])
    gid = f"gid://shopify/DiscountCodeNode/{discount}"
    with serve(shop) as sandbox:
        url = f"{sandbox.base_url}/sandbox/codes"
        token = {ACCESS_TOKEN_HEADER: sandbox.access_token}
        added = httpx.post(url, json={"discount": gid, "codes": ["SUMMER-B"]}, headers=token)
        taken = httpx.post(
            url, json={"discount": gid, "codes": ["SUMMER-C", "summer-a"]}, headers=token
        )
        unsigned = httpx.post(url, json={"discount": gid, "codes": ["SUMMER-D"]})
        unknown = httpx.post(url, json={"discount": 999, "codes": ["SUMMER-E"]}, headers=token)
    assert (added.status_code, added.json()) == (200, {"added": 1})
    assert (taken.status_code, unsigned.status_code, unknown.status_code) == (400, 401, 400)
    assert sorted(shop.codes_of(discount)) == ["SUMMER-A", "SUMMER-B"]
