"""Transport for Shopify's Admin GraphQL API: one ``execute`` with auth, pacing and retries.

The client never builds its own ``httpx.Client`` (except in :func:`connect`
at the edge); tests pass one with a respx/MockTransport or point it at the
local sandbox shop. Errors are mapped once, in
:func:`integrations.shopify.classify.error_for_response`; whether and when to
retry them (a 401 the credential can answer included) is decided by the
:class:`~integrations.retry.RetryPolicy` alone.
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

from integrations.http import json_object
from integrations.retry import RetryPolicy
from integrations.shopify.auth import Auth
from integrations.shopify.classify import error_for_response
from integrations.shopify.domain import API_VERSION, graphql_url, normalize_shop
from integrations.shopify.errors import (
    AuthenticationError,
    BulkOperationError,
    ErrorContext,
    RateLimitedError,
    ServerError,
    ShopifyError,
    ThrottledError,
    TransportError,
)
from integrations.shopify.pacing import CostPacer
from integrations.shopify.queries import Operation
from integrations.urls import redact_url

log = logging.getLogger(__name__)

DEPRECATION_HEADER = "x-shopify-api-deprecated-reason"
# Timeouts for the client built by connect(): Shopify answers large pages in a few seconds.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def admin_root_of(endpoint: str) -> str:
    """Where the shop's ``/admin/...`` paths live, given its GraphQL endpoint: the origin
    for ``https://{shop}/admin/api/...``, and the path prefix too when a proxy or the local
    Shopify serves the shop below one (``http://127.0.0.1:8123/{shop}/admin/api/...``)."""
    path = urlsplit(endpoint).path
    prefix, found, _ = path.partition("/admin/api/")
    return origin_of(endpoint) + (prefix if found else "")


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

        Retryable failures are retried per the RetryPolicy; a 401 renews the
        credential once (client-credentials grant), retried like any other.
        """
        context = ErrorContext(
            self.shop, operation_name, self._auth.credential_hint, url=redact_url(self.endpoint)
        )
        body = {
            "query": document,
            "variables": dict(variables or {}),
            "operationName": operation_name,
        }
        renewed: list[bool] = []  # a 401 renews the credential at most once per call
        return self._retry.call(
            lambda: self._attempt(context, body, renewed),
            sleep=self._timed_sleep,
            clock=self._clock,
            rand=self._rand,
        )

    def _timed_sleep(self, seconds: float) -> None:
        with self._stats_lock:
            self.stats.retry_wait_seconds += seconds
        self._sleep(seconds)

    def _attempt(
        self, context: ErrorContext, body: dict[str, Any], renewed: list[bool]
    ) -> dict[str, Any]:
        credential = self._auth.headers()  # may fetch a token: before reserving any points
        response, payload = self._send(context, body, credential)
        error = error_for_response(context, response.status_code, response.headers, payload)
        if isinstance(error, AuthenticationError) and not renewed and self._auth.renew(credential):
            renewed.append(True)
            with self._stats_lock:
                self.stats.auth_renewals += 1
            log.info("renewing the Shopify access token for %s after HTTP 401", self.shop)
            error = AuthenticationError.renewable(error.context)
        if error is not None:
            self._count(error)
            raise error
        assert payload is not None  # error_for_response returns an error for a non-JSON body
        data: dict[str, Any] = payload["data"]
        return data

    def _send(
        self, context: ErrorContext, body: dict[str, Any], credential: Mapping[str, str]
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        """POST once under the pacer: reserve the expected cost, settle it with the real one."""
        operation = context.operation
        reservation = self.pacer.admit(operation)
        cost: dict[str, Any] | None = None
        try:
            with self._stats_lock:
                self.stats.requests += 1
                self.stats.by_operation[operation] += 1
            try:
                response = self._http.post(
                    self.endpoint, json=body, headers={**credential, "Accept": "application/json"}
                )
            except httpx.TransportError as exc:
                dropped = TransportError(context, exc)
                self._count(dropped)
                raise dropped from None  # the httpx exception holds the request and its headers
            payload = json_object(response)
            found = ((payload or {}).get("extensions") or {}).get("cost")
            cost = found if isinstance(found, dict) else None
            if cost and isinstance(cost.get("actualQueryCost"), int | float):
                with self._stats_lock:
                    self.stats.actual_cost += float(cost["actualQueryCost"])
        finally:
            self.pacer.settle(reservation, cost)
        if DEPRECATION_HEADER in response.headers:
            log.warning(
                "Shopify reports deprecated usage in %s: %s",
                operation,
                response.headers[DEPRECATION_HEADER],
            )
        return response, payload

    def _count(self, error: ShopifyError) -> None:
        with self._stats_lock:
            self.stats.count(error)

    def stream_jsonl(self, url: str, operation: str) -> Iterator[dict[str, Any]]:
        """Stream a JSONL file (a bulk operation's result) object by object.

        The file is never held in memory. A dropped connection, a 5xx or a
        truncated line re-opens the download (per the RetryPolicy, the same
        bounded waits as every call) and skips the objects already yielded,
        since a finished bulk file never changes.
        """
        context = ErrorContext(
            self.shop, operation, self._auth.credential_hint, url=redact_url(url)
        )

        def one_pass(skip: int) -> Iterator[dict[str, Any]]:
            try:
                yield from self._download(context, url, skip)
            except ShopifyError as error:
                self._count(error)
                raise

        return self._retry.stream(
            one_pass, sleep=self._timed_sleep, clock=self._clock, rand=self._rand
        )

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
    """Retryable statuses retry; anything else means the file is gone or refused."""
    status = response.status_code
    error = error_for_response(context, status, response.headers, None)
    if error is not None and error.retryable:
        return error
    return BulkOperationError(
        context.with_response(status, None), "download", f"with HTTP {status} for the result file"
    )
