"""Small builders for Shopify Admin GraphQL responses and an injectable fake clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

SHOP = "brand.myshopify.com"
ENDPOINT = f"https://{SHOP}/admin/api/2026-10/graphql.json"
TOKEN_URL = f"https://{SHOP}/admin/oauth/access_token"
TOKEN = "shpat_SECRET_do_not_print_0123456789"
CLIENT_SECRET = "shpss_SECRET_client_secret_abcdef"


def cost(
    requested: float = 10,
    actual: float | None = 10,
    available: float = 1990,
    maximum: float = 2000,
    rate: float = 100,
) -> dict[str, Any]:
    """An ``extensions.cost`` object."""
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": maximum,
            "currentlyAvailable": available,
            "restoreRate": rate,
        },
    }


def ok(data: dict[str, Any], request_id: str = "req-ok", **cost_kw: Any) -> httpx.Response:
    """HTTP 200 with ``data`` and a cost extension."""
    return httpx.Response(
        200,
        json={"data": data, "extensions": {"cost": cost(**cost_kw)}},
        headers={"X-Request-Id": request_id},
    )


def throttled(requested: float = 752, available: float = 100, rate: float = 100) -> httpx.Response:
    """Shopify's THROTTLED answer: HTTP 200, errors, no data."""
    return httpx.Response(
        200,
        json={
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {
                "cost": cost(requested=requested, actual=None, available=available, rate=rate)
            },
        },
        headers={"X-Request-Id": "req-throttled"},
    )


def graphql_error(code: str, message: str = "boom", request_id: str = "req-gql") -> httpx.Response:
    """HTTP 200 with a top-level GraphQL error carrying ``extensions.code``."""
    return httpx.Response(
        200,
        json={"errors": [{"message": message, "extensions": {"code": code}}]},
        headers={"X-Request-Id": request_id},
    )


def status(code: int, headers: dict[str, str] | None = None, **json: Any) -> httpx.Response:
    """A bare HTTP status with an optional JSON body."""
    hdrs = {"X-Request-Id": f"req-{code}", **(headers or {})}
    if json:
        return httpx.Response(code, json=json, headers=hdrs)
    return httpx.Response(code, text="error", headers=hdrs)


@dataclass
class FakeClock:
    """Monotonic clock whose ``sleep`` records the wait and advances time instantly.

    Thread-safe: concurrent sleeps each advance the clock (one after the other).
    """

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
