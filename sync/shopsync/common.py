"""What the store-sync jobs share: the incentive's code source and progress reporting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.ports import CodeSource
from store import catalog, shop_sync
from store.db import Database, Tx
from store.models import Incentive
from sync import lookup
from sync.errors import DomainError

#: Called with the number of items just processed (a progress bar, or nothing).
Progress = Callable[[int], None]


def no_progress(_: int) -> None:
    """The default: say nothing."""


class NotLinked(DomainError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"Incentive '{ref}' is not linked to a store discount: link it with "
            f"`promosync incentives link {ref} --store NAME --discount-code CODE`"
        )


class IncompletePull(DomainError):
    """The store said it holds N codes and a different number arrived: never a success."""

    def __init__(self, ref: str, expected: int, fetched: int) -> None:
        self.expected, self.fetched = expected, fetched
        super().__init__(
            f"Pull of '{ref}' is incomplete: the store reports {expected} codes but {fetched} "
            f"arrived; nothing was quarantined — run `promosync sync pull` again"
        )


def source_of(incentive: Incentive) -> CodeSource:
    if incentive.source_id is None:
        raise NotLinked(str(incentive.key))
    return CodeSource(
        platform_id=incentive.source_id,
        title=incentive.source_title or "",
        status=incentive.source_status or "active",
        code_count=None,
    )


@dataclass(frozen=True)
class Target:
    """A linked incentive a job works on."""

    id: int
    ref: str  # campaign/key
    store_name: str
    source: CodeSource


def targets(db: Database, store_name: str | None, ref: str | None) -> list[Target]:
    """Linked incentives of one store, or the one named ``CAMPAIGN/KEY``."""
    with db.transaction() as tx:
        if ref is not None:
            campaign_key, key = lookup.split_incentive_ref(ref)
            incentive = lookup.incentive(tx, lookup.campaign(tx, campaign_key), key)
            if not incentive.store_name or incentive.source_id is None:
                raise NotLinked(ref)
            chosen = [incentive]
        else:
            chosen = shop_sync.linked_incentives(tx, store_name)
        return [_target(tx, i) for i in chosen]


def _target(tx: Tx, incentive: Incentive) -> Target:
    refs = catalog.incentive_refs(tx, [incentive.id])
    return Target(incentive.id, refs[incentive.id], incentive.store_name, source_of(incentive))
