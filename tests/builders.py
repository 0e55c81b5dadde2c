"""Small builders for campaigns, pools and creators, so tests state only what matters."""

from __future__ import annotations

import io
from collections.abc import Sequence

from store.db import Database
from sync import campaigns, codes, creators, incentives


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
