"""Static token and client-credentials grant: caching, renewal before expiry and on 401."""

from __future__ import annotations

import itertools
import logging
import threading
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from integrations.shopify import errors as e
from integrations.shopify.auth import (
    RENEW_BEFORE_EXPIRY_SECONDS,
    ClientCredentials,
    StaticToken,
)
from integrations.shopify.queries import SHOP_CHECK
from tests.integrations.shopify.builders import (
    CLIENT_SECRET,
    ENDPOINT,
    SHOP,
    TOKEN,
    TOKEN_URL,
    FakeClock,
    ok,
    status,
)
from tests.integrations.shopify.conftest import MakeClient

DATA = {"shop": {"name": "Brand"}}


def grant(token: str, expires_in: int = 86399) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": token, "scope": "read_discounts", "expires_in": expires_in}
    )


@pytest.fixture
def credentials(http: httpx.Client, clock: FakeClock) -> ClientCredentials:
    return ClientCredentials(
        http=http,
        token_url=TOKEN_URL,
        shop=SHOP,
        client_id="client-id-1",
        client_secret=CLIENT_SECRET,
        clock=clock,
    )


def test_static_token_is_sent_and_hidden_from_repr() -> None:
    auth = StaticToken(TOKEN)
    assert auth.headers() == {"X-Shopify-Access-Token": TOKEN}
    assert TOKEN not in repr(auth)
    assert auth.renew(auth.headers()) is False


def test_client_credentials_grant_posts_form_and_caches_the_token(
    respx_mock: respx.MockRouter, credentials: ClientCredentials, make_client: MakeClient
) -> None:
    token_route = respx_mock.post(TOKEN_URL).mock(return_value=grant("tok-1"))
    api = respx_mock.post(ENDPOINT).mock(return_value=ok(DATA))
    client = make_client(auth=credentials)
    client.run(SHOP_CHECK)
    client.run(SHOP_CHECK)
    assert token_route.call_count == 1
    form = parse_qs(token_route.calls.last.request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-id-1"],
        "client_secret": [CLIENT_SECRET],
    }
    assert api.calls.last.request.headers["X-Shopify-Access-Token"] == "tok-1"


def test_token_is_renewed_before_it_expires(
    respx_mock: respx.MockRouter,
    credentials: ClientCredentials,
    make_client: MakeClient,
    clock: FakeClock,
) -> None:
    respx_mock.post(TOKEN_URL).mock(side_effect=[grant("tok-1", 3600), grant("tok-2", 3600)])
    api = respx_mock.post(ENDPOINT).mock(return_value=ok(DATA))
    client = make_client(auth=credentials)
    client.run(SHOP_CHECK)
    clock.now += 3600 - RENEW_BEFORE_EXPIRY_SECONDS - 1
    client.run(SHOP_CHECK)
    assert api.calls.last.request.headers["X-Shopify-Access-Token"] == "tok-1"
    clock.now += 2
    client.run(SHOP_CHECK)
    assert api.calls.last.request.headers["X-Shopify-Access-Token"] == "tok-2"


def test_given_401_then_token_is_renewed_once_and_request_repeated(
    respx_mock: respx.MockRouter, credentials: ClientCredentials, make_client: MakeClient
) -> None:
    respx_mock.post(TOKEN_URL).mock(side_effect=[grant("revoked"), grant("fresh")])
    respx_mock.post(ENDPOINT).mock(side_effect=[status(401), ok(DATA)])
    client = make_client(auth=credentials)
    assert client.run(SHOP_CHECK) == DATA
    assert credentials.grants == 2
    assert client.stats.auth_renewals == 1


def test_given_persistent_401_then_gives_up_after_one_renewal(
    respx_mock: respx.MockRouter, credentials: ClientCredentials, make_client: MakeClient
) -> None:
    respx_mock.post(TOKEN_URL).mock(side_effect=[grant("a"), grant("b"), grant("c")])
    api = respx_mock.post(ENDPOINT).mock(return_value=status(401))
    with pytest.raises(e.AuthenticationError) as raised:
        make_client(auth=credentials).run(SHOP_CHECK)
    assert api.call_count == 2
    assert "client id and secret" in str(raised.value)


def test_static_token_401_is_not_repeated(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    api = respx_mock.post(ENDPOINT).mock(return_value=status(401))
    with pytest.raises(e.AuthenticationError):
        make_client().run(SHOP_CHECK)
    assert api.call_count == 1


def test_refused_client_credentials_raise_without_the_secret(
    respx_mock: respx.MockRouter,
    credentials: ClientCredentials,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx_mock.post(TOKEN_URL).mock(
        return_value=httpx.Response(400, json={"error": "invalid_client"})
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(e.AuthenticationError) as raised:
        make_client(auth=credentials).run(SHOP_CHECK)
    assert raised.value.operation == "ClientCredentialsGrant"
    for text in (str(raised.value), repr(raised.value), repr(credentials), caplog.text):
        assert CLIENT_SECRET not in text
        assert "client-id-1" not in repr(credentials)


def test_token_endpoint_outage_is_retried(
    respx_mock: respx.MockRouter, credentials: ClientCredentials, make_client: MakeClient
) -> None:
    respx_mock.post(TOKEN_URL).mock(side_effect=[status(503), grant("tok")])
    respx_mock.post(ENDPOINT).mock(return_value=ok(DATA))
    assert make_client(auth=credentials).run(SHOP_CHECK) == DATA


@pytest.mark.parametrize("threads", [2, 8])
def test_threads_that_all_got_401_for_one_token_fetch_one_new_token(
    respx_mock: respx.MockRouter,
    credentials: ClientCredentials,
    make_client: MakeClient,
    threads: int,
) -> None:
    """Only the token that failed is replaced: N threads with a 401 share one fresh token.

    Every thread sends with the first token; the first 401 is answered at once and the
    others only after the fresh token exists, so each late thread renews when a fresh
    token is already there — and must keep it.
    """
    grants = itertools.count(1)
    fresh = threading.Event()
    sent_with_first = threading.Barrier(threads)
    first_401 = threading.Lock()
    answered_first: list[bool] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        n = next(grants)
        if n == 2:
            fresh.set()
        return grant(f"tok-{n}")

    def api(request: httpx.Request) -> httpx.Response:
        if request.headers["X-Shopify-Access-Token"] != "tok-1":
            return ok(DATA)
        sent_with_first.wait(timeout=10)
        with first_401:
            late = bool(answered_first)
            answered_first.append(True)
        if late:
            assert fresh.wait(timeout=10)
        return status(401)

    token_route = respx_mock.post(TOKEN_URL).mock(side_effect=token_endpoint)
    respx_mock.post(ENDPOINT).mock(side_effect=api)
    client = make_client(auth=credentials)
    credentials.headers()  # everyone starts with tok-1
    results: list[object] = []

    def request() -> None:
        try:
            results.append(client.run(SHOP_CHECK))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)

    workers = [threading.Thread(target=request) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [DATA] * threads
    assert token_route.call_count == 2  # tok-1, then one fresh token for everybody
    assert credentials.headers() == {"X-Shopify-Access-Token": "tok-2"}
