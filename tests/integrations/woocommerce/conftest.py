"""Fixtures for the WooCommerce client tests on respx: a recorded sleep and a client factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from integrations.retry import RetryPolicy
from integrations.woocommerce.client import WooClient
from tests.integrations.shopify.builders import FakeClock

URL = "https://shop.example.com"
API = URL + "/wp-json/wc/v3"
KEY = "ck_0123456789abcdef"
SECRET = "cs_fedcba9876543210"

MakeClient = Callable[..., WooClient]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def make_client(clock: FakeClock, http: httpx.Client) -> MakeClient:
    """A client on ``URL`` whose sleeps are recorded by ``clock``, jitter fixed at 0.5."""

    def build(**kwargs: Any) -> WooClient:
        kwargs.setdefault("retry", RetryPolicy())
        kwargs.setdefault("url", URL)
        return WooClient(
            http,
            consumer_key=KEY,
            consumer_secret=SECRET,
            sleep=clock.sleep,
            clock=clock,
            rand=lambda: 0.5,
            **kwargs,
        )

    return build


def error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    """WooCommerce's error response: ``{code, message, data: {status}}``."""
    body = {"code": code, "message": message, "data": {"status": status}}
    return httpx.Response(status, json=body, headers=headers)


def listing(items: list[dict[str, Any]], total: int, per_page: int = 100) -> httpx.Response:
    """One page of a listing with WordPress's total headers."""
    pages = -(-total // per_page)
    return httpx.Response(
        200, json=items, headers={"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    )
