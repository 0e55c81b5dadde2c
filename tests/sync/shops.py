"""The local Shopify for the sync tests: connecting to it, and a campaign linked to it."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from integrations.ports import Shop, SourceRef
from integrations.sandbox.shopify import FaultConfig, SandboxShop, serve
from integrations.shopify.retry import RetryPolicy
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Code
from sync import campaigns
from sync.shopsync import common, link
from tests import builders

STORE = "main"
FAST_RETRY = RetryPolicy(max_attempts=12, base_backoff=0.0, max_backoff=0.0, jitter=0.0)


def connect(
    shop: SandboxShop, faults: FaultConfig | None = None, *, retry: RetryPolicy = FAST_RETRY
) -> Iterator[ShopifyShop]:
    """Serve ``shop`` on loopback (with ``faults``) and yield a client that never sleeps."""
    with (
        serve(shop, faults=faults) as server,
        ShopifyShop.connect(
            shop=shop.domain,
            access_token=server.access_token,
            admin_api_url=server.admin_api_url,
            retry=retry,
            sleep=lambda _: None,
        ) as store,
    ):
        yield store


def linked_campaign(
    db: Database, store: Shop, discount_code: str, **options: object
) -> common.Target:
    """Campaign 'summer' whose empty incentive 'kit' is linked to the discount holding
    ``discount_code`` in store :data:`STORE`, then activated; nothing pulled yet."""
    builders.campaign(db, pools={"kit": 0}, active=False, **options)  # type: ignore[arg-type]
    link.link(db, store, STORE, "summer/kit", SourceRef(discount_code=discount_code))
    campaigns.set_status(db, "summer", "active")
    (target,) = common.targets(db, STORE, "summer/kit")
    return target


def pooled(db: Database) -> dict[str, str]:
    """Every pooled code of summer/kit with its status (test-side look, not a user view)."""
    with db.transaction() as tx:
        return {c.code: c.status for c in tx.scalars(select(Code))}
