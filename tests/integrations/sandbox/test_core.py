"""Auth, shop check, scopes, paging and by-code lookup against the served sandbox."""

from __future__ import annotations

import httpx

from integrations.sandbox.shopify import ManualClock, SandboxServer, SandboxShop
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql, discount_gid


def test_request_without_token_gets_shopify_401(sandbox: SandboxServer) -> None:
    response = httpx.post(sandbox.admin_api_url, json={"query": docs.SHOP_CHECK})
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }
    assert response.headers["X-Request-Id"]


def test_request_with_wrong_token_gets_401(gql: Gql) -> None:
    response = gql.post(docs.SHOP_CHECK, headers={"X-Shopify-Access-Token": "shpat_wrong"})
    assert response.status_code == 401


def test_other_api_version_is_not_found(sandbox: SandboxServer) -> None:
    url = sandbox.base_url + "/admin/api/2024-01/graphql.json"
    response = httpx.post(
        url,
        json={"query": "{ shop { id } }"},
        headers={"X-Shopify-Access-Token": sandbox.access_token},
    )
    assert response.status_code == 404


def test_shop_check_reports_shop_and_granted_scopes(gql: Gql) -> None:
    body = gql(docs.SHOP_CHECK)
    assert body["data"]["shop"]["myshopifyDomain"] == "promosync-sandbox.myshopify.com"
    assert body["data"]["shop"]["currencyCode"] == "USD"
    handles = {s["handle"] for s in body["data"]["currentAppInstallation"]["accessScopes"]}
    assert handles == {"read_discounts", "write_discounts", "read_orders"}
    assert gql.post(docs.SHOP_CHECK).headers["X-Request-Id"]


def test_missing_scope_gives_access_denied_with_http_200(gql: Gql, shop: SandboxShop) -> None:
    shop.set_scopes({"read_discounts"})
    response = gql.post(docs.ORDERS_PAGE_OF_40, {"q": "discount_code:X"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["path"] == ["orders"]
    assert "read_orders" in error["message"]


def test_write_scope_implies_read_scope(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("W", codes=["W1"])
    shop.set_scopes({"write_discounts"})
    body = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 10})
    assert "errors" not in body


def test_paging_returns_every_code_exactly_once(gql: Gql, shop: SandboxShop) -> None:
    codes = [f"CODE{i:04d}" for i in range(613)]
    number = shop.create_code_discount("Summer", codes=codes)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = gql(
            docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 250, "after": after}
        )
        discount = body["data"]["discountNode"]["discount"]
        assert discount["codesCount"] == {"count": 613, "precision": "EXACT"}
        seen += [n["code"] for n in discount["codes"]["nodes"]]
        pages += 1
        if not discount["codes"]["pageInfo"]["hasNextPage"]:
            break
        after = discount["codes"]["pageInfo"]["endCursor"]
    assert seen == codes
    assert pages == 3


def test_paging_survives_deletion_of_the_cursor_code(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A", "B", "C", "D"])
    first = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 2})
    page_info = first["data"]["discountNode"]["discount"]["codes"]["pageInfo"]
    shop.remove_codes(number, ["b"])
    rest = gql(
        docs.REDEEM_CODES_PAGE,
        {"id": discount_gid(number), "first": 2, "after": page_info["endCursor"]},
    )
    assert [n["code"] for n in rest["data"]["discountNode"]["discount"]["codes"]["nodes"]] == [
        "C",
        "D",
    ]


EDGES_QUERY = """
query Edges($id: ID!, $first: Int, $last: Int, $after: String, $before: String, $reverse: Boolean) {
  discountNode(id: $id) { discount { ... on DiscountCodeBasic {
    codes(first: $first, last: $last, after: $after, before: $before, reverse: $reverse) {
      edges { cursor node { code } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } } } }
}
"""


def _codes(body: dict[str, object]) -> list[str]:
    edges = body["data"]["discountNode"]["discount"]["codes"]["edges"]  # type: ignore[index]
    return [e["node"]["code"] for e in edges]


def test_edges_last_before_and_reverse(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A", "B", "C", "D", "E"])
    gid = discount_gid(number)
    middle = gql(EDGES_QUERY, {"id": gid, "first": 2, "after": None})
    conn = middle["data"]["discountNode"]["discount"]["codes"]
    assert conn["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": conn["edges"][0]["cursor"],
        "endCursor": conn["edges"][1]["cursor"],
    }
    last_two = gql(EDGES_QUERY, {"id": gid, "last": 2})
    assert _codes(last_two) == ["D", "E"]
    before_d = gql(
        EDGES_QUERY,
        {
            "id": gid,
            "last": 2,
            "before": last_two["data"]["discountNode"]["discount"]["codes"]["pageInfo"][
                "startCursor"
            ],
        },
    )
    assert _codes(before_d) == ["B", "C"]
    reversed_page = gql(EDGES_QUERY, {"id": gid, "first": 2, "reverse": True})
    assert _codes(reversed_page) == ["E", "D"]
    cursor = reversed_page["data"]["discountNode"]["discount"]["codes"]["pageInfo"]["endCursor"]
    assert _codes(gql(EDGES_QUERY, {"id": gid, "first": 2, "reverse": True, "after": cursor})) == [
        "C",
        "B",
    ]


def test_page_size_over_250_is_an_error_without_data(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A"])
    body = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 251})
    assert "data" not in body
    assert "250" in body["errors"][0]["message"]


def test_connection_without_first_or_last_is_an_error(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A"])
    body = gql(EDGES_QUERY, {"id": discount_gid(number)})
    assert "data" not in body
    assert "first or last" in body["errors"][0]["message"]


def test_times_used_filter_returns_only_used_codes(gql: Gql, shop: SandboxShop) -> None:
    from decimal import Decimal

    number = shop.create_code_discount("S", codes=["A", "B", "C"])
    shop.place_order(["b"], Decimal("10.00"))
    query = """query Used($id: ID!) { discountNode(id: $id) { discount { ... on DiscountCodeBasic {
      codes(first: 10, query: "times_used:>0") { nodes { code asyncUsageCount } } } } } }"""
    body = gql(query, {"id": discount_gid(number)})
    assert body["data"]["discountNode"]["discount"]["codes"]["nodes"] == [
        {"code": "B", "asyncUsageCount": 1}
    ]


def test_code_lookup_is_case_insensitive_and_returns_code_node_gid(
    gql: Gql, shop: SandboxShop
) -> None:
    from decimal import Decimal

    number = shop.create_code_discount("Summer", codes=["SuMmEr10"], usage_limit=5)
    shop.place_order(["summer10"], Decimal("40.00"))
    node = gql(docs.DISCOUNT_BY_CODE, {"code": "SUMMER10"})["data"]["codeDiscountNodeByCode"]
    assert node["id"] == f"gid://shopify/DiscountCodeNode/{number}"
    assert node["codeDiscount"] == {
        "__typename": "DiscountCodeBasic",
        "title": "Summer",
        "status": "ACTIVE",
        "asyncUsageCount": 1,
        "usageLimit": 5,
        "totalSales": {"amount": "40.00", "currencyCode": "USD"},
    }
    assert gql(docs.DISCOUNT_BY_CODE, {"code": "NOPE"})["data"]["codeDiscountNodeByCode"] is None


def test_discount_node_with_code_node_gid_is_rejected_like_an_invalid_id(
    gql: Gql, shop: SandboxShop
) -> None:
    number = shop.create_code_discount("S", codes=["A"])
    body = gql(
        docs.REDEEM_CODES_PAGE, {"id": f"gid://shopify/DiscountCodeNode/{number}", "first": 1}
    )
    assert body["data"] == {"discountNode": None}
    assert body["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"


def test_unknown_discount_is_null_without_error(gql: Gql) -> None:
    body = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(999), "first": 1})
    assert body == {**body, "data": {"discountNode": None}}
    assert "errors" not in body


def test_status_change_is_visible(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A"], kind="DiscountCodeFreeShipping")
    shop.set_status(number, "EXPIRED")
    discount = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 1})["data"][
        "discountNode"
    ]["discount"]
    assert (discount["__typename"], discount["status"]) == ("DiscountCodeFreeShipping", "EXPIRED")


def test_client_credentials_grant_issues_a_token_that_expires(
    sandbox: SandboxServer, shop: SandboxShop, clock: ManualClock
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": shop.client_id,
        "client_secret": shop.client_secret,
    }
    grant = httpx.post(sandbox.base_url + "/admin/oauth/access_token", data=form)
    assert grant.status_code == 200
    body = grant.json()
    assert body["expires_in"] == 86399
    assert body["scope"] == "read_discounts,read_orders,write_discounts"
    headers = {"X-Shopify-Access-Token": body["access_token"]}
    query = {"query": docs.SHOP_CHECK}
    assert httpx.post(sandbox.admin_api_url, json=query, headers=headers).status_code == 200
    clock.advance(86399)
    assert httpx.post(sandbox.admin_api_url, json=query, headers=headers).status_code == 401


def test_client_credentials_grant_accepts_json_and_rejects_bad_secret(
    sandbox: SandboxServer, shop: SandboxShop
) -> None:
    url = sandbox.base_url + "/admin/oauth/access_token"
    good = {
        "grant_type": "client_credentials",
        "client_id": shop.client_id,
        "client_secret": shop.client_secret,
    }
    assert httpx.post(url, json=good).status_code == 200
    assert httpx.post(url, json={**good, "client_secret": "nope"}).status_code == 401
