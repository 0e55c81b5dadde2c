"""The sandbox over real HTTP on loopback (stdlib ``ThreadingHTTPServer``).

The stdlib server is used on purpose: fault injection needs socket-level
control (closing a connection without any response), which higher-level
frameworks hide.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from .constants import (
    ACCESS_TOKEN_HEADER,
    BULK_RESULTS_PREFIX,
    GRAPHQL_PATH,
    INVALID_TOKEN_MESSAGE,
    REQUEST_ID_HEADER,
    STREAM_CHUNK_BYTES,
)
from .engine import GraphQLEndpoint, Outcome
from .faults import FaultConfig, FaultPlan, Listener, RequestRecord, SandboxStats
from .oauth import client_credentials_grant
from .state import SandboxShop

JSON_TYPE = "application/json; charset=utf-8"
JSONL_TYPE = "application/jsonl"
NOT_FOUND_BODY = {"errors": "Not Found"}
CONTROL_PREFIX = "/sandbox/"  # the sandbox's own routes (see _Handler._control)
SHUTDOWN_POLL_SECONDS = 0.02  # how fast shutdown() is noticed by serve_forever


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Shopify; bodies carry Content-Length
    # Headers and body go out in separate writes; with Nagle on, each keep-alive
    # response waits for a delayed ACK (~40 ms) and paging crawls at ~20 pages/s.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: tests and benchmarks read stats, not logs."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: object, request_id: str, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header(REQUEST_ID_HEADER, request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        # Close without a byte of response: the client sees a dropped connection.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _client_still_there(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True
            return bool(self.connection.recv(1, socket.MSG_PEEK) != b"")
        except OSError:
            return False

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        sandbox = self.server.sandbox
        request_id = str(uuid.uuid4())
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path == GRAPHQL_PATH:
            self._graphql(sandbox, body, request_id)
        elif path.startswith(CONTROL_PREFIX):
            self._control(sandbox, path, body, request_id)
        elif path == "/admin/oauth/access_token":
            form = self._form(body)
            status, payload = client_credentials_grant(sandbox.shop, form)
            sandbox.stats.record(RequestRecord(path, None, status, None))
            self._send(status, payload, request_id)
        else:
            sandbox.stats.record(RequestRecord(path, None, 404, None))
            self._send(404, NOT_FOUND_BODY, request_id)

    def _control(self, sandbox: SandboxServer, path: str, body: bytes, request_id: str) -> None:
        """The sandbox's own control routes (not Shopify's), for demos and scripts.

        ``POST /sandbox/orders`` ``{"codes": [...], "total": "42.50"}`` places an order (the
        store's webhooks go out as in Shopify); ``POST /sandbox/webhooks``
        ``{"topic": "orders/paid", "payload": {...}}`` sends any payload on demand. Both need
        the access token, like the Admin API.
        """
        if not sandbox.shop.tokens.is_valid(self.headers.get(ACCESS_TOKEN_HEADER)):
            self._send(401, {"errors": INVALID_TOKEN_MESSAGE}, request_id)
            return
        try:
            given = json.loads(body or b"{}")
            if path == CONTROL_PREFIX + "orders":
                order_id = sandbox.shop.place_order(
                    [str(c) for c in given["codes"]], Decimal(str(given["total"]))
                )
                answer: dict[str, Any] = {"order": f"gid://shopify/Order/{order_id}"}
            elif path == CONTROL_PREFIX + "webhooks":
                sent = sandbox.shop.webhooks.emit(str(given["topic"]), dict(given["payload"]))
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

    def _graphql(self, sandbox: SandboxServer, body: bytes, request_id: str) -> None:
        token = self.headers.get(ACCESS_TOKEN_HEADER)
        if not sandbox.shop.tokens.is_valid(token):
            sandbox.stats.record(RequestRecord(GRAPHQL_PATH, None, 401, None))
            self._send(401, {"errors": INVALID_TOKEN_MESSAGE}, request_id)
            return
        outcome: Outcome = sandbox.endpoint.handle(
            body,
            base_url=sandbox.base_url,
            request_id=request_id,
            still_wanted=self._client_still_there,
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
            self._drop()
        else:
            self._send(outcome.status, outcome.body, request_id, outcome.headers)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        sandbox = self.server.sandbox
        request_id = str(uuid.uuid4())
        path = self.path.split("?", 1)[0]
        key = (
            path[len(BULK_RESULTS_PREFIX) :].removesuffix(".jsonl")
            if path.startswith(BULK_RESULTS_PREFIX)
            else ""
        )
        found = sandbox.shop.bulk_operations.file_for(key) if key else None
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
    """A running sandbox: its URLs, token, stats, and how to stop it."""

    shop: SandboxShop
    endpoint: GraphQLEndpoint
    stats: SandboxStats
    _httpd: _Server
    _thread: threading.Thread
    _stopping: threading.Event

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://{shop}.myshopify.com``)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

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
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def start(
    shop: SandboxShop,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> SandboxServer:
    """Start serving ``shop`` in a background thread; call ``shutdown()`` when done."""
    stopping = threading.Event()
    endpoint = GraphQLEndpoint(shop, FaultPlan(faults), wait=stopping.wait)
    httpd = _Server((host, port), _Handler)
    thread = threading.Thread(
        target=httpd.serve_forever,
        args=(SHUTDOWN_POLL_SECONDS,),
        name="shopify-sandbox",
        daemon=True,
    )
    sandbox = SandboxServer(shop, endpoint, SandboxStats(listener), httpd, thread, stopping)
    httpd.sandbox = sandbox
    thread.start()
    return sandbox


@contextmanager
def serve(
    shop: SandboxShop,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> Iterator[SandboxServer]:
    """Serve ``shop`` over HTTP for the duration of a ``with`` block.

    >>> with serve(SandboxShop()) as sandbox:
    ...     headers = {"X-Shopify-Access-Token": sandbox.access_token}
    ...     httpx.post(sandbox.admin_api_url, json={"query": "{ shop { name } }"}, headers=headers)
    """
    sandbox = start(shop, host=host, port=port, faults=faults, listener=listener)
    try:
        yield sandbox
    finally:
        sandbox.shutdown()
