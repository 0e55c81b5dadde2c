"""Seeded fault injection: every kind, before any state change, and the stats hook."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from integrations.sandbox.shopify import (
    Fault,
    FaultConfig,
    RequestRecord,
    SandboxServer,
    SandboxShop,
    serve,
)
from integrations.sandbox.shopify.faults import FaultPlan
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql, code_discount_gid


@contextmanager
def faulty(
    shop: SandboxShop, config: FaultConfig, records: list[RequestRecord] | None = None
) -> Iterator[Gql]:
    listener = records.append if records is not None else None
    with serve(shop, faults=config, listener=listener) as running:
        gql = Gql(running)
        yield gql
        gql.http.close()


def _add_codes(gql: Gql, number: int) -> httpx.Response:
    return gql.post(
        docs.ADD_REDEEM_CODES, {"discountId": code_discount_gid(number), "codes": [{"code": "NEW"}]}
    )


@pytest.mark.parametrize(
    ("fault", "status"), [(Fault.HTTP_500, 500), (Fault.HTTP_502, 502), (Fault.HTTP_503, 503)]
)
def test_http_5xx_fault_changes_nothing(shop: SandboxShop, fault: Fault, status: int) -> None:
    number = shop.create_code_discount("S")
    with faulty(shop, FaultConfig(seed=1, rates={fault: 1.0})) as gql:
        response = _add_codes(gql, number)
    assert response.status_code == status
    assert response.headers["X-Request-Id"]
    assert shop.creations == {}


def test_http_429_carries_retry_after(shop: SandboxShop) -> None:
    with faulty(shop, FaultConfig(rates={Fault.HTTP_429: 1.0}, retry_after_seconds=3.0)) as gql:
        response = gql.post(docs.SHOP_CHECK)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3.0"


def test_graphql_internal_error_is_http_200_with_request_id(shop: SandboxShop) -> None:
    number = shop.create_code_discount("S")
    with faulty(shop, FaultConfig(rates={Fault.GRAPHQL_INTERNAL: 1.0})) as gql:
        response = _add_codes(gql, number)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["X-Request-Id"]
    assert "data" not in response.json()
    assert shop.creations == {}


def test_dropped_connection_sends_nothing_and_applies_nothing(shop: SandboxShop) -> None:
    number = shop.create_code_discount("S")
    with (
        faulty(shop, FaultConfig(rates={Fault.DROP: 1.0})) as gql,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        _add_codes(gql, number)
    assert shop.creations == {}


def test_drop_after_commit_applies_the_mutation_and_loses_the_response(shop: SandboxShop) -> None:
    number = shop.create_code_discount("S")
    with faulty(shop, FaultConfig(drop_after_commit_rate=1.0)) as gql:
        with pytest.raises(httpx.RemoteProtocolError):
            _add_codes(gql, number)
        assert (
            gql.post(docs.SHOP_CHECK).status_code == 200
        )  # queries are never dropped after commit
    assert len(shop.creations) == 1


def test_slow_response_times_out_the_client_and_applies_nothing(shop: SandboxShop) -> None:
    number = shop.create_code_discount("S")
    finished = threading.Event()
    records: list[RequestRecord] = []

    def listen(record: RequestRecord) -> None:
        records.append(record)
        finished.set()

    config = FaultConfig(rates={Fault.SLOW: 1.0}, slow_seconds=0.3)
    with serve(shop, faults=config, listener=listen) as running:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                running.admin_api_url,
                json={
                    "query": docs.ADD_REDEEM_CODES,
                    "variables": {"discountId": code_discount_gid(number), "codes": []},
                },
                headers={"X-Shopify-Access-Token": running.access_token},
                timeout=0.05,
            )
        # Wait for the server to finish that request (an event, not a timed sleep).
        assert finished.wait(timeout=10)
    # The server noticed the client had left before it ran the mutation.
    assert [(r.fault, r.status) for r in records] == [(Fault.SLOW, 0)]
    assert shop.creations == {}


def test_slow_response_is_answered_when_the_client_waits(shop: SandboxShop) -> None:
    config = FaultConfig(rates={Fault.SLOW: 1.0}, slow_seconds=0.05)
    with faulty(shop, config) as gql:
        assert gql.post(docs.SHOP_CHECK).status_code == 200


def test_faults_only_hit_the_named_operations(shop: SandboxShop) -> None:
    config = FaultConfig(rates={Fault.HTTP_503: 1.0}, operations=frozenset({"AddRedeemCodes"}))
    number = shop.create_code_discount("S")
    with faulty(shop, config) as gql:
        assert gql.post(docs.SHOP_CHECK).status_code == 200
        assert _add_codes(gql, number).status_code == 503


def test_same_seed_same_fault_sequence() -> None:
    rates = {Fault.HTTP_500: 0.2, Fault.DROP: 0.2, Fault.GRAPHQL_INTERNAL: 0.1}
    plan_a, plan_b = (
        FaultPlan(FaultConfig(seed=42, rates=rates)),
        FaultPlan(FaultConfig(seed=42, rates=rates)),
    )
    other = FaultPlan(FaultConfig(seed=43, rates=rates))
    sequence_a = [plan_a.before("Op") for _ in range(200)]
    assert sequence_a == [plan_b.before("Op") for _ in range(200)]
    assert sequence_a != [other.before("Op") for _ in range(200)]
    for kind in (Fault.HTTP_500, Fault.DROP, Fault.GRAPHQL_INTERNAL, None):
        assert kind in sequence_a


def test_stats_count_requests_by_operation_and_fault(shop: SandboxShop) -> None:
    records: list[RequestRecord] = []
    config = FaultConfig(seed=7, rates={Fault.HTTP_500: 0.5})
    with faulty(shop, config, records) as gql:
        statuses = [gql.post(docs.SHOP_CHECK).status_code for _ in range(40)]
        stats = gql.sandbox.stats.snapshot()
    assert stats["requests"] == 40
    assert stats["by_operation"] == {"ShopCheck": 40}
    assert stats["by_fault"] == {"http_500": statuses.count(500)}
    assert 0 < statuses.count(500) < 40
    assert [r.status for r in records] == statuses
    assert all(r.requested_cost == 3 for r in records if r.status == 200)


def test_no_faults_by_default(sandbox: SandboxServer) -> None:
    gql = Gql(sandbox)
    assert all(gql.post(docs.SHOP_CHECK).status_code == 200 for _ in range(20))
    assert sandbox.stats.snapshot()["by_fault"] == {}
    gql.http.close()
