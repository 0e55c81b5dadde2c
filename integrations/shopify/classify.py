"""The one place that decides what a Shopify HTTP response means, and so whether to retry.

:func:`error_for_response` maps the HTTP status and the GraphQL
``extensions.code`` of a response to one class of the tree in
:mod:`integrations.shopify.errors`; retryability follows from that class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.http import retry_after_seconds
from integrations.shopify.errors import (
    AuthenticationError,
    ErrorContext,
    GraphQLError,
    MissingScopeError,
    RateLimitedError,
    ServerError,
    ShopifyError,
    ShopNotFound,
    ThrottledError,
    clip_detail,
)

# Shopify's HTTP statuses that say "this shop cannot be used right now / at all".
_SHOP_UNAVAILABLE = {
    402: "the shop is frozen (unpaid): the merchant must settle the Shopify bill",
    404: "no such shop or API endpoint: check the shop domain and admin_api_url",
    423: "the shop is locked by Shopify: the merchant must contact Shopify support",
}
# OAuth error codes a token endpoint uses for bad client credentials (RFC 6749 §5.2).
# ASSUMPTION: Shopify's token endpoint answers bad credentials with 400 + one of these or 401.
_OAUTH_CREDENTIAL_ERRORS = frozenset({"invalid_client", "invalid_grant", "unauthorized_client"})
# When Shopify says 429 without a usable Retry-After, wait this long.
DEFAULT_RETRY_AFTER_SECONDS = 1.0
# Shopify said "not yet": never answer THROTTLED with an immediate retry.
MIN_THROTTLE_WAIT_SECONDS = 0.1


def error_for_response(
    context: ErrorContext,
    status: int,
    headers: Mapping[str, str],
    payload: Mapping[str, Any] | None,
    *,
    now: float | None = None,
) -> ShopifyError | None:
    """The one place that decides what an HTTP response means, and so whether to retry.

    ``payload`` is the decoded JSON body (None if it was not JSON). Returns None
    for a usable GraphQL answer (HTTP 2xx with ``data`` and no ``errors``).
    """
    request_id = headers.get("x-request-id") or _graphql_request_id(payload)
    ctx = context.with_response(status, request_id)
    if status == 401:
        return AuthenticationError(ctx)
    if status == 400 and payload and payload.get("error") in _OAUTH_CREDENTIAL_ERRORS:
        return AuthenticationError(ctx)  # the client-credentials grant's way of saying 401
    if status == 403:
        return MissingScopeError(ctx, _first_message(payload))
    if status in _SHOP_UNAVAILABLE:
        return ShopNotFound(ctx, _SHOP_UNAVAILABLE[status])
    if status == 429:
        return RateLimitedError(
            ctx, retry_after_seconds(headers, now) or DEFAULT_RETRY_AFTER_SECONDS
        )
    if status >= 500:
        return ServerError(ctx, f"HTTP {status}", retry_after_seconds(headers, now))
    if status >= 300 or payload is None:
        detail = "not a GraphQL JSON body" if payload is None else f"HTTP {status}"
        if 200 <= status < 300:
            return ServerError(ctx, detail)  # a proxy page or truncated body: try again
        return GraphQLError(ctx, None, f"{detail}: {_first_message(payload)}")
    errors = payload.get("errors")
    if errors:
        return _graphql_error(ctx, errors, payload)
    if payload.get("data") is None:
        return ServerError(ctx, "response had neither data nor errors")
    return None


def _graphql_error(ctx: ErrorContext, errors: Any, payload: Mapping[str, Any]) -> ShopifyError:
    """Map top-level GraphQL ``errors`` (HTTP 200) by their ``extensions.code``."""
    if not isinstance(errors, list):  # Shopify sometimes sends {"errors": "message"}
        return GraphQLError(ctx, None, clip_detail(str(errors)))
    codes = [
        str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, dict)
    ]
    message = _first_message(payload)
    if "THROTTLED" in codes:
        return ThrottledError(ctx, throttle_wait(payload.get("extensions")))
    if "ACCESS_DENIED" in codes:
        return MissingScopeError(ctx, message)
    if "INTERNAL_SERVER_ERROR" in codes:
        return ServerError(ctx, message)
    code = next((c for c in codes if c), None)
    return GraphQLError(ctx, code, message)


def throttle_wait(extensions: Mapping[str, Any] | None) -> float:
    """Seconds until the bucket holds the requested cost: (requested - available) / rate.

    Falls back to one second when Shopify sent no usable cost information.
    """
    cost = (extensions or {}).get("cost") or {}
    throttle = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(throttle["currentlyAvailable"])
        rate = float(throttle["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_SECONDS
    if rate <= 0:
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(MIN_THROTTLE_WAIT_SECONDS, (requested - available) / rate)


def _graphql_request_id(payload: Mapping[str, Any] | None) -> str | None:
    for error in (payload or {}).get("errors") or ():
        if isinstance(error, dict):
            rid = (error.get("extensions") or {}).get("requestId")
            if rid:
                return str(rid)
    return None


def _first_message(payload: Mapping[str, Any] | None) -> str:
    if not payload:
        return "no details"
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return clip_detail(str(errors[0].get("message", "")))
    if errors:
        return clip_detail(str(errors))
    return clip_detail(
        str(payload.get("error_description") or payload.get("error") or "no details")
    )
