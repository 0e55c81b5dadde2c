"""ShopifyClient on respx: requests, retries with recorded waits, and no retry for config errors."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import respx

from integrations.retry import DAEMON, INTERACTIVE, RetryPolicy
from integrations.shopify import errors as e
from integrations.shopify.domain import API_VERSION, graphql_url, normalize_shop
from integrations.shopify.queries import SHOP_CHECK
from integrations.shopify.shop import ShopifyShop
from tests.integrations.shopify.builders import (
    ENDPOINT,
    TOKEN,
    FakeClock,
    graphql_error,
    ok,
    status,
    throttled,
)
from tests.integrations.shopify.conftest import MakeClient

DATA = {"shop": {"name": "Brand"}}


def test_api_version_is_pinned_once() -> None:
    assert API_VERSION == "2026-10"


@pytest.mark.parametrize(
    "shop", ["brand", "brand.myshopify.com", "https://brand.myshopify.com/", " Brand "]
)
def test_shop_is_accepted_with_or_without_the_myshopify_suffix(shop: str) -> None:
    assert normalize_shop(shop) == "brand.myshopify.com"
    assert graphql_url(shop) == ENDPOINT


def test_execute_posts_document_variables_and_operation_name(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    route = respx_mock.post(ENDPOINT).mock(return_value=ok(DATA))
    assert make_client().execute("query Q { shop { name } }", {"a": 1}, "Q") == DATA
    request = route.calls.last.request
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert json.loads(request.content) == {
        "query": "query Q { shop { name } }",
        "variables": {"a": 1},
        "operationName": "Q",
    }


def test_admin_api_url_overrides_the_endpoint(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    local = "http://127.0.0.1:8123/admin/api/2026-10/graphql.json"
    respx_mock.post(local).mock(return_value=ok(DATA))
    assert make_client(endpoint=local).run(SHOP_CHECK) == DATA


def test_given_throttled_when_executing_then_waits_for_the_bucket_and_retries(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    respx_mock.post(ENDPOINT).mock(
        side_effect=[throttled(requested=752, available=100, rate=100), ok(DATA)]
    )
    client = make_client()
    assert client.run(SHOP_CHECK) == DATA
    assert clock.sleeps[0] == pytest.approx(6.52)
    assert client.stats.throttled == 1


def test_given_429_then_waits_retry_after(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    respx_mock.post(ENDPOINT).mock(side_effect=[status(429, {"Retry-After": "3"}), ok(DATA)])
    assert make_client().run(SHOP_CHECK) == DATA
    assert clock.sleeps == [3.0]


def test_given_5xx_then_backs_off_exponentially_with_jitter(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    respx_mock.post(ENDPOINT).mock(
        side_effect=[status(500), status(502), graphql_error("INTERNAL_SERVER_ERROR"), ok(DATA)]
    )
    policy = RetryPolicy(base_backoff=1.0, max_backoff=3.0, jitter=0.2)
    assert make_client(retry=policy).run(SHOP_CHECK) == DATA
    # base * 2**(n-1), capped at 3, plus jitter 0.2 * rand (rand fixed at 0.5)
    assert clock.sleeps == pytest.approx([1.1, 2.1, 3.1])


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("gone")],
)
def test_given_transport_failure_then_retries(
    respx_mock: respx.MockRouter, make_client: MakeClient, failure: Exception
) -> None:
    respx_mock.post(ENDPOINT).mock(side_effect=[failure, ok(DATA)])
    client = make_client()
    assert client.run(SHOP_CHECK) == DATA
    assert client.stats.transport_errors == 1


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (status(401), e.AuthenticationError),
        (status(403), e.MissingScopeError),
        (graphql_error("ACCESS_DENIED"), e.MissingScopeError),
        (status(404), e.ShopNotFound),
        (graphql_error("MAX_COST_EXCEEDED"), e.GraphQLError),
    ],
)
def test_config_and_query_errors_are_not_retried(
    respx_mock: respx.MockRouter,
    make_client: MakeClient,
    clock: FakeClock,
    response: httpx.Response,
    expected: type[e.ShopifyError],
) -> None:
    route = respx_mock.post(ENDPOINT).mock(return_value=response)
    with pytest.raises(expected) as raised:
        make_client().run(SHOP_CHECK)
    assert route.call_count == 1
    assert clock.sleeps == []
    assert raised.value.operation == "ShopCheck"


def test_gives_up_after_max_attempts_with_the_last_error(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    route = respx_mock.post(ENDPOINT).mock(return_value=status(503))
    with pytest.raises(e.ServerError) as raised:
        make_client(retry=RetryPolicy(max_attempts=4, jitter=0)).run(SHOP_CHECK)
    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    assert raised.value.request_id == "req-503"


def test_gives_up_before_a_wait_that_would_cross_the_budget(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    respx_mock.post(ENDPOINT).mock(return_value=status(429, {"Retry-After": "10"}))
    with pytest.raises(e.RateLimitedError) as raised:
        make_client(retry=RetryPolicy(max_attempts=100, max_total_seconds=25)).run(SHOP_CHECK)
    assert clock.sleeps == [10.0, 10.0]
    assert "would cross the 25 s retry budget" in str(raised.value)


@pytest.mark.parametrize("retry_after", ["86400", "Fri, 31 Dec 2100 23:59:59 GMT"])
def test_a_retry_after_of_a_day_never_makes_one_wait_longer_than_the_cap(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock, retry_after: str
) -> None:
    respx_mock.post(ENDPOINT).mock(return_value=status(429, {"Retry-After": retry_after}))
    with pytest.raises(e.RateLimitedError) as raised:
        make_client(retry=DAEMON).run(SHOP_CHECK)
    assert max(clock.sleeps) == DAEMON.max_single_wait
    assert sum(clock.sleeps) <= DAEMON.max_total_seconds
    assert "promosync waits at most 60 s at a time" in str(raised.value)


def test_interactive_call_refuses_a_long_retry_after_without_waiting(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    respx_mock.post(ENDPOINT).mock(return_value=status(503, {"Retry-After": "86400"}))
    with pytest.raises(e.ServerError) as raised:
        make_client(retry=INTERACTIVE).run(SHOP_CHECK)
    assert clock.sleeps == []
    assert "the shop asked for 86400 s" in str(raised.value)
    assert "30 s retry budget" in str(raised.value)


def test_unreachable_shop_gives_up_within_the_interactive_budget_naming_the_url(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    local = "http://127.0.0.1:9/admin/api/2026-10/graphql.json"
    route = respx_mock.post(local).mock(side_effect=httpx.ConnectError("refused"))
    start = clock.now
    with pytest.raises(e.TransportError) as raised:
        make_client(endpoint=local, retry=INTERACTIVE).run(SHOP_CHECK)
    assert clock.now - start <= INTERACTIVE.max_total_seconds
    assert route.call_count == len(clock.sleeps) + 1
    message = str(raised.value)
    assert f"at {local} " in message
    assert "run the command again later" in message and "retry budget" in message


def test_deprecated_usage_header_is_logged(
    respx_mock: respx.MockRouter, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = ok(DATA)
    response.headers["X-Shopify-API-Deprecated-Reason"] = "https://shopify.dev/changelog/x"
    respx_mock.post(ENDPOINT).mock(return_value=response)
    with caplog.at_level(logging.WARNING):
        make_client().run(SHOP_CHECK)
    assert "deprecated" in caplog.text


def test_access_token_never_appears_in_messages_reprs_or_logs(
    respx_mock: respx.MockRouter, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.post(ENDPOINT).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            status(500),
            throttled(),
            graphql_error("INTERNAL_SERVER_ERROR"),
            status(401),
        ]
    )
    client = make_client(retry=RetryPolicy(max_attempts=10))
    with caplog.at_level(logging.DEBUG), pytest.raises(e.AuthenticationError) as raised:
        client.run(SHOP_CHECK)
    store = ShopifyShop(client)
    exposed = [str(raised.value), repr(raised.value), repr(client), repr(store), caplog.text]
    exposed += [str(vars(raised.value)), str(raised.value.__cause__), str(raised.value.__context__)]
    for text in exposed:
        assert TOKEN not in text
    assert "SHOPIFY_ACCESS_TOKEN" in str(raised.value)
