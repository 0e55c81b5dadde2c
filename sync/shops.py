"""Opening the configured stores, behind the platform-neutral ``Shop`` protocol.

This is the one place that knows which platform package serves which config
section; everything else talks to :class:`integrations.ports.Shop`.

The caller chooses how patiently a shop is retried: ``"interactive"`` (a person
waits: give up within ``[retry] interactive_budget``, 30 s by default) or
``"daemon"`` (background work: the longer backoff, ``[retry] daemon_budget``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from integrations.ports import Shop, ShopConfigError, ShopError, ShopReferenceError
from integrations.retry import Profile, RetryPolicy, policy_for
from sync.config import Config, ShopifyShopConfig
from sync.errors import DomainError, UsageError


@dataclass(frozen=True)
class Timing:
    """How shops wait and tell time; tests replace :data:`timing` so nothing sleeps for real."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


#: The seam: every shop opened here waits with this sleep and measures with this clock.
timing = Timing()
BUDGET_KEYS: dict[Profile, str] = {
    "interactive": "interactive_budget",
    "daemon": "daemon_budget",
}


class ShopUnavailable(DomainError):
    """The store failed in a way a later retry may fix (or a sync found bad data)."""


class ShopMisconfigured(UsageError):
    """Credentials, scopes, the shop, or a discount reference need fixing."""


def retry_policy(config: Config, profile: Profile) -> RetryPolicy:
    """The retry policy of ``profile`` with the budget configured under ``[retry]``."""
    return policy_for(profile, getattr(config.retry, BUDGET_KEYS[profile]))


@contextmanager
def translated_errors(
    config: Config | None = None, profile: Profile = "interactive"
) -> Iterator[None]:
    """Turn platform errors into the CLI's two families (exit 1 / exit 2)."""
    try:
        yield
    except (ShopConfigError, ShopReferenceError) as error:
        raise ShopMisconfigured(str(error)) from error
    except ShopError as error:
        message = str(error)
        if error.gave_up:
            where = (config.source if config else None) or "the config file"
            message += f" (to wait longer, raise [retry] {BUDGET_KEYS[profile]} in {where})"
        raise ShopUnavailable(message) from error


@contextmanager
def open_shop(
    config: Config,
    name: str | None,
    *,
    profile: Profile = "interactive",
    waits: Timing | None = None,
) -> Iterator[tuple[str, Shop]]:
    """The named store (or the only one), connected; closed afterwards.

    ``profile`` says who waits: ``"interactive"`` for commands, ``"daemon"`` for
    background jobs; the budget of each is configured under ``[retry]``. ``waits``
    replaces :data:`timing` (the daemon's sleep ends early when it is asked to stop).
    """
    waits = waits or timing
    store_name, section = config.store(name)
    if not isinstance(section, ShopifyShopConfig):
        raise ShopMisconfigured(
            f"Store '{store_name}' is a {section.platform} store: this promosync version syncs "
            f"Shopify stores only (WooCommerce codes can be uploaded with `promosync codes upload`)"
        )
    from integrations.shopify.shop import ShopifyShop

    with translated_errors(config, profile):
        shop = ShopifyShop.connect(
            shop=section.shop,
            access_token=section.access_token.reveal() if section.access_token else None,
            client_id=section.client_id,
            client_secret=section.client_secret.reveal() if section.client_secret else None,
            admin_api_url=section.admin_api_url,
            bulk_threshold=section.bulk_threshold,
            credential_hint=_hint(section),
            retry=retry_policy(config, profile),
            sleep=waits.sleep,
            clock=waits.clock,
        )
    try:
        with translated_errors(config, profile):
            yield store_name, shop
    finally:
        shop.close()


def _hint(section: ShopifyShopConfig) -> str:
    """What to check when Shopify refuses the credentials: the env var, if there is one."""
    secret = section.access_token or section.client_secret
    if secret is not None and secret.env_var:
        return secret.env_var
    return "the credentials in the config file"
