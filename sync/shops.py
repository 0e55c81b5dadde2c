"""Opening the configured stores, behind the platform-neutral ``Store`` protocol.

This is the one place that knows which platform package serves which config
section; everything else talks to :class:`integrations.ports.Shop`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.ports import Shop, ShopConfigError, ShopError, ShopReferenceError
from sync.config import Config, ShopifyShopConfig
from sync.errors import DomainError, UsageError


class ShopUnavailable(DomainError):
    """The store failed in a way a later retry may fix (or a sync found bad data)."""


class ShopMisconfigured(UsageError):
    """Credentials, scopes, the shop, or a discount reference need fixing."""


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn platform errors into the CLI's two families (exit 1 / exit 2)."""
    try:
        yield
    except (ShopConfigError, ShopReferenceError) as error:
        raise ShopMisconfigured(str(error)) from error
    except ShopError as error:
        raise ShopUnavailable(str(error)) from error


@contextmanager
def open_shop(config: Config, name: str | None) -> Iterator[tuple[str, Shop]]:
    """The named store (or the only one), connected; closed afterwards."""
    store_name, section = config.store(name)
    if not isinstance(section, ShopifyShopConfig):
        raise ShopMisconfigured(
            f"Store '{store_name}' is a {section.platform} store: this promosync version syncs "
            f"Shopify stores only (WooCommerce codes can be uploaded with `promosync codes upload`)"
        )
    from integrations.shopify.shop import ShopifyShop

    with translated_errors():
        shop = ShopifyShop.connect(
            shop=section.shop,
            access_token=section.access_token.reveal() if section.access_token else None,
            client_id=section.client_id,
            client_secret=section.client_secret.reveal() if section.client_secret else None,
            admin_api_url=section.admin_api_url,
            bulk_threshold=section.bulk_threshold,
            credential_hint=_hint(section),
        )
    try:
        with translated_errors():
            yield store_name, shop
    finally:
        shop.close()


def _hint(section: ShopifyShopConfig) -> str:
    """What to check when Shopify refuses the credentials: the env var, if there is one."""
    secret = section.access_token or section.client_secret
    if secret is not None and secret.env_var:
        return secret.env_var
    return "the credentials in the config file"
