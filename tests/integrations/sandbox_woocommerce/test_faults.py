"""The shared fault injection on the local WooCommerce: before any change, and after commit."""

from __future__ import annotations

import threading

import httpx
import pytest

from integrations.sandbox.faults import FaultPlan
from integrations.sandbox.woocommerce import (
    Fault,
    FaultConfig,
    RequestRecord,
    SandboxWooShop,
    serve,
    start,
)
from tests.integrations.sandbox_woocommerce.conftest import Rest


def _create(rest: Rest) -> httpx.Response:
    return rest.post("/coupons", json={"code": "faulty"})


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.HTTP_502, Fault.HTTP_503])
def test_5xx_changes_nothing(shop: SandboxWooShop, fault: Fault) -> None:
    with serve(shop, faults=FaultConfig(rates={fault: 1.0})) as woo:
        response = _create(Rest(woo))
    assert response.status_code == int(fault.value.removeprefix("http_"))
    assert shop.coupons == {}


def test_500_is_wordpress_json_and_gateway_errors_are_html(shop: SandboxWooShop) -> None:
    with serve(shop, faults=FaultConfig(rates={Fault.HTTP_500: 1.0})) as woo:
        assert Rest(woo).get("/coupons").json()["code"] == "internal_server_error"
    with serve(shop, faults=FaultConfig(rates={Fault.HTTP_502: 1.0})) as woo:
        response = Rest(woo).get("/coupons")
    assert response.headers["Content-Type"].startswith("text/html")


def test_429_carries_retry_after(shop: SandboxWooShop) -> None:
    config = FaultConfig(rates={Fault.HTTP_429: 1.0}, retry_after_seconds=7.0)
    with serve(shop, faults=config) as woo:
        response = Rest(woo).get("/coupons")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7.0")


def test_dropped_connection_applies_nothing(shop: SandboxWooShop) -> None:
    with (
        serve(shop, faults=FaultConfig(rates={Fault.DROP: 1.0})) as woo,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        _create(Rest(woo))
    assert shop.coupons == {}


def test_drop_after_commit_applies_the_write_and_loses_the_answer(shop: SandboxWooShop) -> None:
    with serve(shop, faults=FaultConfig(drop_after_commit_rate=1.0)) as woo:
        rest = Rest(woo)
        with pytest.raises(httpx.RemoteProtocolError):
            _create(rest)
        assert rest.get("/coupons").status_code == 200  # reads are never dropped after commit
        retried = _create(rest)
    assert [c.code for c in shop.coupons.values()] == ["faulty"]
    assert retried.json()["code"] == "woocommerce_rest_coupon_code_already_exists"


def test_slow_answer_times_out_and_applies_nothing(shop: SandboxWooShop) -> None:
    finished = threading.Event()
    records: list[RequestRecord] = []

    def listen(record: RequestRecord) -> None:
        records.append(record)
        finished.set()

    config = FaultConfig(rates={Fault.SLOW: 1.0}, slow_seconds=0.3)
    with serve(shop, faults=config, listener=listen) as woo:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                woo.api_url + "/coupons",
                json={"code": "late"},
                auth=(woo.consumer_key, woo.consumer_secret),
                timeout=0.05,
            )
        assert finished.wait(timeout=10)
    assert [(r.fault, r.status) for r in records] == [(Fault.SLOW, 0)]
    assert shop.coupons == {}


def test_faults_only_hit_the_named_operations(shop: SandboxWooShop) -> None:
    config = FaultConfig(rates={Fault.HTTP_503: 1.0}, operations=frozenset({"coupons.batch"}))
    with serve(shop, faults=config) as woo:
        rest = Rest(woo)
        assert rest.get("/coupons").status_code == 200
        assert rest.post("/coupons/batch", json={"create": []}).status_code == 503


def test_stats_count_by_operation_and_fault(shop: SandboxWooShop) -> None:
    config = FaultConfig(seed=3, rates={Fault.HTTP_500: 0.5})
    with serve(shop, faults=config) as woo:
        rest = Rest(woo)
        statuses = [rest.get("/coupons").status_code for _ in range(30)]
        stats = woo.stats.snapshot()
    assert stats["by_operation"] == {"coupons.list": 30}
    assert stats["by_fault"] == {"http_500": statuses.count(500)}
    assert 0 < statuses.count(500) < 30


def test_graphql_faults_are_refused_for_a_rest_shop(shop: SandboxWooShop) -> None:
    with pytest.raises(ValueError, match="graphql_internal"):
        start(shop, faults=FaultConfig(rates={Fault.GRAPHQL_INTERNAL: 1.0}))
    assert FaultPlan(FaultConfig(rates={Fault.GRAPHQL_INTERNAL: 1.0})).before("x") is not None
