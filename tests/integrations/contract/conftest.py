"""One ``platform`` fixture per local shop: the contract suite runs once against each.

Each :class:`Platform` holds a connected :class:`~integrations.ports.Shop`, a
reference to a source seeded with :data:`SEEDED` codes, and the merchant-side
moves the contract needs (place an order, make a code someone else's), done on
the local shop directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from integrations.ports import Shop, SourceRef
from integrations.retry import RetryPolicy
from integrations.sandbox.shopify import BucketConfig, SandboxShop
from integrations.sandbox.shopify import serve as serve_shopify
from integrations.sandbox.woocommerce import SandboxWooShop
from integrations.sandbox.woocommerce import serve as serve_woo
from integrations.shopify.shop import ShopifyShop
from integrations.woocommerce.shop import WooShop

SEEDED = 120
FAST_RETRY = RetryPolicy(max_attempts=12, base_backoff=0.0, max_backoff=0.0, jitter=0.0)


@dataclass
class Platform:
    """A local shop seen through the Shop protocol, and the merchant's hands on it."""

    name: str
    currency: str
    shop: Shop
    ref: SourceRef  # a source holding ``seeded``
    seeded: list[str]  # the codes as the merchant typed them
    missing_ref: SourceRef  # a source that does not exist
    fresh_codes: Callable[[int], list[str]]  # codes fit to be created in the source
    someone_elses: Callable[[], str]  # a code fit for the source that someone else holds
    place_order: Callable[[str, Decimal], None]
    bad_credentials: Callable[[], Shop]


@pytest.fixture(params=["shopify", "woocommerce"])
def platform(request: pytest.FixtureRequest) -> Iterator[Platform]:
    builder = {"shopify": _shopify, "woocommerce": _woocommerce}[request.param]
    yield from builder()


def _shopify() -> Iterator[Platform]:
    seeded = [f"CON-{n:04d}AB" for n in range(SEEDED)]
    with SandboxShop(bucket=BucketConfig(enabled=False)) as local:
        local.create_code_discount("Contract", codes=seeded)
        other = local.create_code_discount("Other")
        counter = iter(range(10_000))

        def someone_elses() -> str:
            code = f"CON-OTHER{next(counter):04d}"
            local.add_codes(other, [code])
            return code

        with serve_shopify(local) as server:

            def connect(token: str) -> ShopifyShop:
                return ShopifyShop.connect(
                    shop=local.domain,
                    access_token=token,
                    admin_api_url=server.admin_api_url,
                    retry=FAST_RETRY,
                    sleep=lambda _: None,
                )

            with connect(server.access_token) as shop:
                yield Platform(
                    name="shopify",
                    currency="USD",
                    shop=shop,
                    ref=SourceRef(discount_code=seeded[0]),
                    seeded=seeded,
                    missing_ref=SourceRef(discount_code="NO-SUCH-CODE"),
                    fresh_codes=lambda n: [f"CON-NEW{i:04d}" for i in range(n)],
                    someone_elses=someone_elses,
                    place_order=lambda code, total: local.place_order([code], total) and None,
                    bad_credentials=lambda: connect("shpat_wrong"),
                )


def _woocommerce() -> Iterator[Platform]:
    seeded = [f"CON-{n:04d}AB" for n in range(SEEDED)]
    local = SandboxWooShop()
    for code in seeded:
        local.add_coupon(code, "10")
    local.add_coupon("con-template", "10", discount_type="percent")
    counter = iter(range(10_000))

    def someone_elses() -> str:
        code = f"CON-OTHER{next(counter):04d}"
        local.add_coupon(code, "5")  # the merchant's own coupon, made in wp-admin
        return code

    with serve_woo(local) as server:

        def connect(secret: str) -> WooShop:
            return WooShop.connect(
                url=server.base_url,
                consumer_key=server.consumer_key,
                consumer_secret=secret,
                retry=FAST_RETRY,
                sleep=lambda _: None,
            )

        with connect(server.consumer_secret) as shop:
            yield Platform(
                name="woocommerce",
                currency=local.currency,
                shop=shop,
                ref=SourceRef(prefix="CON-", template_code="con-template"),
                seeded=seeded,
                missing_ref=SourceRef(code_ids=("999999",)),
                fresh_codes=lambda n: [f"CON-NEW{i:04d}" for i in range(n)],
                someone_elses=someone_elses,
                place_order=lambda code, total: local.place_order([code], total) and None,
                bad_credentials=lambda: connect("cs_wrong"),
            )
