"""Shopify Admin GraphQL (API 2026-10) for promosync.

Public surface: :class:`ShopifyShop` (the ``integrations.ports.Shop``
implementation, built with :meth:`ShopifyShop.connect`), the
:class:`ShopifyClient` transport, the :class:`RetryPolicy`, and the exception
tree rooted at :class:`ShopifyError` (drawn in ``errors.py``).
"""

from __future__ import annotations

from integrations.shopify.client import API_VERSION, ShopifyClient
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
from integrations.shopify.retry import RetryPolicy
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
