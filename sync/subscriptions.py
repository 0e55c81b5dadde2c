"""``stores subscribe / unsubscribe``: the store's webhooks to promosync, kept in step.

Subscribing lists what exists first and creates only the missing topics, so it
can be run again at any time. The topics are the platform intake's own
(:func:`sync.shops.webhook_intakes`); nothing here knows a platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.ports import Shop, WebhookSubscription
from sync import shops
from sync.config import check_url
from sync.errors import UsageError


class BadWebhookUrl(UsageError):
    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"--url {problem}: give the public https:// address of POST /webhooks/…")


class MissingScopes(UsageError):
    def __init__(self, store_name: str, missing: frozenset[str]) -> None:
        super().__init__(
            f"Store '{store_name}' has not granted {', '.join(sorted(missing))}: grant "
            f"{'it' if len(missing) == 1 else 'them'} in the store admin (Shopify: the app's "
            f"access scopes, then reinstall; WooCommerce: a key with Read/Write permission), "
            f"then subscribe again (nothing was subscribed)"
        )


@dataclass(frozen=True)
class SubscribeResult:
    store: str
    uri: str
    created: tuple[str, ...]  # topics subscribed now (or that would be, with --dry-run)
    present: tuple[str, ...]  # topics already subscribed to this uri
    dry_run: bool


@dataclass(frozen=True)
class UnsubscribeResult:
    store: str
    removed: tuple[WebhookSubscription, ...]


def topics_of(shop: Shop) -> frozenset[str]:
    """The topics promosync applies for this shop's platform."""
    return shops.webhook_intakes()[shop.check().platform].topics


def subscribe(shop: Shop, store_name: str, url: str, *, dry_run: bool = False) -> SubscribeResult:
    """Subscribe every topic promosync applies to ``url``, creating only what is missing.

    A scope the app lacks is named before anything is created.
    """
    try:
        uri = check_url(url)
    except ValueError as error:
        raise BadWebhookUrl(url, str(error).replace(f"'{url}' ", "")) from None
    info = shop.check()
    if info.missing_scopes:
        raise MissingScopes(store_name, info.missing_scopes)
    wanted = shops.webhook_intakes()[info.platform].topics
    present = {s.topic for s in shop.webhook_subscriptions() if s.uri == uri}
    missing = sorted(wanted - present)
    if not dry_run:
        for topic in missing:
            shop.subscribe_webhook(topic, uri)
    return SubscribeResult(
        store_name, uri, tuple(missing), tuple(sorted(wanted & present)), dry_run
    )


def unsubscribe(shop: Shop, store_name: str) -> UnsubscribeResult:
    """Remove every subscription to a topic promosync applies (whatever its address)."""
    ours = topics_of(shop)
    doomed = [s for s in shop.webhook_subscriptions() if s.topic in ours]
    for subscription in doomed:
        shop.unsubscribe_webhook(subscription)
    return UnsubscribeResult(store_name, tuple(doomed))
