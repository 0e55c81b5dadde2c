"""Small builders for campaigns, pools and creators, so tests state only what matters."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from store import shop_sync
from store.db import Database
from store.models import utcnow
from sync import campaigns, codes, creators, incentives
from sync.codes_input import normalize_code


def codes_named(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n:06d}" for n in range(count)]


def campaign(
    db: Database,
    key: str = "summer",
    *,
    pools: dict[str, int] | None = None,
    timing: dict[str, str] | None = None,
    on_drop: dict[str, str] | None = None,
    active: bool = True,
    currency: str = "USD",
) -> str:
    """A campaign with incentives ``{key: pool size}`` (default one pre-payment 'kit' of 3)."""
    pools = {"kit": 3} if pools is None else pools
    timing = timing or {}
    on_drop = on_drop or {}
    campaigns.create(db, key.title(), key=key, currency=currency)
    for incentive, size in pools.items():
        incentives.add(
            db,
            key,
            key=incentive,
            description=f"{incentive} reward",
            value="25.00",
            cost="8.50",
            timing=timing.get(incentive, "pre_payment"),
            on_drop=on_drop.get(incentive, "keep"),
        )
        if size:
            upload(db, f"{key}/{incentive}", codes_named(f"{key}-{incentive}-".upper(), size))
    if active:
        campaigns.set_status(db, key, "active")
    return key


def upload(db: Database, ref: str, values: Sequence[str], **options: object) -> codes.UploadResult:
    return codes.upload(db, ref, io.StringIO("\n".join(values)), **options)  # type: ignore[arg-type]


def add_creators(db: Database, campaign_key: str, count: int, prefix: str = "creator") -> list[str]:
    handles = [f"{prefix}{n:04d}" for n in range(count)]
    for handle in handles:
        creators.add(db, campaign_key, handle, first_name=handle.title())
    return handles


def record_order(
    db: Database,
    scope: str,
    platform_id: str,
    number: int,
    code: str,
    total: str,
    currency: str,
    *,
    days_ago: int = 0,
) -> None:
    """A paid order ``#number`` that used ``code``, stored as the orders sync stores it."""
    facts = shop_sync.OrderFacts(
        platform_id=platform_id,
        name=f"#{number}",
        processed_at=utcnow() - timedelta(days=days_ago),
        currency=currency,
        total=Decimal(total),
        financial_status="paid",
        cancelled=False,
        test=False,
        code_norms=(normalize_code(code),),
    )
    with db.transaction() as tx:
        shop_sync.upsert_order(tx, scope, facts)
