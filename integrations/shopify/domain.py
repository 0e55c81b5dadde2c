"""A Shopify shop's domain and Admin API endpoint: the one normalisation of a shop name.

Light on purpose (no HTTP library): configuration validation imports it too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

API_VERSION = "2026-10"
GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"
MYSHOPIFY_SUFFIX = ".myshopify.com"
SHOP_DOMAIN_EXAMPLE = "brand.myshopify.com"

_HANDLE = re.compile(r"[a-z0-9][a-z0-9-]*")


def normalize_shop(shop: str) -> str:
    """``brand``, ``brand.myshopify.com`` or ``https://brand.myshopify.com/`` → the domain.

    Raises ValueError for anything that is not a myshopify domain (or its handle).
    """
    value = shop.strip().lower()
    if "://" in value:
        parts = urlsplit(value)
        value = parts.netloc if parts.path in ("", "/") and not parts.query else ""
    value = value.strip("/").removesuffix(MYSHOPIFY_SUFFIX)
    if not _HANDLE.fullmatch(value):
        raise ValueError(f"{shop!r} is not a shop domain such as {SHOP_DOMAIN_EXAMPLE}")
    return value + MYSHOPIFY_SUFFIX


def graphql_url(shop: str) -> str:
    """The Admin GraphQL endpoint of a shop for :data:`API_VERSION`."""
    return f"https://{normalize_shop(shop)}{GRAPHQL_PATH}"
