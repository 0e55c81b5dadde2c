"""Which configured store a sync command talks to, so ``--store`` is needed only when ambiguous.

- A linked incentive knows its store; ``--store``, if given, must agree.
- Linking an incentive: the one store whose platform serves the kind of source named
  (a Shopify discount, WooCommerce coupons), else ``--store``.
- A job over every linked incentive: ``--store``, else each store that has one.
"""

from __future__ import annotations

from store import shop_links
from store.db import Database
from sync.config import Config, ConfigError
from sync.errors import UsageError
from sync.shopsync.common import link_of_ref, refuse_other_store


def serving(config: Config, kind: str | None) -> list[str]:
    """Names of the configured stores that serve a code source of ``kind`` (a field of
    :class:`integrations.ports.SourceRef`; None: any), in name order."""
    return sorted(
        name
        for name, section in config.stores.items()
        if kind is None or kind in section.source_kinds
    )


def named(config: Config, store_name: str) -> str:
    """``--store NAME``, checked to be configured."""
    return config.store(store_name)[0]


def for_incentive(
    db: Database,
    config: Config,
    ref: str,
    store_name: str | None,
    kind: str | None = None,
    option: str = "",
) -> str:
    """The store of ``CAMPAIGN/KEY``: its linked store, else the named one, else the only
    store that serves a source of ``kind`` (named on the command line by ``option``)."""
    link = link_of_ref(db, ref)
    if link.linked:
        refuse_other_store(ref, link, store_name)
        return link.store_name
    if store_name is not None:
        return named(config, store_name)
    candidates = serving(config, kind)
    if len(candidates) == 1:
        return candidates[0]
    where = config.source or "the config file"
    takes = f" takes {option}" if option else ""
    if not candidates:
        raise ConfigError(
            f"No store configured in {where}{takes}: add a [stores.NAME] table of the right "
            f"platform (see config.example.toml)"
        )
    raise UsageError(
        f"'{ref}' is not linked yet and {len(candidates)} configured stores"
        f"{' take ' + option if option else ''} "
        f"({', '.join(candidates)}): name one with --store"
    )


def for_all_linked(db: Database, config: Config, store_name: str | None) -> list[str]:
    """``--store NAME``, else every store that has linked incentives (none: nothing to do)."""
    if store_name is not None:
        return [named(config, store_name)]
    with db.transaction() as tx:
        return sorted({link.store_name for link in shop_links.linked_incentives(tx)})


def for_command(db: Database, config: Config, ref: str | None, store_name: str | None) -> list[str]:
    """The stores of a job on one incentive (``ref``) or on every linked one."""
    if ref is not None:
        return [for_incentive(db, config, ref, store_name)]
    return for_all_linked(db, config, store_name)
