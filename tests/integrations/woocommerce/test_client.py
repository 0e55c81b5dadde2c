"""WooClient on respx: auth (Basic, query fallback, loopback-only http), retries, paging checks."""

from __future__ import annotations

import base64

import httpx
import pytest
import respx

from integrations.ports import ShopConfigError
from integrations.retry import RetryPolicy
from integrations.woocommerce import errors as e
from integrations.woocommerce.client import PAGE_SIZE, WooClient
from tests.integrations.shopify.builders import FakeClock
from tests.integrations.woocommerce.conftest import API, KEY, SECRET, MakeClient, error, listing

COUPONS = API + "/coupons"


def basic(key: str = KEY, secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def coupons(first: int, count: int) -> list[dict[str, object]]:
    return [{"id": i, "code": f"c{i}"} for i in range(first, first + count)]


def test_page_size_is_wordpress_maximum() -> None:
    assert PAGE_SIZE == 100


@respx.mock
def test_requests_use_basic_auth_and_never_put_the_secret_in_the_url(
    make_client: MakeClient,
) -> None:
    route = respx.get(COUPONS).mock(return_value=listing([], 0))
    make_client().request("GET", "/coupons", "ListCoupons")
    sent = route.calls.last.request
    assert sent.headers["authorization"] == basic()
    assert SECRET not in str(sent.url)


@pytest.mark.parametrize("url", ["http://shop.example.com", "http://10.0.0.5:8080"])
def test_plain_http_to_a_remote_host_is_refused_before_anything_is_sent(
    http: httpx.Client, url: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(
            ShopConfigError, match=r"refusing plain http:// .* use the store's https"
        ):
            WooClient(http, url=url, consumer_key=KEY, consumer_secret=SECRET)
        assert not mock.calls


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8124", "http://localhost:8124", "http://[::1]:81"]
)
def test_plain_http_to_loopback_is_allowed(http: httpx.Client, url: str) -> None:
    client = WooClient(http, url=url, consumer_key=KEY, consumer_secret=SECRET)
    assert client.base_url == url + "/wp-json/wc/v3"


@respx.mock
def test_a_stripped_authorization_header_switches_to_query_credentials_once(
    make_client: MakeClient, clock: FakeClock
) -> None:
    anonymous = error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    route = respx.get(COUPONS).mock(side_effect=[anonymous, listing([], 0), listing([], 0)])
    client = make_client()
    client.request("GET", "/coupons", "ListCoupons")
    client.request("GET", "/coupons", "ListCoupons")
    first, second, third = (call.request for call in route.calls)
    assert "authorization" in first.headers and "consumer_secret" not in str(first.url)
    for later in (second, third):
        assert later.url.params["consumer_key"] == KEY
        assert later.url.params["consumer_secret"] == SECRET
        assert "authorization" not in later.headers
    assert client.stats.switched_to_query and clock.sleeps == [0.0]


@respx.mock
def test_an_unknown_key_is_refused_after_the_query_probe_and_never_retried_again(
    make_client: MakeClient,
) -> None:
    anonymous = error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    route = respx.get(COUPONS).mock(return_value=anonymous)
    with pytest.raises(e.AuthenticationError, match="saw no known API key") as caught:
        make_client(credential_hint="WC_KEY and WC_SECRET").request("GET", "/coupons", "List")
    assert route.call_count == 2  # Basic, then the query string; then it gives up
    assert "check WC_KEY and WC_SECRET" in str(caught.value)
    assert SECRET not in str(caught.value) and KEY not in str(caught.value)


@respx.mock
def test_forced_query_auth_sends_no_authorization_header(make_client: MakeClient) -> None:
    route = respx.get(COUPONS).mock(return_value=listing([], 0))
    make_client(auth="query").request("GET", "/coupons", "ListCoupons")
    sent = route.calls.last.request
    assert "authorization" not in sent.headers and sent.url.params["consumer_key"] == KEY


@respx.mock
def test_basic_only_never_falls_back_to_the_query_string(make_client: MakeClient) -> None:
    anonymous = error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    route = respx.get(COUPONS).mock(return_value=anonymous)
    with pytest.raises(e.AuthenticationError):
        make_client(auth="basic").request("GET", "/coupons", "ListCoupons")
    assert route.call_count == 1


@respx.mock
def test_a_wrong_secret_is_a_configuration_error_never_retried(make_client: MakeClient) -> None:
    route = respx.get(COUPONS).mock(
        return_value=error(
            401, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
        )
    )
    with pytest.raises(e.AuthenticationError) as caught:
        make_client().request("GET", "/coupons", "ListCoupons")
    assert route.call_count == 1 and not caught.value.retryable
    assert isinstance(caught.value, ShopConfigError)


@respx.mock
def test_403_is_never_retried(make_client: MakeClient) -> None:
    route = respx.get(COUPONS).mock(
        return_value=error(403, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
    )
    with pytest.raises(e.PermissionDenied):
        make_client().request("GET", "/coupons", "ListCoupons")
    assert route.call_count == 1


@respx.mock
def test_429_waits_retry_after_then_succeeds(make_client: MakeClient, clock: FakeClock) -> None:
    limited = error(429, "too_many_requests", "Slow down", **{"Retry-After": "7"})
    respx.get(COUPONS).mock(side_effect=[limited, listing([], 0)])
    make_client().request("GET", "/coupons", "ListCoupons")
    assert clock.sleeps == [7.0]


@respx.mock
def test_5xx_and_dropped_connections_are_retried_with_backoff(
    make_client: MakeClient, clock: FakeClock
) -> None:
    respx.get(COUPONS).mock(
        side_effect=[
            error(502, "bad_gateway", "Bad gateway"),
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            listing([], 0),
        ]
    )
    make_client().request("GET", "/coupons", "ListCoupons")
    assert clock.sleeps == [0.75, 1.25, 2.25]  # 0.5 * 2**n + jitter 0.25


@respx.mock
def test_a_transport_error_in_query_mode_never_shows_the_secret(make_client: MakeClient) -> None:
    respx.get(COUPONS).mock(
        side_effect=httpx.ConnectError(f"boom {COUPONS}?consumer_secret={SECRET}")
    )
    with pytest.raises(e.TransportError) as caught:
        make_client(auth="query", retry=RetryPolicy(max_attempts=2)).request("GET", "/coupons", "L")
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@respx.mock
def test_a_success_that_is_not_json_is_retried(make_client: MakeClient) -> None:
    route = respx.get(COUPONS).mock(
        side_effect=[httpx.Response(200, text="<html>maintenance</html>"), listing([], 0)]
    )
    make_client().request("GET", "/coupons", "ListCoupons")
    assert route.call_count == 2


@respx.mock
def test_paging_reads_every_page_by_id(make_client: MakeClient) -> None:
    route = respx.get(COUPONS).mock(
        side_effect=[listing(coupons(1, 100), 150), listing(coupons(101, 50), 150)]
    )
    pages = list(make_client().iter_pages("/coupons", "ListCoupons", {"search": "c"}))
    assert [len(p) for p in pages] == [100, 50]
    params = route.calls.last.request.url.params
    assert (params["per_page"], params["page"], params["orderby"], params["order"]) == (
        "100",
        "2",
        "id",
        "asc",
    )


@respx.mock
def test_coupons_added_while_paging_are_read_too(make_client: MakeClient) -> None:
    respx.get(COUPONS).mock(
        side_effect=[
            listing(coupons(1, 100), 150),
            listing(coupons(101, 100), 230),  # 80 more arrived (higher ids: later pages)
            listing(coupons(201, 30), 230),
        ]
    )
    pages = list(make_client().iter_pages("/coupons", "ListCoupons"))
    assert sum(len(p) for p in pages) == 230


@pytest.mark.parametrize(
    ("pages", "problem"),
    [
        ([httpx.Response(200, json=coupons(1, 5), headers={"X-WP-Total": "5"})], "missing"),
        (
            [
                httpx.Response(
                    200, json=coupons(1, 5), headers={"X-WP-Total": "5", "X-WP-TotalPages": "2"}
                )
            ],
            "does not fit",
        ),
        ([listing(coupons(1, 99), 150), listing(coupons(100, 50), 150)], "held 99 items"),
        ([listing(coupons(1, 100), 150), listing(coupons(102, 48), 149)], "fell from 150 to 149"),
        ([listing(coupons(1, 100), 150), listing(coupons(1, 50), 150)], "50 distinct|said 150"),
        ([listing(coupons(1, 3), 4)], "said 4 but 3"),
    ],
)
def test_a_listing_that_does_not_add_up_is_never_partial_success(
    make_client: MakeClient, pages: list[httpx.Response], problem: str
) -> None:
    with respx.mock:
        respx.get(COUPONS).mock(side_effect=pages)
        with pytest.raises(e.IncompleteListing, match=problem) as caught:
            list(make_client().iter_pages("/coupons", "ListCoupons"))
    assert not caught.value.retryable


def test_the_client_repr_hides_the_key(make_client: MakeClient) -> None:
    client = make_client()
    assert KEY not in repr(client) and SECRET not in repr(client)
