"""One local Shopify process, many shops: each its own domain, token, codes, orders and bucket.

A shop is reached as the real client calls it (by ``Host``) or, on loopback, by its
domain as the first path segment (its ``admin_api_url``); the bare single-shop URLs
still reach the first shop. Nothing of one shop shows in another.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from integrations.ports import SourceRef
from integrations.sandbox.shopify import (
    BucketConfig,
    JobTiming,
    ManualClock,
    SandboxServer,
    SandboxShop,
    serve,
)
from integrations.sandbox.shopify.constants import GRAPHQL_PATH
from integrations.shopify import NotFound, ShopNotFound
from integrations.shopify.shop import ShopifyShop
from tests.integrations.sandbox import documents as docs
from tests.sync.shops import FAST_RETRY

SHOPS = 3
CODES_PER_SHOP = 30
# A page of 250 reserves 505 points (and keeps 35 for 30 codes): a small bucket to drain.
BUCKET = 600


def _domain(n: int) -> str:
    return f"shop-{n:03d}.myshopify.com"


def _shops(**options: object) -> list[SandboxShop]:
    """:data:`SHOPS` shops, each with one discount of its own codes."""
    shops = [
        SandboxShop(name=f"Shop {n}", domain=_domain(n), **options)  # type: ignore[arg-type]
        for n in range(SHOPS)
    ]
    for n, shop in enumerate(shops):
        codes = [f"S{n}C{i:03d}" for i in range(CODES_PER_SHOP)]
        shop.create_code_discount(f"Discount {n}", codes=codes)
    return shops


@pytest.fixture
def fleet() -> Iterator[tuple[list[SandboxShop], SandboxServer]]:
    """:func:`_shops` served by one server."""
    shops = _shops(job_timing=JobTiming(polls_until_done=1))
    with serve(shops[0], *shops[1:]) as server:
        yield shops, server
    for shop in shops:
        shop.close()


def _client(server: SandboxServer, shop: SandboxShop, **options: object) -> ShopifyShop:
    return ShopifyShop.connect(
        shop=shop.domain,
        access_token=shop.access_token,
        admin_api_url=server.admin_api_url_for(shop.domain),
        retry=FAST_RETRY,
        sleep=lambda _: None,
        **options,  # type: ignore[arg-type]
    )


def test_each_shop_answers_with_its_own_shop_and_codes(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    for n, shop in enumerate(shops):
        # every other shop reads its codes through a bulk export (its file URL is per shop)
        with _client(server, shop, bulk_threshold=1 if n % 2 else 10_000) as client:
            assert client.check().domain == shop.domain
            source = client.resolve_source(SourceRef(discount_code=f"S{n}C000"))
            codes = sorted(c.code for page in client.iter_codes(source) for c in page)
            assert codes == [f"S{n}C{i:03d}" for i in range(CODES_PER_SHOP)]
            other = (n + 1) % SHOPS
            with pytest.raises(NotFound):
                client.resolve_source(SourceRef(discount_code=f"S{other}C000"))


def test_codes_created_and_orders_placed_in_one_shop_stay_there(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    first, second = shops[0], shops[1]
    with _client(server, first) as client:
        source = client.resolve_source(SourceRef(discount_code="S0C000"))
        assert client.create_codes(source, ["ONLY-IN-0"]).created
    first.place_order(codes=["S0C001"], total=Decimal("10.00"))

    assert "ONLY-IN-0" in first.codes_of(next(iter(first.discounts)))
    assert all("ONLY-IN-0" not in second.codes_of(d) for d in second.discounts)
    assert len(first.orders) == 1 and len(second.orders) == 0


def test_a_token_opens_only_its_own_shop(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    query = {"query": docs.SHOP_CHECK}
    with httpx.Client(timeout=10) as http:
        url = server.admin_api_url_for(shops[1].domain)
        own = http.post(url, json=query, headers={"X-Shopify-Access-Token": shops[1].access_token})
        foreign = http.post(
            url, json=query, headers={"X-Shopify-Access-Token": shops[0].access_token}
        )
    assert own.status_code == 200
    assert own.json()["data"]["shop"]["myshopifyDomain"] == shops[1].domain
    assert foreign.status_code == 401


def test_each_shop_has_its_own_cost_bucket() -> None:
    # The frozen clock restores nothing.
    shops = _shops(clock=ManualClock(), bucket=BucketConfig(maximum_available=BUCKET))
    with serve(shops[0], *shops[1:]) as server:
        _drain_one_bucket_and_ask_another(shops, server)
    for shop in shops:
        shop.close()


def _drain_one_bucket_and_ask_another(shops: list[SandboxShop], server: SandboxServer) -> None:
    page = {"query": docs.REDEEM_CODES_PAGE}

    def ask(shop: SandboxShop) -> dict[str, object]:
        number = next(iter(shop.discounts))
        body = {
            **page,
            "variables": {"id": f"gid://shopify/DiscountNode/{number}", "first": 250},
        }
        with httpx.Client(timeout=10) as http:
            response = http.post(
                server.admin_api_url_for(shop.domain),
                json=body,
                headers={"X-Shopify-Access-Token": shop.access_token},
            )
        answer: dict[str, object] = response.json()
        return answer

    # Each page reserves 505 points and keeps 35: the fourth finds 495 left, and is throttled.
    answers = [ask(shops[0]) for _ in range(4)]
    assert ["errors" in a for a in answers] == [False, False, False, True]
    fresh = ask(shops[1])

    assert "errors" not in fresh
    cost = fresh["extensions"]["cost"]  # type: ignore[index]
    assert cost["throttleStatus"]["currentlyAvailable"] == BUCKET - cost["actualQueryCost"]


def test_a_shop_is_found_by_host_as_the_real_client_sends_it(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    with httpx.Client(timeout=10) as http:
        response = http.post(
            server.base_url + GRAPHQL_PATH,
            json={"query": docs.SHOP_CHECK},
            headers={"Host": shops[2].domain, "X-Shopify-Access-Token": shops[2].access_token},
        )
    assert response.json()["data"]["shop"]["myshopifyDomain"] == shops[2].domain


def test_bare_urls_reach_the_first_shop_and_unknown_shops_are_not_found(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    with ShopifyShop.connect(
        shop=shops[0].domain, access_token=shops[0].access_token, admin_api_url=server.admin_api_url
    ) as bare:
        assert bare.check().domain == shops[0].domain
    unknown = SandboxShop(domain="nowhere.myshopify.com")
    with (
        ShopifyShop.connect(
            shop=unknown.domain,
            access_token=unknown.access_token,
            admin_api_url=server.base_url + f"/{unknown.domain}" + GRAPHQL_PATH,
        ) as lost,
        pytest.raises(ShopNotFound),
    ):
        lost.check()
    unknown.close()


def test_client_credentials_are_exchanged_at_the_shop_they_belong_to(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    shops, server = fleet
    # Same app credentials in every shop (one app installed in many shops): the URL decides.
    target = shops[2]
    with ShopifyShop.connect(
        shop=target.domain,
        client_id=target.client_id,
        client_secret=target.client_secret,
        admin_api_url=server.admin_api_url_for(target.domain),
    ) as client:
        assert client.check().domain == target.domain


def test_shops_can_be_added_while_serving(
    fleet: tuple[list[SandboxShop], SandboxServer],
) -> None:
    _, server = fleet
    late = SandboxShop(domain="late.myshopify.com")
    url = server.add_shop(late)
    with pytest.raises(ValueError, match="already served"):
        server.add_shop(late)
    with ShopifyShop.connect(
        shop=late.domain, access_token=late.access_token, admin_api_url=url
    ) as client:
        assert client.check().domain == late.domain
    assert [s.domain for s in server.shops][-1] == late.domain
    late.close()
