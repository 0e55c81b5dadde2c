"""Authentication as WooCommerce answers it over HTTPS: Basic, query string, keys' grants."""

from __future__ import annotations

import httpx

from integrations.sandbox.woocommerce import SandboxWooShop, WooServer, serve
from tests.integrations.sandbox_woocommerce.conftest import Rest


def test_basic_auth_lists_coupons(shop: SandboxWooShop, rest: Rest) -> None:
    shop.add_coupon("A1")
    response = rest.get("/coupons")
    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == ["a1"]


def test_query_string_credentials_work_without_authorization(woo: WooServer) -> None:
    params = {"consumer_key": woo.consumer_key, "consumer_secret": woo.consumer_secret}
    assert httpx.get(woo.api_url + "/coupons", params=params).status_code == 200


def test_no_credentials_is_an_anonymous_visitor_refused_by_the_route(woo: WooServer) -> None:
    response = httpx.get(woo.api_url + "/coupons")
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }


def test_unknown_key_is_treated_like_no_key(woo: WooServer) -> None:
    response = httpx.get(woo.api_url + "/coupons", auth=("ck_unknown", "cs_unknown"))
    assert (response.status_code, response.json()["code"]) == (401, "woocommerce_rest_cannot_view")
    assert "WWW-Authenticate" not in response.headers


def test_wrong_secret_is_an_authentication_error_with_a_basic_challenge(woo: WooServer) -> None:
    response = httpx.get(woo.api_url + "/coupons", auth=(woo.consumer_key, "cs_wrong"))
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_authentication_error"
    assert response.json()["message"] == "Consumer secret is invalid."
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="WooCommerce API.')


def test_stripped_authorization_header_fails_basic_but_not_the_query_string() -> None:
    shop = SandboxWooShop(strip_authorization=True)
    with serve(shop) as woo:
        basic = httpx.get(woo.api_url + "/coupons", auth=(woo.consumer_key, woo.consumer_secret))
        query = httpx.get(
            woo.api_url + "/coupons",
            params={"consumer_key": woo.consumer_key, "consumer_secret": woo.consumer_secret},
        )
    assert (basic.status_code, basic.json()["code"]) == (401, "woocommerce_rest_cannot_view")
    assert query.status_code == 200


def test_create_without_credentials_names_the_create_permission(woo: WooServer) -> None:
    response = httpx.post(woo.api_url + "/coupons", json={"code": "x"})
    assert (response.status_code, response.json()["code"]) == (
        401,
        "woocommerce_rest_cannot_create",
    )


def test_read_key_reads_but_cannot_write(shop: SandboxWooShop, woo: WooServer) -> None:
    key = shop.add_key("read")
    client = Rest(woo, (key.consumer_key, key.consumer_secret))
    assert client.get("/coupons").status_code == 200
    response = client.post("/coupons", json={"code": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "The API key provided does not have write permissions.",
        "data": {"status": 401},
    }
    assert shop.coupons == {}


def test_write_key_cannot_read(shop: SandboxWooShop, woo: WooServer) -> None:
    key = shop.add_key("write")
    response = Rest(woo, (key.consumer_key, key.consumer_secret)).get("/coupons")
    assert response.status_code == 401
    assert response.json()["message"] == "The API key provided does not have read permissions."


def test_key_of_a_user_without_shop_rights_gets_403(shop: SandboxWooShop, woo: WooServer) -> None:
    key = shop.add_key("read_write", user_can_manage=False)
    response = Rest(woo, (key.consumer_key, key.consumer_secret)).get("/coupons")
    assert (response.status_code, response.json()["code"]) == (403, "woocommerce_rest_cannot_view")


def test_revoked_key_stops_working(shop: SandboxWooShop, woo: WooServer, rest: Rest) -> None:
    assert rest.get("/coupons").status_code == 200
    shop.revoke_key(shop.api_key)
    assert rest.get("/coupons").status_code == 401


def test_site_index_needs_no_credentials_and_names_the_site(woo: WooServer) -> None:
    body = httpx.get(woo.base_url + "/wp-json/").json()
    assert body["name"] == "Sandbox Woo Shop"
    assert "wc/v3" in body["namespaces"]


def test_system_status_and_settings_give_version_and_currency(rest: Rest) -> None:
    status = rest.get("/system_status").json()
    assert status["environment"]["version"] == "11.1.0"
    assert status["settings"]["currency"] == "USD"
    setting = rest.get("/settings/general/woocommerce_currency").json()
    assert setting["value"] == "USD"


def test_unknown_route_is_rest_no_route(rest: Rest) -> None:
    response = rest.get("/nothing-here")
    assert (response.status_code, response.json()["code"]) == (404, "rest_no_route")


def test_link_headers_repeat_query_string_credentials(shop: SandboxWooShop, woo: WooServer) -> None:
    for i in range(3):
        shop.add_coupon(f"l{i}")
    params = {
        "consumer_key": woo.consumer_key,
        "consumer_secret": woo.consumer_secret,
        "per_page": 1,
    }
    link = httpx.get(woo.api_url + "/coupons", params=params).headers["Link"]
    assert woo.consumer_secret in link  # as WooCommerce does: never log Link headers
