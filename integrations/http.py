"""HTTP pieces every platform client shares: the error context, bodies, Retry-After, loopback.

Shopify's GraphQL client and WooCommerce's REST client both build their errors
from an :class:`ErrorContext`, read bodies with :func:`json_object`, honour
``Retry-After`` through :func:`retry_after_seconds` and clip server text with
:func:`clip_detail`; none of this knows a platform.
"""

from __future__ import annotations

import email.utils
import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Self

import httpx

# Upper bound on how much server-provided text goes into one message.
MAX_DETAIL_CHARS = 300


@dataclass(frozen=True)
class ErrorContext:
    """The input that caused an error. Holds no credentials by construction."""

    shop: str
    operation: str
    credential_hint: str = ""  # what the merchant should check on 401 (an env var name)
    status: int | None = None
    request_id: str | None = None
    url: str | None = None  # the URL called, without credentials or query (redact_url)

    def with_response(self, status: int | None, request_id: str | None) -> ErrorContext:
        """The same context, completed with what a response told us."""
        return replace(self, status=status, request_id=request_id or self.request_id)

    def where(self) -> str:
        """``brand.myshopify.com at URL (operation X, HTTP 401, request id abc)``."""
        parts = [f"operation {self.operation}"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        at = f" at {self.url}" if self.url else ""
        return f"{self.shop}{at} ({', '.join(parts)})"


def clip_detail(text: str) -> str:
    """Server-provided text as one bounded line, fit for a message."""
    text = " ".join(text.split())  # keep messages on one line
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None when it is not one (a proxy page, a list)."""
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date (RFC 9110 §10.2.3)."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class OwnedClientShop:
    """``close()`` and ``with`` for a shop that may own its HTTP client.

    A platform's ``connect()`` builds an ``httpx.Client`` when none is given and keeps it
    in ``_owned_http``; only that one is closed here (a client passed in is the caller's).
    """

    _owned_http: httpx.Client | None = None

    def close(self) -> None:
        """Close the HTTP client if ``connect()`` built it."""
        if self._owned_http is not None:
            self._owned_http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
