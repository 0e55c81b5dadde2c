"""The local WooCommerce for tests: serving it, connecting WooShop, a campaign linked by prefix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.ports import SourceRef
from integrations.retry import RetryPolicy
from integrations.sandbox.woocommerce import FaultConfig, SandboxWooShop, WooServer, serve
from integrations.woocommerce.shop import WooShop
from store.db import Database
from sync import campaigns
from sync.shopsync import common, link
from tests import builders

STORE = "woo"
PREFIX = "SUMMER-"
TEMPLATE = "summer-template"
FAST_RETRY = RetryPolicy(max_attempts=30, base_backoff=0.0, max_backoff=0.0, jitter=0.0)


def seed(shop: SandboxWooShop, count: int, prefix: str = PREFIX) -> list[str]:
    """``count`` coupons ``PREFIX0000..`` (typed upper-case: the store lower-cases them)."""
    codes = [f"{prefix}{n:05d}X" for n in range(count)]
    for code in codes:
        shop.add_coupon(code, "10", usage_limit=1)
    return codes


def connect_to(server: WooServer, *, retry: RetryPolicy = FAST_RETRY, **options: object) -> WooShop:
    """A WooShop on the local server that never sleeps between retries."""
    return WooShop.connect(
        url=server.base_url,
        consumer_key=server.consumer_key,
        consumer_secret=server.consumer_secret,
        retry=retry,
        sleep=lambda _: None,
        **options,  # type: ignore[arg-type]
    )


@contextmanager
def connect(
    shop: SandboxWooShop, faults: FaultConfig | None = None, **options: object
) -> Iterator[WooShop]:
    """Serve ``shop`` on loopback (with ``faults``) and yield a connected WooShop."""
    with serve(shop, faults=faults) as server, connect_to(server, **options) as store:
        yield store


def linked_campaign(
    db: Database,
    store: WooShop,
    prefix: str = PREFIX,
    template: str | None = None,
    **options: object,
) -> common.Target:
    """Campaign 'summer' whose empty incentive 'kit' is linked to the coupons starting with
    ``prefix`` in store :data:`STORE`, then activated; nothing pulled yet."""
    builders.campaign(db, pools={"kit": 0}, active=False, **options)  # type: ignore[arg-type]
    ref = SourceRef(prefix=prefix, template_code=template)
    link.link(db, store, STORE, "summer/kit", ref)
    campaigns.set_status(db, "summer", "active")
    (target,) = common.targets(db, STORE, "summer/kit")
    return target
