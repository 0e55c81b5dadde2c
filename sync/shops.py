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
from typing import Any, Protocol

from integrations.ports import Shop, ShopConfigError, ShopError, ShopReferenceError
from integrations.retry import Profile, RetryPolicy, policy_for
from integrations.urls import redact_url
from integrations.webhook_ports import WebhookIntake
from sync.config import Config, ConfigError, Secret, ShopifyShopConfig, WooShopConfig
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
    background jobs; the budget of each is configured under ``[retry]``. The
    implementation is chosen by the type of the store's config section. ``waits``
    replaces :data:`timing` (the worker's sleep ends early when it is asked to stop).
    """
    store_name, section = config.store(name)
    opener = OPENERS[type(section)]
    with translated_errors(config, profile):
        shop = opener(section, retry_policy(config, profile), waits or timing)
    try:
        with translated_errors(config, profile):
            yield store_name, shop
    finally:
        shop.close()


class ClosableShop(Shop, Protocol):
    """A connected shop that holds an HTTP client until closed."""

    def close(self) -> None: ...


def _open_shopify(section: Any, retry: RetryPolicy, waits: Timing) -> ClosableShop:
    from integrations.shopify.shop import ShopifyShop

    assert isinstance(section, ShopifyShopConfig)
    return ShopifyShop.connect(
        shop=section.shop,
        access_token=section.access_token.reveal() if section.access_token else None,
        client_id=section.client_id,
        client_secret=section.client_secret.reveal() if section.client_secret else None,
        admin_api_url=section.admin_api_url,
        bulk_threshold=section.bulk_threshold,
        credential_hint=_hint(section.access_token or section.client_secret),
        retry=retry,
        sleep=waits.sleep,
        clock=waits.clock,
    )


def _open_woocommerce(section: Any, retry: RetryPolicy, waits: Timing) -> ClosableShop:
    from integrations.woocommerce.shop import WooShop

    assert isinstance(section, WooShopConfig)
    for key, secret in (
        ("consumer_key", section.consumer_key),
        ("consumer_secret", section.consumer_secret),
    ):
        if secret is None:
            raise ConfigError(
                f"WooCommerce store at {redact_url(section.url)} has no {key}: add "
                f'{key} = "${{WC_{key.upper()}}}" to its '
                f"[stores.NAME] table and export the variable"
            )
    assert section.consumer_key is not None and section.consumer_secret is not None
    return WooShop.connect(
        url=section.url,
        consumer_key=section.consumer_key.reveal(),
        consumer_secret=section.consumer_secret.reveal(),
        auth=section.auth,
        webhook_secret=section.webhook_secret.reveal() if section.webhook_secret else None,
        credential_hint=_hint(section.consumer_key, section.consumer_secret),
        retry=retry,
        sleep=waits.sleep,
        clock=waits.clock,
    )


#: Which platform package serves which config section: the one place that knows.
OPENERS: dict[type, Callable[[Any, RetryPolicy, Timing], ClosableShop]] = {
    ShopifyShopConfig: _open_shopify,
    WooShopConfig: _open_woocommerce,
}


def _hint(*secrets: Secret | None) -> str:
    """What to check when the store refuses the credentials: the env vars, if any."""
    names = [secret.env_var for secret in secrets if secret is not None and secret.env_var]
    return " and ".join(names) if names else "the credentials in the config file"


@dataclass(frozen=True)
class WebhookStore:
    """A configured store that webhooks of one platform may come from."""

    name: str
    section: ShopifyShopConfig | WooShopConfig

    def secrets(self) -> list[str]:
        """The webhook secret, and the previous one while a rotation is under way.

        Raises ``ConfigError`` (naming the variable, never the value) when one is unusable.
        """
        given = (self.section.webhook_secret, self.section.webhook_secret_previous)
        return [secret.reveal() for secret in given if secret is not None]


def _shopify_webhooks() -> WebhookIntake:
    from integrations.shopify.webhooks import ShopifyWebhooks

    return ShopifyWebhooks()


def _woocommerce_webhooks() -> WebhookIntake:
    from integrations.woocommerce.webhooks import WooWebhooks

    return WooWebhooks()


@dataclass(frozen=True)
class _WebhookSource:
    """How a config section's deliveries arrive: its platform's intake, and the address
    (``shop`` / ``url``) its deliveries name it by."""

    intake: Callable[[], WebhookIntake]
    address: Callable[[Any], str]


#: Which intake receives the webhooks of which config section: the one place that knows.
WEBHOOK_SOURCES: dict[type, _WebhookSource] = {
    ShopifyShopConfig: _WebhookSource(_shopify_webhooks, lambda section: section.shop),
    WooShopConfig: _WebhookSource(_woocommerce_webhooks, lambda section: section.url),
}


def webhook_intakes() -> dict[str, WebhookIntake]:
    """The platforms whose webhooks promosync receives, by platform name."""
    intakes = (source.intake() for source in WEBHOOK_SOURCES.values())
    return {intake.platform: intake for intake in intakes}


def webhook_stores(config: Config, platform: str) -> dict[str, WebhookStore]:
    """The configured stores of ``platform``, by the identity their deliveries carry."""
    found: dict[str, WebhookStore] = {}
    for name, section in config.stores.items():
        source = WEBHOOK_SOURCES[type(section)]
        intake = source.intake()
        if intake.platform != platform:
            continue
        identity = intake.identity(source.address(section))
        if identity is not None:
            found[identity] = WebhookStore(name, section)
    return found
