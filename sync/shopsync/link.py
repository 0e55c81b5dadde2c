"""``incentives link``: tie an incentive's pool to a discount in a store.

Codes already in the pool are checked against the discount first: a linked
pool must hold only codes that exist in the store, so linking refuses (unless
forced) when some are missing. The check talks to the store outside any
transaction; the decision is taken after locking the incentive row, which
uploads take too, so an upload racing the link either lands before the lock
(and its codes are checked) or after it (and is refused: the pool is linked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrations.ports import CodeSource, Shop, SourceRef
from store import events, shop_links, shop_sync
from store.db import Database
from sync import lookup
from sync.codes_input import normalize_code
from sync.errors import DomainError
from sync.wording import plural

#: Rounds of "check the new codes, lock, look again" before giving up on a pool that
#: keeps receiving uploads while it is being linked.
LINK_ATTEMPTS = 3
RELEASED = frozenset({"assigned", "revoked"})


@dataclass(frozen=True)
class LinkResult:
    incentive: str
    store: str
    source_id: str
    title: str
    status: str
    code_count: int | None
    pooled: int  # codes already in the pool, checked against the discount
    missing: int  # of those, not in the discount (linked anyway with --force)


class CodesNotInDiscount(DomainError):
    """Some pooled codes do not exist in the discount being linked."""

    def __init__(self, ref: str, title: str, missing: int, pooled: int, released: int) -> None:
        self.missing, self.released = missing, released
        were = (
            f"{released:,} of them already released to creators"
            if released
            else "none of them released yet"
        )
        super().__init__(
            f"{missing:,} of the {plural(pooled, 'code')} in the pool of '{ref}' "
            f"{'is' if missing == 1 else 'are'} not in discount "
            f"{title!r} ({were}): create them in the store and link again, or link anyway "
            f"with `--force` (the next `promosync sync pull {ref}` then quarantines the "
            f"missing codes and flags released ones in the report)"
        )


class PoolKeepsChanging(DomainError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"Codes kept arriving in the pool of '{ref}' while it was being linked: stop "
            f"uploads into it and run `promosync incentives link {ref} ...` again"
        )


def link(
    db: Database,
    shop: Shop,
    store_name: str,
    ref: str,
    source_ref: SourceRef,
    *,
    force: bool = False,
) -> LinkResult:
    """Resolve the discount in the store, check the pool against it, and link."""
    campaign_key, key = lookup.split_incentive_ref(ref)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        campaign_id = campaign.id
        incentive_id = lookup.incentive(tx, campaign, key).id
        current = shop_links.link_of(tx, incentive_id)
    _refuse_other_store(ref, current, store_name)
    source = shop.resolve_source(source_ref)
    present: dict[str, bool] = {}  # code norm -> exists in the discount
    for _ in range(LINK_ATTEMPTS):
        with db.transaction() as tx:
            pool = shop_sync.pool_codes(tx, incentive_id)
        unchecked = [code for code, _ in pool if normalize_code(code) not in present]
        present.update(_presence(shop, source, unchecked))
        with db.transaction() as tx:
            # Decide after the lock: an upload that committed meanwhile is seen here.
            current = shop_links.link_of(tx, incentive_id, lock=True)
            _refuse_other_store(ref, current, store_name)
            pool = shop_sync.pool_codes(tx, incentive_id)
            if any(normalize_code(code) not in present for code, _ in pool):
                continue  # new codes arrived between the check and the lock: check them too
            holder = shop_links.incentive_for_source(tx, store_name, source.platform_id)
            if holder is not None and holder != incentive_id:
                raise DomainError(
                    f"Discount {source.title!r} already feeds another incentive's pool: one "
                    f"discount serves one incentive, so codes are never handed out twice"
                )
            missing = [status for code, status in pool if not present[normalize_code(code)]]
            if missing and not force:
                released = sum(1 for status in missing if status in RELEASED)
                raise CodesNotInDiscount(ref, source.title, len(missing), len(pool), released)
            if not current.linked:
                clashes = shop_links.rescope_codes(tx, incentive_id, store_name)
                if clashes:
                    raise DomainError(
                        f"{plural(clashes, 'code')} of '{ref}' "
                        f"{'is' if clashes == 1 else 'are'} already pooled for store "
                        f"'{store_name}' elsewhere: codes are unique per store; remove the "
                        f"duplicates first"
                    )
            shop_links.set_link(
                tx,
                incentive_id,
                store_name,
                source_id=source.platform_id,
                title=source.title,
                status=source.status,
            )
            events.record(
                tx,
                "incentive.linked",
                campaign_id=campaign_id,
                incentive_id=incentive_id,
                store=store_name,
                source=source.platform_id,
                pooled=len(pool),
                missing=len(missing),
                forced=bool(missing),
            )
            return LinkResult(
                ref,
                store_name,
                source.platform_id,
                source.title,
                source.status,
                source.code_count,
                len(pool),
                len(missing),
            )
    raise PoolKeepsChanging(ref)


def _refuse_other_store(ref: str, current: shop_links.Link, store_name: str) -> None:
    if current.linked and current.store_name != store_name:
        raise DomainError(
            f"Incentive '{ref}' is linked to store '{current.store_name}': a pool belongs to "
            f"one store; create another incentive for '{store_name}'"
        )


def _presence(shop: Shop, source: CodeSource, codes: Sequence[str]) -> dict[str, bool]:
    """Which of ``codes`` exist in the discount, by code norm."""
    if not codes:
        return {}
    found = {normalize_code(seen.code) for seen in shop.usage(source, codes)}
    return {normalize_code(code): normalize_code(code) in found for code in codes}
