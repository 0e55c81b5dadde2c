"""``incentives link``: tie an incentive's pool to a discount in a store."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.ports import Shop, SourceRef
from store import events, shop_sync
from store.db import Database
from sync import lookup
from sync.errors import DomainError


@dataclass(frozen=True)
class LinkResult:
    incentive: str
    store: str
    source_id: str
    title: str
    status: str
    code_count: int | None


def link(
    db: Database, shop: Shop, store_name: str, ref: str, source_ref: SourceRef
) -> LinkResult:
    """Resolve the discount in the store and link the incentive to it."""
    campaign_key, key = lookup.split_incentive_ref(ref)
    source = shop.resolve_source(source_ref)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        incentive = lookup.incentive(tx, campaign, key)
        if incentive.store_name and incentive.store_name != store_name:
            raise DomainError(
                f"Incentive '{ref}' is linked to store '{incentive.store_name}': a pool belongs "
                f"to one store; create another incentive for '{store_name}'"
            )
        holder = shop_sync.incentive_for_source(tx, store_name, source.platform_id)
        if holder is not None and holder.id != incentive.id:
            raise DomainError(
                f"Discount {source.title!r} already feeds another incentive's pool: one discount "
                f"serves one incentive, so codes are never handed out twice"
            )
        if not incentive.store_name:
            clashes = shop_sync.rescope_codes(tx, incentive, store_name)
            if clashes:
                raise DomainError(
                    f"{clashes} codes of '{ref}' are already pooled for store '{store_name}' "
                    f"elsewhere: codes are unique per store; remove the duplicates first"
                )
        incentive.store_name = store_name
        incentive.source_id = source.platform_id
        incentive.source_title = source.title
        incentive.source_status = source.status
        events.record(
            tx,
            "incentive.linked",
            campaign_id=campaign.id,
            incentive_id=incentive.id,
            store=store_name,
            source=source.platform_id,
        )
    return LinkResult(
        ref, store_name, source.platform_id, source.title, source.status, source.code_count
    )
