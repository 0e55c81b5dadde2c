"""Fixtures for the Shopify client tests: a fake clock and a client factory on respx."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from integrations.retry import RetryPolicy
from integrations.shopify.auth import Auth, StaticToken
from integrations.shopify.client import ShopifyClient
from tests.integrations.shopify.builders import SHOP, TOKEN, FakeClock

MakeClient = Callable[..., ShopifyClient]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def make_client(clock: FakeClock, http: httpx.Client) -> MakeClient:
    """Build a client whose sleeps are recorded by ``clock`` and whose jitter is fixed at 0.5."""

    def build(auth: Auth | None = None, **kwargs: Any) -> ShopifyClient:
        kwargs.setdefault("retry", RetryPolicy())
        return ShopifyClient(
            http,
            shop=SHOP,
            auth=auth or StaticToken(TOKEN),
            sleep=clock.sleep,
            clock=clock,
            rand=lambda: 0.5,
            **kwargs,
        )

    return build
