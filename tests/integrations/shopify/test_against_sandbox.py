"""The real client over real HTTP against the local Shopify sandbox (loopback, no sleeping).

The client and the sandbox share one ManualClock: the client's sleep advances
it, so throttling, Retry-After and job polling take no wall time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from integrations.ports import CodeSource, SourceRef
from integrations.retry import RetryPolicy
from integrations.shopify import errors as e
from integrations.shopify.shop import ShopifyShop

sandbox = pytest.importorskip("integrations.sandbox.shopify")
BucketConfig = sandbox.BucketConfig
Fault = sandbox.Fault
FaultConfig = sandbox.FaultConfig
ManualClock = sandbox.ManualClock
SandboxShop = sandbox.SandboxShop
serve = sandbox.serve

# 14 % of requests fail: every kind of transient fault the sandbox can inject.
FAULTS = {
    Fault.HTTP_429: 0.03,
    Fault.HTTP_500: 0.02,
    Fault.HTTP_502: 0.02,
    Fault.HTTP_503: 0.02,
    Fault.GRAPHQL_INTERNAL: 0.02,
    Fault.DROP: 0.03,
}
FAULT_RATE = sum(FAULTS.values())


class Harness:
    """A sandbox shop served on loopback plus a ShopifyShop pointed at it."""

    def __init__(self, shop: Any, server: Any, clock: Any) -> None:
        self.shop, self.server, self.clock = shop, server, clock
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(seconds)

    def store(self, **kwargs: Any) -> ShopifyShop:
        kwargs.setdefault("access_token", self.server.access_token)
        kwargs.setdefault("retry", RetryPolicy(max_attempts=12))
        return ShopifyShop.connect(
            shop=self.shop.domain,
            admin_api_url=self.server.admin_api_url,
            sleep=self.sleep,
            clock=lambda: self.clock().timestamp(),
            **kwargs,
        )

    def source(self, store: ShopifyShop, discount: int) -> CodeSource:
        return store.resolve_source(SourceRef(discount_id=f"gid://shopify/DiscountNode/{discount}"))


Serve = Callable[..., Harness]


@pytest.fixture
def serve_shop() -> Iterator[Serve]:
    contexts: list[Any] = []

    def start(faults: Any = None, **shop_kwargs: Any) -> Harness:
        clock = ManualClock()
        shop = SandboxShop(clock=clock, **shop_kwargs)
        context = serve(shop, faults=faults)
        contexts.append((context, shop))
        return Harness(shop, context.__enter__(), clock)

    yield start
    for context, shop in reversed(contexts):
        context.__exit__(None, None, None)
        shop.close()


def pulled(store: ShopifyShop, source: CodeSource) -> tuple[list[str], Any]:
    stream = store.iter_codes(source)
    return [code.code for page in stream for code in page], stream


def codes(n: int, prefix: str = "CR") -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(n)]


def test_pull_returns_exactly_the_shops_codes(serve_shop: Serve) -> None:
    h = serve_shop()
    discount = h.shop.create_code_discount("Creators", codes(1234))
    with h.store() as store:
        got, stream = pulled(store, h.source(store, discount))
        sent = store.client.stats.by_operation
    assert stream.mode == "cursor"
    assert stream.expected_total == 1234 and stream.count_exact
    assert sorted(got) == sorted(h.shop.codes_of(discount))
    assert sent["DiscountRedeemCodesPage"] == 5


def test_bulk_pull_returns_exactly_the_shops_codes(serve_shop: Serve) -> None:
    h = serve_shop()
    discount = h.shop.create_code_discount("Creators", codes(1234))
    h.shop.create_code_discount("Other", codes(10, prefix="OT"))
    with h.store(bulk_threshold=1000) as store:
        got, stream = pulled(store, h.source(store, discount))
        sent = store.client.stats.by_operation
    assert stream.mode == "bulk", stream.fallback_reason
    assert sorted(got) == sorted(h.shop.codes_of(discount))
    assert "DiscountRedeemCodesPage" not in sent


PULLS = 4  # repeated pulls, so even the few requests of a bulk export meet faults


@pytest.mark.parametrize("bulk_threshold", [10**9, 1], ids=["cursor", "bulk"])
def test_pull_under_injected_faults_ends_with_exactly_the_shops_code_set(
    serve_shop: Serve, bulk_threshold: int
) -> None:
    h = serve_shop(faults=FaultConfig(seed=11, rates=FAULTS))
    discount = h.shop.create_code_discount("Creators", codes(3000))
    with h.store(bulk_threshold=bulk_threshold) as store:
        source = h.source(store, discount)
        for _ in range(PULLS):
            got, stream = pulled(store, source)
            assert len(got) == len(set(got)) == 3000
            assert set(got) == set(h.shop.codes_of(discount))
        client_stats = store.client.stats
    stats = h.server.stats.snapshot()
    injected = sum(stats["by_fault"].values())
    print(
        f"\n{stream.mode}: {injected} faults in {stats['requests']} requests: {stats['by_fault']}"
    )
    assert injected > 0
    retried = client_stats.rate_limited + client_stats.server_errors + client_stats.transport_errors
    assert retried > 0
    assert FAULT_RATE >= 0.10


def test_given_a_small_bucket_when_pulling_then_never_fails_and_runs_near_restore_rate(
    serve_shop: Serve,
) -> None:
    bucket = BucketConfig(maximum_available=400.0, restore_rate=50.0)
    h = serve_shop(bucket=bucket)
    discount = h.shop.create_code_discount("Creators", codes(10_000))
    with h.store(bulk_threshold=10**9) as store:
        source = h.source(store, discount)
        start = h.clock()
        got, _ = pulled(store, source)
        elapsed = (h.clock() - start).total_seconds()
        spent = store.client.stats.actual_cost
    assert len(set(got)) == 10_000
    ideal = (spent - bucket.maximum_available) / bucket.restore_rate
    print(
        f"\nsmall bucket: {elapsed:.1f}s for {spent:.0f} points, ideal {ideal:.1f}s, "
        f"throttled {h.server.stats.throttled}"
    )
    assert h.server.stats.throttled <= 1
    assert elapsed <= ideal * 1.10 + 1


def test_create_codes_reports_taken_codes(serve_shop: Serve) -> None:
    h = serve_shop()
    discount = h.shop.create_code_discount("Creators", ["EXISTING1"])
    h.shop.create_code_discount("Someone else", ["OTHERS1"])
    wanted = codes(600, prefix="NEW") + ["others1"]
    with h.store() as store:
        result = store.create_codes(h.source(store, discount), wanted)
        sent = store.client.stats.by_operation
    assert result.failed == {"others1": "TAKEN"}
    assert len(result.created) == 600
    assert set(h.shop.codes_of(discount)) == {"EXISTING1", *codes(600, prefix="NEW")}
    assert sent["AddRedeemCodes"] == 3  # 250 + 250 + 101


def test_create_codes_survives_a_lost_mutation_response(serve_shop: Serve) -> None:
    faults = FaultConfig(
        seed=3, drop_after_commit_rate=0.5, operations=frozenset({"AddRedeemCodes"})
    )
    h = serve_shop(faults=faults)
    discount = h.shop.create_code_discount("Creators", [])
    wanted = codes(1000, prefix="NEW")
    with h.store() as store:
        result = store.create_codes(h.source(store, discount), wanted)
    assert h.server.stats.by_fault.get("drop_after_commit", 0) > 0
    assert result.failed == {}
    assert {c.code for c in result.created} == set(wanted) == set(h.shop.codes_of(discount))


def test_disable_codes_removes_them_from_the_shop(serve_shop: Serve) -> None:
    h = serve_shop()
    discount = h.shop.create_code_discount("Creators", codes(300))
    with h.store() as store:
        source = h.source(store, discount)
        store.disable_codes(source, ["cr000001", "CR000299", "NOT-THERE"])
        assert store.source_status(source).code_count == 298
    assert {"CR000001", "CR000299"}.isdisjoint(h.shop.codes_of(discount))


def test_usage_and_orders_are_read_back(serve_shop: Serve) -> None:
    h = serve_shop()
    discount = h.shop.create_code_discount("Creators", codes(5))
    since = h.clock() - timedelta(minutes=1)
    h.shop.place_order(["CR000001"], Decimal("49.90"))
    h.shop.place_order(["CR000001", "CR000002"], Decimal("10.00"))
    with h.store() as store:
        source = h.source(store, discount)
        usage = {o.code: o.usage_count for o in store.usage(source, ["CR000001", "CR000003"])}
        orders = list(store.iter_orders(since))
        only_two = list(store.iter_orders(since, codes=["cr000002"]))
    assert usage == {"CR000001": 2, "CR000003": 0}
    assert [(o.codes, o.total) for o in orders] == [
        (("CR000001",), Decimal("49.90")),
        (("CR000001", "CR000002"), Decimal("10.00")),
    ]
    assert len(only_two) == 1


def test_wrong_token_fails_once_without_retry_or_leak(serve_shop: Serve) -> None:
    h = serve_shop()
    bad = "shpat_wrong_token_0000"
    with h.store(access_token=bad) as store, pytest.raises(e.AuthenticationError) as raised:
        store.check()
    assert store.client.stats.requests == 1
    assert bad not in str(raised.value) and bad not in repr(raised.value)
    assert "SHOPIFY_ACCESS_TOKEN" in str(raised.value)
    assert raised.value.request_id


def test_missing_scope_is_named_and_not_retried(serve_shop: Serve) -> None:
    h = serve_shop(scopes={"read_discounts"})
    discount = h.shop.create_code_discount("Creators", codes(3))
    with h.store() as store:
        info = store.check()
        assert info.missing_scopes == {"write_discounts", "read_orders"}
        with pytest.raises(e.MissingScopeError) as raised:
            list(store.iter_orders(h.clock() - timedelta(days=1)))
        with pytest.raises(e.MissingScopeError):
            store.create_codes(h.source(store, discount), ["NEW1"])
        sent = store.client.stats.by_operation
    assert "read_orders" in str(raised.value)
    assert sent["OrdersWithDiscountCodes"] == sent["AddRedeemCodes"] == 1


def test_client_credentials_grant_against_the_sandbox(serve_shop: Serve) -> None:
    h = serve_shop()
    with h.store(
        access_token=None, client_id=h.shop.client_id, client_secret=h.shop.client_secret
    ) as store:
        assert store.check().name == h.shop.name
    with (
        h.store(access_token=None, client_id=h.shop.client_id, client_secret="wrong") as store,
        pytest.raises(e.AuthenticationError) as raised,
    ):
        store.check()
    assert "wrong" not in str(raised.value)


def test_pull_survives_dropped_connections(serve_shop: Serve) -> None:
    h = serve_shop(faults=FaultConfig(seed=5, rates={Fault.DROP: 0.3}))
    discount = h.shop.create_code_discount("Creators", codes(2000))
    with h.store() as store:
        got, _ = pulled(store, h.source(store, discount))
        transport_errors = store.client.stats.transport_errors
    assert sorted(got) == sorted(h.shop.codes_of(discount))
    assert transport_errors > 0
