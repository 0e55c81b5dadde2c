"""The local WooCommerce over real HTTP on loopback (the shared :mod:`..loopback`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from ..faults import REST_KINDS, FaultConfig, FaultPlan, Listener, RequestRecord, SandboxStats
from ..loopback import LoopbackHandler, Serving, require_loopback, serve_in_thread
from .api import RestApi
from .constants import API_PREFIX
from .delivery import WebhookDeliveries
from .state import SandboxWooShop


class _Handler(LoopbackHandler):
    def _handle(self) -> None:
        app: WooServer = self.server.app
        body = self.read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = app.api.handle(
            self.command, self.path, headers, body, still_wanted=self.client_still_there
        )
        path = self.path.split("?", 1)[0]
        # Counted before answering, so a client that has its response sees it counted.
        app.stats.record(RequestRecord(path, outcome.operation, outcome.status, outcome.fault))
        if outcome.dropped:
            self.drop()
        elif outcome.raw is not None:
            self.send_response(outcome.status)
            for name, value in outcome.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(outcome.raw)))
            self.end_headers()
            self.wfile.write(outcome.raw)
        else:
            self.send_json(outcome.status, outcome.body, outcome.headers)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815


@dataclass
class WooServer:
    """A running local WooCommerce: its URLs, key, stats, webhooks, and how to stop it."""

    shop: SandboxWooShop
    api: RestApi
    deliveries: WebhookDeliveries
    stats: SandboxStats
    _serving: Serving | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (stands in for ``https://shop.example``)."""
        assert self._serving is not None, "not started"
        return self._serving.base_url

    @property
    def api_url(self) -> str:
        """``.../wp-json/wc/v3``."""
        return self.base_url + API_PREFIX

    @property
    def consumer_key(self) -> str:
        """The read/write key's consumer key."""
        return self.shop.api_key.consumer_key

    @property
    def consumer_secret(self) -> str:
        """The read/write key's consumer secret."""
        return self.shop.api_key.consumer_secret

    def shutdown(self) -> None:
        """Stop serving, then stop the webhook worker after its queue."""
        assert self._serving is not None, "not started"
        self._serving.shutdown()
        self.deliveries.close()


def start(
    shop: SandboxWooShop,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
    webhook_http: httpx.Client | None = None,
) -> WooServer:
    """Serve ``shop`` on loopback in a background thread; call ``shutdown()`` when done."""
    require_loopback(host)
    plan = FaultPlan(faults, kinds=REST_KINDS)  # refuses GraphQL-only faults before starting
    stopping = threading.Event()
    deliveries = WebhookDeliveries(shop, webhook_http)
    api = RestApi(shop, deliveries, plan, wait=stopping.wait)
    server = WooServer(shop, api, deliveries, SandboxStats(listener))
    server._serving = serve_in_thread(
        _Handler, server, host=host, port=port, name="woocommerce-sandbox", stopping=stopping
    )
    shop.home_url = server._serving.base_url
    return server


@contextmanager
def serve(
    shop: SandboxWooShop,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultConfig | None = None,
    listener: Listener | None = None,
) -> Iterator[WooServer]:
    """Serve ``shop`` over HTTP for the duration of a ``with`` block.

    >>> with serve(SandboxWooShop()) as woo:
    ...     httpx.get(woo.api_url + "/coupons", auth=(woo.consumer_key, woo.consumer_secret))
    """
    server = start(shop, host=host, port=port, faults=faults, listener=listener)
    try:
        yield server
    finally:
        server.shutdown()
