"""What the shop-sync jobs share: the linked incentive a job works on, and progress reporting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.ports import CodeSource
from store import catalog, shop_links
from store.db import Database
from store.shop_links import Link
from sync import lookup
from sync.errors import DomainError, UsageError
from sync.wording import plural

#: Called with the number of items just processed (a progress bar, or nothing).
Progress = Callable[[int], None]


def no_progress(_: int) -> None:
    """The default: say nothing."""


class NotLinked(DomainError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"Incentive '{ref}' is not linked to a store: link it with "
            f"`promosync incentives link {ref} --discount-code CODE` (Shopify) or "
            f"`--coupon-prefix PREFIX` (WooCommerce)"
        )


class LinkedElsewhere(UsageError):
    """``--store`` names another store than the one the incentive is linked to."""

    def __init__(self, ref: str, linked_to: str, named: str) -> None:
        super().__init__(
            f"Incentive '{ref}' is linked to store '{linked_to}', not '{named}': "
            f"leave out --store (a linked incentive knows its store)"
        )


class IncompletePull(DomainError):
    """The store said it holds N codes and a different number arrived: never a success."""

    def __init__(self, ref: str, expected: int, fetched: int) -> None:
        self.expected, self.fetched = expected, fetched
        super().__init__(
            f"Pull of '{ref}' is incomplete: the store reports {plural(expected, 'code')} but "
            f"{fetched:,} arrived; nothing was quarantined — run `promosync sync pull` again"
        )


def source_of(ref: str, link: Link) -> CodeSource:
    """The store discount an incentive is linked to."""
    if not link.linked or link.source_id is None:
        raise NotLinked(ref)
    return CodeSource(
        platform_id=link.source_id,
        title=link.source_title or "",
        status=link.source_status or "active",
        code_count=None,
    )


@dataclass(frozen=True)
class Target:
    """A linked incentive a job works on."""

    id: int
    ref: str  # campaign/key
    store_name: str
    source: CodeSource


def link_of_ref(db: Database, ref: str) -> Link:
    """The link of incentive ``CAMPAIGN/KEY`` (linked or not)."""
    with db.transaction() as tx:
        return shop_links.link_of(tx, lookup.incentive_by_ref(tx, ref).id)


def refuse_other_store(ref: str, link: Link, store_name: str | None) -> None:
    """``--store``, if given, must name the store a linked incentive is linked to."""
    if link.linked and store_name is not None and store_name != link.store_name:
        raise LinkedElsewhere(ref, link.store_name, store_name)


def target(db: Database, ref: str, store_name: str | None = None) -> Target:
    """The linked incentive ``CAMPAIGN/KEY``; ``store_name``, if given, must be its store."""
    link = link_of_ref(db, ref)
    if not link.linked:
        raise NotLinked(ref)
    refuse_other_store(ref, link, store_name)
    return Target(link.incentive_id, ref, link.store_name, source_of(ref, link))


def targets(db: Database, store_name: str | None, ref: str | None) -> list[Target]:
    """The one incentive ``CAMPAIGN/KEY``, else every linked incentive (of one store)."""
    if ref is not None:
        return [target(db, ref, store_name)]
    with db.transaction() as tx:
        links = shop_links.linked_incentives(tx, store_name)
        refs = catalog.incentive_refs(tx, [link.incentive_id for link in links])
    return [
        Target(
            link.incentive_id,
            refs[link.incentive_id],
            link.store_name,
            source_of(refs[link.incentive_id], link),
        )
        for link in links
    ]
