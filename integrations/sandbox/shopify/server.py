"""The sandbox over real HTTP on loopback (the shared :mod:`integrations.sandbox.loopback`)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs

from ..loopback import LoopbackHandler, Serving, serve_in_thread
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

JSONL_TYPE = "application/jsonl"
NOT_FOUND_BODY = {"errors": "Not Found"}


class _Handler(LoopbackHandler):
    @property
    def sandbox(self) -> SandboxServer:
        app: SandboxServer = self.server.app
        return app

    def _send(
        self, status: int, body: object, request_id: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_json(status, body, {REQUEST_ID_HEADER: request_id, **(headers or {})})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        sandbox = self.sandbox
        request_id = str(uuid.uuid4())
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        if path == GRAPHQL_PATH:
            self._graphql(sandbox, body, request_id)
        elif path == "/admin/oauth/access_token":
            form = self._form(body)
            status, payload = client_credentials_grant(sandbox.shop, form)
            sandbox.stats.record(RequestRecord(path, None, status, None))
            self._send(status, payload, request_id)
        else:
            sandbox.stats.record(RequestRecord(path, None, 404, None))
            self._send(404, NOT_FOUND_BODY, request_id)

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
    _serving: Serving | None = None

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
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> SandboxServer:
    """Start serving ``shop`` in a background thread; call ``shutdown()`` when done."""
    stopping = threading.Event()
    endpoint = GraphQLEndpoint(shop, FaultPlan(faults), wait=stopping.wait)
    sandbox = SandboxServer(shop, endpoint, SandboxStats(listener))
    sandbox._serving = serve_in_thread(
        _Handler, sandbox, host=host, port=port, name="shopify-sandbox", stopping=stopping
    )
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
