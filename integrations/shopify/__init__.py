"""Shopify Admin GraphQL (API 2026-10) for promosync.

Public surface: :class:`ShopifyShop` (the ``integrations.ports.Shop``
implementation, built with :meth:`ShopifyShop.connect`), the
:class:`ShopifyClient` transport, the :class:`RetryPolicy`, and the exception
tree rooted at :class:`ShopifyError` (drawn in ``errors.py``).

The names are loaded on first use, so that importing a light module of this
package (``domain``, for configuration checks) does not load the HTTP stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.retry import RetryPolicy
    from integrations.shopify.client import ShopifyClient
    from integrations.shopify.domain import API_VERSION
    from integrations.shopify.errors import (
        AuthenticationError,
        BulkOperationError,
        GraphQLError,
        IncompleteSync,
        InvalidReference,
        MissingScopeError,
        NotFound,
        RateLimitedError,
        ServerError,
        ShopifyConfigError,
        ShopifyError,
        ShopNotFound,
        ThrottledError,
        TransientError,
        TransportError,
        UserErrors,
    )
    from integrations.shopify.jobs import PollPolicy
    from integrations.shopify.shop import DEFAULT_BULK_THRESHOLD, ShopifyShop

__all__ = [
    "API_VERSION",
    "DEFAULT_BULK_THRESHOLD",
    "AuthenticationError",
    "BulkOperationError",
    "GraphQLError",
    "IncompleteSync",
    "InvalidReference",
    "MissingScopeError",
    "NotFound",
    "PollPolicy",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "ShopNotFound",
    "ShopifyClient",
    "ShopifyConfigError",
    "ShopifyError",
    "ShopifyShop",
    "ThrottledError",
    "TransientError",
    "TransportError",
    "UserErrors",
]

#: Where each public name lives; the names not listed here are the exception classes.
_NOT_ERRORS = {
    "API_VERSION": "integrations.shopify.domain",
    "DEFAULT_BULK_THRESHOLD": "integrations.shopify.shop",
    "PollPolicy": "integrations.shopify.jobs",
    "RetryPolicy": "integrations.retry",
    "ShopifyClient": "integrations.shopify.client",
    "ShopifyShop": "integrations.shopify.shop",
}
_HOMES = {name: _NOT_ERRORS.get(name, "integrations.shopify.errors") for name in __all__}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
