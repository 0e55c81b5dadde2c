"""Fixtures: a sandbox shop on a frozen clock, served on loopback, and a GraphQL helper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from integrations.sandbox.shopify import (
    BucketConfig,
    JobTiming,
    ManualClock,
    SandboxServer,
    SandboxShop,
    serve,
)

ACCESS_TOKEN = "shpat_test_token"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def shop(clock: ManualClock) -> Iterator[SandboxShop]:
    with SandboxShop(
        access_token=ACCESS_TOKEN,
        clock=clock,
        job_timing=JobTiming(polls_until_done=2),
        bucket=BucketConfig(),
    ) as created:
        yield created


@pytest.fixture
def sandbox(shop: SandboxShop) -> Iterator[SandboxServer]:
    with serve(shop) as running:
        yield running


class Gql:
    """Posts GraphQL documents to the sandbox the way the client does."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(timeout=10)

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"X-Shopify-Access-Token": self.sandbox.access_token, **kw.pop("headers", {})}
        return self.http.post(
            self.sandbox.admin_api_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            **kw,
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(sandbox: SandboxServer) -> Iterator[Gql]:
    client = Gql(sandbox)
    yield client
    client.http.close()


def discount_gid(number: int) -> str:
    return f"gid://shopify/DiscountNode/{number}"


def code_discount_gid(number: int) -> str:
    return f"gid://shopify/DiscountCodeNode/{number}"
