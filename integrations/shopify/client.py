"""Transport for Shopify's Admin GraphQL API: one ``execute`` with auth, pacing and retries.

The client never builds its own ``httpx.Client`` (except in :func:`connect`
at the edge); tests pass one with a respx/MockTransport or point it at the
local sandbox shop. Errors are mapped once, in
:func:`integrations.shopify.errors.error_for_response`.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from integrations.shopify.auth import Auth
from integrations.shopify.classify import error_for_response
from integrations.shopify.errors import (
    AuthenticationError,
    BulkOperationError,
    ErrorContext,
    RateLimitedError,
    ServerError,
    ShopifyError,
    ThrottledError,
    TransientError,
    TransportError,
)
from integrations.shopify.pacing import CostPacer
from integrations.shopify.queries import Operation
from integrations.shopify.retry import RetryPolicy

log = logging.getLogger(__name__)

API_VERSION = "2026-10"
MYSHOPIFY_SUFFIX = ".myshopify.com"
GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"
DEPRECATION_HEADER = "x-shopify-api-deprecated-reason"
# Timeouts for the client built by connect(): Shopify answers large pages in a few seconds.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def normalize_shop(shop: str) -> str:
    """``brand``, ``brand.myshopify.com`` or ``https://brand.myshopify.com/`` → the domain."""
    value = shop.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    value = value.strip("/")
    if not value or "/" in value or " " in value:
        raise ValueError(f"{shop!r} is not a shop domain such as brand.myshopify.com")
    return value if "." in value else value + MYSHOPIFY_SUFFIX


def graphql_url(shop: str) -> str:
    """The Admin GraphQL endpoint of a shop for :data:`API_VERSION`."""
    return f"https://{normalize_shop(shop)}{GRAPHQL_PATH}"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (where the OAuth token endpoint lives)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class ClientStats:
    """Counters of one client's life, for logs and benchmarks. Contains no secrets."""

    requests: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    retry_wait_seconds: float = 0.0
    actual_cost: float = 0.0
    auth_renewals: int = 0

    def count(self, error: ShopifyError) -> None:
        """Count one failed attempt by kind."""
        if isinstance(error, ThrottledError):
            self.throttled += 1
        elif isinstance(error, RateLimitedError):
            self.rate_limited += 1
        elif isinstance(error, ServerError):
            self.server_errors += 1
        elif isinstance(error, TransportError):
            self.transport_errors += 1


class ShopifyClient:
    """Sends GraphQL documents to one shop and returns their ``data``."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        shop: str,
        auth: Auth,
        endpoint: str | None = None,
        retry: RetryPolicy | None = None,
        pacer: CostPacer | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.shop = normalize_shop(shop)
        self.endpoint = endpoint or graphql_url(self.shop)
        self.api_version = API_VERSION
        self._http = http
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self.pacer = pacer or CostPacer(clock, sleep)
        self.stats = ClientStats()
        self._stats_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ShopifyClient(shop={self.shop!r}, endpoint={self.endpoint!r}, auth={self._auth!r})"

    def clock(self) -> float:
        """The client's clock (injected), for callers that poll."""
        return self._clock()

    def sleep(self, seconds: float) -> None:
        """The client's sleep (injected), for callers that poll."""
        self._sleep(seconds)

    def run(self, operation: Operation, **variables: Any) -> dict[str, Any]:
        """Execute one of the named documents of :mod:`integrations.shopify.queries`."""
        return self.execute(operation.document, variables, operation.name)

    def execute(
        self, document: str, variables: Mapping[str, Any] | None, operation_name: str
    ) -> dict[str, Any]:
        """POST one GraphQL document; return ``data`` or raise a :class:`ShopifyError`.

        Transient failures are retried per the RetryPolicy; a 401 renews the
        credential once (client-credentials grant) and then gives up.
        """
        context = ErrorContext(self.shop, operation_name, self._auth.credential_hint)
        body = {
            "query": document,
            "variables": dict(variables or {}),
            "operationName": operation_name,
        }
        try:
            return self._with_retries(context, body)
        except AuthenticationError:
            if not self._auth.renew():
                raise
            with self._stats_lock:
                self.stats.auth_renewals += 1
            log.info("renewing the Shopify access token for %s after HTTP 401", self.shop)
            return self._with_retries(context, body)

    def _with_retries(self, context: ErrorContext, body: dict[str, Any]) -> dict[str, Any]:
        for attempt in self._retry.retrying(self._timed_sleep, self._rand):
            with attempt:
                return self._attempt(context, body)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _timed_sleep(self, seconds: float) -> None:
        with self._stats_lock:
            self.stats.retry_wait_seconds += seconds
        self._sleep(seconds)

    def _attempt(self, context: ErrorContext, body: dict[str, Any]) -> dict[str, Any]:
        operation = context.operation
        self.pacer.before_request(operation)
        headers = {**self._auth.headers(), "Accept": "application/json"}
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.by_operation[operation] += 1
        try:
            response = self._http.post(self.endpoint, json=body, headers=headers)
            payload = _decode(response)
        except httpx.TransportError as exc:
            dropped = TransportError(context, exc)
            self._count(dropped)
            raise dropped from None  # the httpx exception holds the request and its headers
        if isinstance(payload, dict):
            cost = (payload.get("extensions") or {}).get("cost")
            self.pacer.observe(operation, cost)
            if isinstance(cost, dict) and isinstance(cost.get("actualQueryCost"), int | float):
                with self._stats_lock:
                    self.stats.actual_cost += float(cost["actualQueryCost"])
        if DEPRECATION_HEADER in response.headers:
            log.warning(
                "Shopify reports deprecated usage in %s: %s",
                operation,
                response.headers[DEPRECATION_HEADER],
            )
        error = error_for_response(context, response.status_code, response.headers, payload)
        if error is not None:
            self._count(error)
            raise error
        assert payload is not None  # error_for_response returns an error for a non-JSON body
        data: dict[str, Any] = payload["data"]
        return data

    def _count(self, error: ShopifyError) -> None:
        with self._stats_lock:
            self.stats.count(error)

    def stream_jsonl(self, url: str, operation: str) -> Iterator[dict[str, Any]]:
        """Stream a JSONL file (a bulk operation's result) object by object.

        The file is never held in memory. A dropped connection, a 5xx or a
        truncated line re-opens the download (per the RetryPolicy) and skips the
        objects already yielded, since a finished bulk file never changes.
        """
        context = ErrorContext(self.shop, operation, self._auth.credential_hint)
        delivered = attempts = 0
        waited = 0.0
        while True:
            attempts += 1
            try:
                for item in self._download(context, url, skip=delivered):
                    delivered += 1
                    yield item
                return
            except TransientError as error:
                self._count(error)
                if self._retry.gives_up(attempts, waited):
                    raise
                wait = self._retry.wait_for(error, attempts, self._rand)
                log.warning("bulk download interrupted after %d objects: %s", delivered, error)
                self._timed_sleep(wait)
                waited += wait

    def _download(self, context: ErrorContext, url: str, skip: int) -> Iterator[dict[str, Any]]:
        """One pass over the file, skipping the first ``skip`` objects."""
        seen = 0
        try:
            # The result URL is pre-signed: it must not get the shop's access token.
            with self._http.stream("GET", url) as response:
                if not response.is_success:
                    response.read()
                    raise _download_error(context, response)
                for line in response.iter_lines():
                    if not line.strip():
                        continue
                    seen += 1
                    if seen <= skip:
                        continue
                    try:
                        item = json.loads(line)
                    except ValueError:
                        raise ServerError(context, "truncated line in the result file") from None
                    yield item
        except httpx.TransportError as exc:
            raise TransportError(context, exc) from None


def _download_error(context: ErrorContext, response: httpx.Response) -> ShopifyError:
    """Transient statuses retry; anything else means the file is gone or refused."""
    status = response.status_code
    error = error_for_response(context, status, response.headers, None)
    if isinstance(error, TransientError):
        return error
    return BulkOperationError(
        context.with_response(status, None), "download", f"with HTTP {status} for the result file"
    )


def _decode(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
