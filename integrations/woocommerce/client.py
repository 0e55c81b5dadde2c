"""Transport for WooCommerce's REST API: one ``request`` with auth and retries, and paging.

The client never builds its own ``httpx.Client`` (except in
:meth:`integrations.woocommerce.shop.WooShop.connect` at the edge); tests pass
one with a respx/MockTransport or point it at the local WooCommerce.

Auth: HTTP Basic with the consumer key and secret over HTTPS (or to a loopback
address). Hosts that strip the ``Authorization`` header make WooCommerce treat
the request as anonymous (401 ``woocommerce_rest_cannot_view``; the docs quote
"Consumer key is missing"); in ``auth = "auto"`` the client then switches to
the query-string credentials (``consumer_key``, ``consumer_secret``) for good
and retries at once; ``auth = "query"`` uses them from the start. Plain
``http://`` to any other host is refused before anything is sent.

Errors are mapped once, in :func:`integrations.woocommerce.classify.error_for_response`;
whether and when to retry them is decided by the :class:`~integrations.retry.RetryPolicy`.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from integrations.http import ErrorContext, is_loopback
from integrations.retry import RetryPolicy
from integrations.urls import redact_url
from integrations.woocommerce.classify import error_for_response
from integrations.woocommerce.errors import (
    IncompleteListing,
    InsecureUrl,
    ServerError,
    TransportError,
    WooError,
)

log = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3"
API_VERSION = "wc/v3"
#: WordPress caps per_page at 100.
PAGE_SIZE = 100
TOTAL_HEADER = "x-wp-total"
TOTAL_PAGES_HEADER = "x-wp-totalpages"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

AuthMode = Literal["auto", "basic", "query"]
AUTH_MODES: tuple[AuthMode, ...] = ("auto", "basic", "query")


@dataclass
class ClientStats:
    """Counters of one client's life, for logs and benchmarks. Contains no secrets."""

    requests: int = 0
    retry_wait_seconds: float = 0.0
    switched_to_query: bool = False


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items and the totals the store claimed with it."""

    items: list[dict[str, Any]]
    total: int
    total_pages: int


class WooClient:
    """Sends requests to one store's ``/wp-json/wc/v3`` and returns decoded JSON."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        auth: AuthMode = "auto",
        credential_hint: str = "",
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        parts = urlsplit(url)
        self.store = parts.netloc.rpartition("@")[2] or url
        self.site_url = url.rstrip("/")
        self.base_url = self.site_url + API_PATH
        self.https = parts.scheme == "https"
        if not self.https and not (parts.scheme == "http" and is_loopback(parts.hostname or "")):
            raise InsecureUrl(ErrorContext(self.store, "connect", url=redact_url(url)))
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}")
        self.auth_mode: AuthMode = auth
        self.credential_hint = credential_hint
        self._http = http
        self._key = consumer_key
        self._secret = consumer_secret
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self.stats = ClientStats()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WooClient(url={self.base_url!r}, auth={self.auth_mode!r}, key=<hidden>)"

    @property
    def uses_query_auth(self) -> bool:
        """True once credentials travel in the query string (configured or auto-detected)."""
        return self.auth_mode == "query"

    def request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> tuple[Any, httpx.Headers]:
        """One API call, retried per the policy; returns (decoded JSON body, headers).

        ``path`` is below ``/wp-json/wc/v3``, or a site path starting ``/wp-json/``.
        """
        url = (self.site_url if path.startswith("/wp-json/") else self.base_url) + path
        context = ErrorContext(self.store, operation, self.credential_hint, url=redact_url(url))
        return self._retry.call(
            lambda: self._attempt(context, method, url, dict(params or {}), json),
            sleep=self._timed_sleep,
            clock=self._clock,
            rand=self._rand,
        )

    def _timed_sleep(self, seconds: float) -> None:
        with self._lock:
            self.stats.retry_wait_seconds += seconds
        self._sleep(seconds)

    def _attempt(
        self, context: ErrorContext, method: str, url: str, params: dict[str, Any], body: Any
    ) -> tuple[Any, httpx.Headers]:
        auth: httpx.BasicAuth | None = None
        if self.uses_query_auth:
            params = {**params, "consumer_key": self._key, "consumer_secret": self._secret}
        else:
            auth = httpx.BasicAuth(self._key, self._secret)
        with self._lock:
            self.stats.requests += 1
        try:
            response = self._http.request(
                method,
                url,
                params=params,
                json=body,
                auth=auth,
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            # The httpx exception holds the request, whose URL may carry the secret.
            raise TransportError(context, exc) from None
        try:
            payload, json_ok = response.json(), True
        except ValueError:
            payload, json_ok = None, False
        error = error_for_response(
            context,
            response.status_code,
            response.headers,
            payload,
            json_ok=json_ok,
            may_switch_to_query=self.auth_mode == "auto",
        )
        if error is not None:
            if error.retryable and error.status == 401:
                log.warning(
                    "%s saw no API key in the Authorization header (a server that strips it?): "
                    "sending the key in the query string from now on; set "
                    'auth = "query" in the store\'s config to skip this probe',
                    self.store,
                )
                self.auth_mode = "query"
                self.stats.switched_to_query = True
            raise error
        return payload, response.headers

    def get_page(self, path: str, operation: str, params: Mapping[str, Any], page: int) -> Page:
        """One page of a listing, ordered by id (stable while items are added)."""
        query = {
            **params,
            "per_page": PAGE_SIZE,
            "page": page,
            "orderby": "id",
            "order": "asc",
        }
        payload, headers = self.request("GET", path, operation, params=query)
        context = ErrorContext(self.store, operation, url=redact_url(self.base_url + path))
        if not isinstance(payload, list):
            raise ServerError(context, "a listing answered with something else than a list")
        try:
            total = int(headers[TOTAL_HEADER])
            total_pages = int(headers[TOTAL_PAGES_HEADER])
        except (KeyError, ValueError):
            raise IncompleteListing(
                context, "X-WP-Total or X-WP-TotalPages missing or not a number"
            ) from None
        if total < 0 or total_pages != math.ceil(total / PAGE_SIZE):
            raise IncompleteListing(
                context,
                f"X-WP-TotalPages {total_pages} does not fit X-WP-Total {total} at "
                f"{PAGE_SIZE} a page",
            )
        if len(payload) > PAGE_SIZE or (page < total_pages and len(payload) != PAGE_SIZE):
            raise IncompleteListing(
                context, f"page {page} of {total_pages} held {len(payload)} items"
            )
        return Page(payload, total, total_pages)

    def iter_pages(
        self,
        path: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        exact: bool = True,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every item of a listing, page by page, checked against ``X-WP-Total``.

        Ordered by id ascending, so items added meanwhile land on later pages (and
        are read, as the total grows). Items are de-duplicated by id. A total that
        shrinks between pages (something was deleted: an item may have slipped to an
        earlier page) raises :class:`IncompleteListing`, and so does a count that ends
        different from the last total (``exact``) or below the first one (not
        ``exact``: a listing filtered by modification time grows when an older item is
        modified meanwhile, which moves later items one place on). A listing is never
        silently partial.
        """
        seen: set[Any] = set()
        page_no, first_total, last_total = 1, None, None
        context = ErrorContext(self.store, operation, url=redact_url(self.base_url + path))
        while True:
            page = self.get_page(path, operation, params or {}, page_no)
            if last_total is not None and page.total < last_total:
                raise IncompleteListing(
                    context,
                    f"X-WP-Total fell from {last_total} to {page.total} between pages",
                )
            last_total = page.total
            first_total = page.total if first_total is None else first_total
            fresh = [item for item in page.items if item.get("id") not in seen]
            seen.update(item.get("id") for item in fresh)
            yield fresh
            if page_no >= page.total_pages:
                break
            page_no += 1
        if len(seen) != last_total if exact else len(seen) < (first_total or 0):
            raise IncompleteListing(
                context, f"X-WP-Total said {last_total} but {len(seen)} distinct items arrived"
            )


def is_error(error: BaseException, code: str) -> bool:
    """True for a WooCommerce error carrying ``code``."""
    return isinstance(error, WooError) and error.code == code
