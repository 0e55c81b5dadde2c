"""One REST request, from method, path, headers and body to WooCommerce's answer, without HTTP.

Order of work, as WordPress does it: injected faults (before anything
changes), authentication (``rest_authentication_errors``), the key's
read/write grant (``rest_pre_dispatch``), the route (404 ``rest_no_route``),
the route's permission check, then the handler under the shop lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..faults import HTTP_STATUS, REST_KINDS, Fault, FaultPlan
from . import coupons, orders, site, webhooks
from .auth import authenticate, check_key_permissions, check_route_permission
from .constants import API_PREFIX, REST_PREFIX
from .delivery import WebhookDeliveries
from .errors import WooError
from .request import RestRequest, parse_body, parse_query
from .routing import Context, Route, find, no_route
from .state import SandboxWooShop

ROUTES: list[Route] = [*coupons.ROUTES, *orders.ROUTES, *webhooks.ROUTES, *site.ROUTES]
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})

# ASSUMPTION: bodies of injected failures. A PHP fatal error under WordPress's
# recovery handler answers this JSON on REST routes; 429/502/503 come from the
# host or a proxy in front of it, so they are plain HTML, not WordPress JSON.
FAULT_BODIES: dict[int, tuple[str, bytes]] = {
    429: ("text/html; charset=utf-8", b"<html><body><h1>429 Too Many Requests</h1></body></html>"),
    500: (
        "application/json; charset=utf-8",
        b'{"code":"internal_server_error","message":"<p>There has been a critical error on this'
        b' website.<\\/p>","data":{"status":500},"additional_errors":[]}',
    ),
    502: ("text/html; charset=utf-8", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    503: (
        "text/html; charset=utf-8",
        b"<html><body><h1>503 Service Unavailable</h1></body></html>",
    ),
}


@dataclass
class Outcome:
    """What to send back (or not) for one request."""

    status: int
    body: Any = None  # JSON; ignored when raw is set
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (with Content-Type in headers)
    dropped: bool = False  # close the connection without answering
    operation: str | None = None
    fault: Fault | None = None


class RestApi:
    """Answers ``/wp-json/`` and ``/wp-json/wc/v3/...`` for one shop."""

    def __init__(
        self,
        shop: SandboxWooShop,
        deliveries: WebhookDeliveries,
        faults: FaultPlan | None = None,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        self.shop = shop
        self.context = Context(shop, deliveries)
        self.faults = faults or FaultPlan(kinds=REST_KINDS)
        self._wait = wait or threading.Event().wait

    def handle(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        still_wanted: Callable[[], bool] = lambda: True,
    ) -> Outcome:
        """The outcome of one request (``target``: path + query; ``headers``: lower-case names)."""
        path, _, query_string = target.partition("?")
        route: Route | None = None
        ids: dict[str, str] = {}
        rest_path = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
        if rest_path is not None:
            try:
                route, ids = find(ROUTES, method, rest_path.rstrip("/") or "/")
            except WooError:
                route = None
        name = route.name if route else ("index" if path.rstrip("/") == REST_PREFIX else None)

        fault = self.faults.before(name)
        if fault is not None and fault is not Fault.SLOW:
            return self._fault(fault, name)
        if fault is Fault.SLOW:
            self._wait(self.faults.config.slow_seconds)
            if not still_wanted():
                return Outcome(0, dropped=True, operation=name, fault=fault)

        outcome = self._answer(method, path, query_string, headers, raw_body, route, ids)
        outcome.operation, outcome.fault = name, fault
        is_write = method not in READ_ONLY
        if outcome.status < 300 and self.faults.after_commit(name, is_write):
            return Outcome(0, dropped=True, operation=name, fault=Fault.DROP_AFTER_COMMIT)
        return outcome

    def _fault(self, fault: Fault, name: str | None) -> Outcome:
        if fault is Fault.DROP:
            return Outcome(0, dropped=True, operation=name, fault=fault)
        status = HTTP_STATUS[fault]
        content_type, raw = FAULT_BODIES[status]
        headers = {"Content-Type": content_type}
        if fault is Fault.HTTP_429:
            headers["Retry-After"] = str(self.faults.config.retry_after_seconds)
        return Outcome(status, headers=headers, raw=raw, operation=name, fault=fault)

    def _answer(
        self,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        route: Route | None,
        ids: dict[str, str],
    ) -> Outcome:
        if path.rstrip("/") == REST_PREFIX and method == "GET":
            return Outcome(200, site.index(self.shop))
        query = parse_query(query_string)
        try:
            key = authenticate(self.shop, query, headers.get("authorization"))
            check_key_permissions(key, method)
            if route is None:
                raise no_route()
            check_route_permission(key, route.permission)
            body = parse_body(raw_body, headers.get("content-type") or "")
            request = RestRequest(method, path, query, body, query_string)
            reply = route.handler(self.context, request, ids)
        except WooError as error:
            return Outcome(error.status, error.body(), dict(error.headers))
        return Outcome(reply.status, reply.body, reply.headers)
