"""The one place that decides what a WooCommerce HTTP response means, and so whether to retry.

WooCommerce (the WordPress REST API) answers errors with a status and a body
``{"code": "...", "message": "...", "data": {"status": N}}``.
:func:`error_for_response` maps them to one class of
:mod:`integrations.woocommerce.errors`; retryability follows from the class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.http import ErrorContext, clip_detail, retry_after_seconds
from integrations.woocommerce.errors import (
    ApiNotFound,
    AuthenticationError,
    PermissionDenied,
    RateLimitedError,
    RequestRejected,
    ServerError,
    WooError,
)

#: When WooCommerce says 429 without a usable Retry-After, wait this long.
DEFAULT_RETRY_AFTER_SECONDS = 1.0
#: WordPress's answer when no route matches: not a WooCommerce store (or plain permalinks).
NO_ROUTE = "rest_no_route"
#: A key without read (or write) permission is refused with 401 and this code, saying
#: "The API key provided does not have write permissions."; it is a permission problem.
AUTHENTICATION_ERROR = "woocommerce_rest_authentication_error"
PERMISSION_TEXT = "does not have"
#: A route's permission check refusing an *anonymous* request answers 401 with a code
#: starting so (woocommerce_rest_cannot_view, ..._create, ...): WooCommerce saw no usable
#: key, because the key is unknown or because the server stripped the Authorization header.
ANONYMOUS_PREFIX = "woocommerce_rest_cannot_"
#: The documented symptom of a stripped header (WooCommerce's docs; the legacy API's text).
#: Matched here, in the one classifier, never at call sites.
KEY_MISSING_TEXT = "consumer key is missing"
#: A duplicate code on create (HTTP 400).
CODE_EXISTS = "woocommerce_rest_coupon_code_already_exists"


def error_body(payload: Any) -> tuple[str | None, str]:
    """``(code, message)`` of a WordPress error body; ``(None, "no details")`` otherwise."""
    if isinstance(payload, Mapping):
        code = payload.get("code")
        message = payload.get("message")
        if isinstance(code, str) or isinstance(message, str):
            return (str(code) if code else None), clip_detail(str(message or code))
    return None, "no details"


def error_for_response(
    context: ErrorContext,
    status: int,
    headers: Mapping[str, str],
    payload: Any,
    *,
    json_ok: bool,
    may_switch_to_query: bool = False,
    now: float | None = None,
) -> WooError | None:
    """What a response means: None for a usable 2xx JSON answer, else the error to raise.

    ``json_ok`` says the body parsed as JSON; ``may_switch_to_query`` that the
    client sent Basic auth and may retry with query-string credentials.
    """
    ctx = context.with_response(status, headers.get("x-request-id"))
    code, message = error_body(payload)
    detail = f"{code}: {message}" if code else message
    if 200 <= status < 300:
        if not json_ok:
            return ServerError(ctx, "the body is not JSON (a proxy or maintenance page?)")
        return None
    if status == 401:
        lowered = message.casefold()
        if code == AUTHENTICATION_ERROR and PERMISSION_TEXT in lowered:
            return PermissionDenied(ctx, detail, code)
        key_unseen = KEY_MISSING_TEXT in lowered or (code or "").startswith(ANONYMOUS_PREFIX)
        if key_unseen and may_switch_to_query:
            return AuthenticationError.key_missing(ctx, detail, code)
        if key_unseen:
            detail = f"it saw no known API key: {detail}"
        return AuthenticationError(ctx, detail, code)
    if status == 403:
        return PermissionDenied(ctx, detail, code)
    if status == 404 and (code == NO_ROUTE or not json_ok):
        return ApiNotFound(ctx, detail if json_ok else "HTTP 404, not a JSON body", code)
    if status == 429:
        wait = retry_after_seconds(headers, now)
        return RateLimitedError(ctx, DEFAULT_RETRY_AFTER_SECONDS if wait is None else wait, code)
    if status >= 500:
        return ServerError(
            ctx,
            f"HTTP {status}, {detail}",
            code=code,
            retry_after=retry_after_seconds(headers, now),
        )
    return RequestRejected(ctx, f"HTTP {status}, {detail}", code)
