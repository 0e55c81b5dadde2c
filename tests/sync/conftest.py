"""The local Shopify and a client connected to it, for the sync tests (real HTTP on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.shopify import SandboxShop
from integrations.sandbox.shopify.state import DEFAULT_CURRENCY
from integrations.shopify.shop import ShopifyShop
from tests.sync.shops import connect


@pytest.fixture
def shop(request: pytest.FixtureRequest) -> Iterator[SandboxShop]:
    """The local Shopify; its shop currency is USD unless parametrized (``indirect=True``)."""
    with SandboxShop(currency=getattr(request, "param", DEFAULT_CURRENCY)) as sandbox_shop:
        yield sandbox_shop


@pytest.fixture
def store(shop: SandboxShop) -> Iterator[ShopifyShop]:
    yield from connect(shop)
