"""The sandbox over real HTTP on loopback (the shared :mod:`integrations.sandbox.loopback`).

One server answers for one shop or many (:mod:`.routing`): each shop at
``/{shop domain}/admin/api/2026-10/graphql.json`` or by its ``Host``; the first one
also at the bare ``/admin/api/...`` paths.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from ..loopback import LoopbackHandler, Serving, serve_in_thread
from .constants import (
    ACCESS_TOKEN_HEADER,
    BULK_RESULTS_PREFIX,
    GRAPHQL_PATH,
    INVALID_TOKEN_MESSAGE,
    REQUEST_ID_HEADER,
    STREAM_CHUNK_BYTES,
    TOKEN_PATH,
)
from .engine import DocumentCache, GraphQLEndpoint, Outcome
from .faults import FaultConfig, FaultPlan, Listener, RequestRecord, SandboxStats
from .oauth import client_credentials_grant
from .routing import Route, ShopDirectory
from .schema import executable_schema
from .state import SandboxShop

JSONL_TYPE = "application/jsonl"
NOT_FOUND_BODY = {"errors": "Not Found"}
CONTROL_PREFIX = "/sandbox/"  # the sandbox's own routes (see _Handler._control)


class _Handler(LoopbackHandler):
    @property
    def sandbox(self) -> SandboxServer:
        app: SandboxServer = self.server.app
        return app

    def _send(
        self, status: int, body: object, request_id: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_json(status, body, {REQUEST_ID_HEADER: request_id, **(headers or {})})

    def _route(self) -> Route:
        return self.sandbox.directory.route(self.path.split("?", 1)[0], self.headers.get("Host"))

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        sandbox = self.sandbox
        request_id = str(uuid.uuid4())
        body = self.read_body()
        route = self._route()
        path = route.path
        if route.served is None:
            sandbox.stats.record(RequestRecord(path, None, 404, None))
            self._send(404, NOT_FOUND_BODY, request_id)
        elif path == GRAPHQL_PATH:
            self._graphql(sandbox, route, body, request_id)
        elif path.startswith(CONTROL_PREFIX):
            self._control(sandbox, route, body, request_id)
        elif path == TOKEN_PATH:
            form = self._form(body)
            served = route.served
            if not route.named:  # the client asks the shop's origin: its app's id says which
                served = sandbox.directory.by_client_id(form.get("client_id")) or served
            status, payload = client_credentials_grant(served.shop, form)
            sandbox.stats.record(RequestRecord(path, None, status, None))
            self._send(status, payload, request_id)
        else:
            sandbox.stats.record(RequestRecord(path, None, 404, None))
            self._send(404, NOT_FOUND_BODY, request_id)

    def _control(self, sandbox: SandboxServer, route: Route, body: bytes, request_id: str) -> None:
        """The sandbox's own control routes (not Shopify's), for demos and scripts.

        ``POST /sandbox/orders`` ``{"codes": [...], "total": "42.50"}`` places an order (the
        store's webhooks go out as in Shopify); ``POST /sandbox/codes`` ``{"discount":
        "gid://shopify/DiscountCodeNode/1", "codes": [...]}`` adds codes to a discount, as a
        merchant does in the admin; ``POST /sandbox/webhooks``
        ``{"topic": "orders/paid", "payload": {...}}`` sends any payload on demand. Both need
        the access token, like the Admin API.
        """
        assert route.served is not None
        shop, path = route.served.shop, route.path
        if not shop.tokens.is_valid(self.headers.get(ACCESS_TOKEN_HEADER)):
            self._send(401, {"errors": INVALID_TOKEN_MESSAGE}, request_id)
            return
        try:
            given = json.loads(body or b"{}")
            if path == CONTROL_PREFIX + "orders":
                order_id = shop.place_order(
                    [str(c) for c in given["codes"]], Decimal(str(given["total"]))
                )
                answer: dict[str, Any] = {"order": f"gid://shopify/Order/{order_id}"}
            elif path == CONTROL_PREFIX + "codes":
                discount = int(str(given["discount"]).rsplit("/", 1)[-1])
                added = shop.add_codes(discount, [str(c) for c in given["codes"]])
                answer = {"added": len(added)}
            elif path == CONTROL_PREFIX + "webhooks":
                sent = shop.webhooks.emit(str(given["topic"]), dict(given["payload"]))
                answer = {"deliveries": len(sent)}
            else:
                self._send(404, NOT_FOUND_BODY, request_id)
                return
        except (ValueError, KeyError, TypeError, ArithmeticError) as error:
            self._send(400, {"errors": f"bad control request: {error}"}, request_id)
            return
        self._send(200, answer, request_id)

    def _form(self, body: bytes) -> dict[str, str]:
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                parsed = json.loads(body or b"{}")
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
        return {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}

    def _graphql(self, sandbox: SandboxServer, route: Route, body: bytes, request_id: str) -> None:
        assert route.served is not None
        shop, endpoint = route.served.shop, route.served.endpoint
        token = self.headers.get(ACCESS_TOKEN_HEADER)
        if not shop.tokens.is_valid(token):
            sandbox.stats.record(RequestRecord(GRAPHQL_PATH, None, 401, None))
            self._send(401, {"errors": INVALID_TOKEN_MESSAGE}, request_id)
            return
        outcome: Outcome = endpoint.handle(
            body,
            base_url=sandbox.base_url + route.prefix,
            request_id=request_id,
            still_wanted=self.client_still_there,
        )
        # Counted before answering, so a client that has its response sees it counted.
        sandbox.stats.record(
            RequestRecord(
                GRAPHQL_PATH,
                outcome.operation,
                outcome.status,
                outcome.fault,
                outcome.throttled,
                outcome.requested_cost,
                outcome.actual_cost,
            )
        )
        if outcome.body is None:
            self.drop()
        else:
            self._send(outcome.status, outcome.body, request_id, outcome.headers)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        sandbox = self.sandbox
        request_id = str(uuid.uuid4())
        route = self._route()
        path = route.path
        key = (
            path[len(BULK_RESULTS_PREFIX) :].removesuffix(".jsonl")
            if path.startswith(BULK_RESULTS_PREFIX)
            else ""
        )
        found = route.served.shop.bulk_operations.file_for(key) if key and route.served else None
        if found is None:
            sandbox.stats.record(RequestRecord(path, None, 404, None))
            self._send(404, NOT_FOUND_BODY, request_id)
            return
        # Bulk result URLs are pre-signed storage URLs: no access token needed.
        sandbox.stats.record(RequestRecord(BULK_RESULTS_PREFIX, None, 200, None))
        self.send_response(200)
        self.send_header("Content-Type", JSONL_TYPE)
        self.send_header("Content-Length", str(found.stat().st_size))
        self.send_header(REQUEST_ID_HEADER, request_id)
        self.end_headers()
        with found.open("rb") as fh:
            while chunk := fh.read(STREAM_CHUNK_BYTES):
                self.wfile.write(chunk)


@dataclass
class SandboxServer:
    """A running sandbox: its URLs, token, stats, and how to stop it.

    ``shop`` (and ``admin_api_url``, ``access_token``) are the first shop's; every shop
    served has its own URL (:meth:`admin_api_url_for`). Stats count every shop's requests.
    """

    shop: SandboxShop
    endpoint: GraphQLEndpoint
    stats: SandboxStats
    directory: ShopDirectory
    _serving: Serving | None = None

    def add_shop(self, shop: SandboxShop) -> str:
        """Serve one more shop (while running); returns its ``admin_api_url``."""
        self.directory.add(shop)
        return self.admin_api_url_for(shop.domain)

    @property
    def shops(self) -> list[SandboxShop]:
        """Every shop served, the first one first."""
        return self.directory.shops()

    def base_url_for(self, domain: str) -> str:
        """``http://127.0.0.1:PORT/{shop}``: where one shop's API and bulk files live."""
        if self.directory.get(domain) is None:
            raise LookupError(f"shop {domain} is not served here")
        return f"{self.base_url}/{domain}"

    def admin_api_url_for(self, domain: str) -> str:
        """One shop's GraphQL endpoint, ``http://127.0.0.1:PORT/{shop}/admin/api/.../graphql.json``."""
        return self.base_url_for(domain) + GRAPHQL_PATH

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://{shop}.myshopify.com``)."""
        assert self._serving is not None, "not started"
        return self._serving.base_url

    @property
    def admin_api_url(self) -> str:
        """The full GraphQL endpoint URL, ``.../admin/api/2026-10/graphql.json``."""
        return self.base_url + GRAPHQL_PATH

    @property
    def access_token(self) -> str:
        """The shop's offline access token for ``X-Shopify-Access-Token``."""
        return self.shop.access_token

    def shutdown(self) -> None:
        """Stop serving (interrupting slow-fault waits) and release the port."""
        assert self._serving is not None, "not started"
        self._serving.shutdown()


def start(
    shop: SandboxShop,
    *more: SandboxShop,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> SandboxServer:
    """Start serving ``shop`` (and ``more`` shops) in a background thread; call
    ``shutdown()`` when done. Every shop gets its own fault plan from ``faults``."""
    stopping = threading.Event()
    documents = DocumentCache(executable_schema())
    directory = ShopDirectory(
        lambda s: GraphQLEndpoint(s, FaultPlan(faults), wait=stopping.wait, documents=documents)
    )
    endpoint = directory.add(shop).endpoint
    for other in more:
        directory.add(other)
    sandbox = SandboxServer(shop, endpoint, SandboxStats(listener), directory)
    sandbox._serving = serve_in_thread(
        _Handler, sandbox, host=host, port=port, name="shopify-sandbox", stopping=stopping
    )
    return sandbox


@contextmanager
def serve(
    shop: SandboxShop,
    *more: SandboxShop,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> Iterator[SandboxServer]:
    """Serve ``shop`` (and ``more`` shops) over HTTP for the duration of a ``with`` block.

    >>> with serve(SandboxShop()) as sandbox:
    ...     headers = {"X-Shopify-Access-Token": sandbox.access_token}
    ...     httpx.post(sandbox.admin_api_url, json={"query": "{ shop { name } }"}, headers=headers)
    """
    sandbox = start(shop, *more, host=host, port=port, faults=faults, listener=listener)
    try:
        yield sandbox
    finally:
        sandbox.shutdown()
