"""Fixtures: a local WooCommerce on a frozen clock, served on loopback, and a REST helper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integrations.sandbox.woocommerce import ManualClock, SandboxWooShop, WooServer, serve


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def shop(clock: ManualClock) -> SandboxWooShop:
    return SandboxWooShop(clock=clock)


@pytest.fixture
def woo(shop: SandboxWooShop) -> Iterator[WooServer]:
    with serve(shop) as running:
        yield running


class Rest:
    """Calls ``/wp-json/wc/v3`` with the shop's read/write key over HTTP Basic."""

    def __init__(self, server: WooServer, auth: tuple[str, str] | None = None) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=server.api_url,
            auth=auth or (server.consumer_key, server.consumer_secret),
            timeout=10,
        )

    def __getattr__(self, method: str) -> Any:
        return getattr(self.http, method)


@pytest.fixture
def rest(woo: WooServer) -> Iterator[Rest]:
    client = Rest(woo)
    yield client
    client.http.close()
