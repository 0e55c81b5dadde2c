"""bulkOperationRunQuery: limits, status progression, JSONL content served without a token."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from integrations.sandbox.shopify import SandboxServer, SandboxShop
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql


def _start(gql: Gql, inner: str) -> dict[str, Any]:
    result: dict[str, Any] = gql(docs.START_REDEEM_CODE_EXPORT, {"query": inner})["data"][
        "bulkOperationRunQuery"
    ]
    return result


def _poll(gql: Gql, op_id: str) -> dict[str, Any]:
    result: dict[str, Any] = gql(docs.POLL_BULK_OPERATION, {"id": op_id})["data"]["bulkOperation"]
    return result


def test_export_runs_created_running_completed_and_writes_shopify_jsonl(
    gql: Gql, shop: SandboxShop, sandbox: SandboxServer
) -> None:
    number = shop.create_code_discount("Summer", codes=["A1", "A2", "A3"])
    shop.create_code_discount("Other", codes=["Z9"])
    shop.place_order(["a2"], Decimal("10"))
    started = _start(gql, docs.EXPORT_INNER_QUERY % number)
    assert started["userErrors"] == []
    op = started["bulkOperation"]
    assert (op["status"], op["type"]) == ("CREATED", "QUERY")
    assert shop.bulk_operations.wait_until_finished()

    running = _poll(gql, op["id"])  # the fixture's shop reports done on the 2nd poll
    assert running["status"] == "RUNNING"
    assert running["url"] is None
    done = _poll(gql, op["id"])
    assert done["status"] == "COMPLETED"
    assert done["errorCode"] is None
    assert (done["objectCount"], done["rootObjectCount"]) == ("4", "1")
    assert done["partialDataUrl"] is None
    assert done["url"].startswith(sandbox.base_url)

    download = httpx.get(done["url"])  # no access token: a pre-signed URL
    assert download.status_code == 200
    assert int(done["fileSize"]) == len(download.content)
    lines = [json.loads(line) for line in download.text.splitlines()]
    parent = f"gid://shopify/DiscountNode/{number}"
    assert lines[0] == {"id": parent, "discount": {"__typename": "DiscountCodeBasic"}}
    codes = [{k: v for k, v in line.items() if k != "id"} for line in lines[1:]]
    assert codes == [
        {"code": "A1", "asyncUsageCount": 0, "__parentId": parent},
        {"code": "A2", "asyncUsageCount": 1, "__parentId": parent},
        {"code": "A3", "asyncUsageCount": 0, "__parentId": parent},
    ]
    assert all(line["id"].startswith("gid://shopify/DiscountRedeemCode/") for line in lines[1:])
    assert "edges" not in download.text and '"node"' not in download.text


def test_export_spanning_many_pages_has_every_code(gql: Gql, shop: SandboxShop) -> None:
    codes = [f"K{i:05d}" for i in range(1234)]
    number = shop.create_code_discount("Big", codes=codes)
    op = _start(gql, docs.EXPORT_INNER_QUERY % number)["bulkOperation"]
    shop.bulk_operations.wait_until_finished()
    _poll(gql, op["id"])
    done = _poll(gql, op["id"])
    text = httpx.get(done["url"]).text
    assert [json.loads(line)["code"] for line in text.splitlines()[1:]] == codes
    assert done["objectCount"] == str(len(codes) + 1)


def test_export_with_no_results_has_no_url(gql: Gql, shop: SandboxShop) -> None:
    op = _start(gql, docs.EXPORT_INNER_QUERY % 1)["bulkOperation"]
    shop.bulk_operations.wait_until_finished()
    _poll(gql, op["id"])
    done = _poll(gql, op["id"])
    assert (done["status"], done["objectCount"], done["url"]) == ("COMPLETED", "0", None)


def test_export_without_scope_fails_with_access_denied(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A"])
    shop.set_scopes({"read_orders"})
    op = _start(gql, docs.EXPORT_INNER_QUERY % number)["bulkOperation"]
    shop.bulk_operations.wait_until_finished()
    _poll(gql, op["id"])
    done = _poll(gql, op["id"])
    assert (done["status"], done["errorCode"], done["url"]) == ("FAILED", "ACCESS_DENIED", None)


def test_invalid_bulk_queries_are_user_errors(gql: Gql) -> None:
    two_levels = (
        """{ orders { edges { node { id discountApplications { edges { node { index } } } } } } }"""
    )
    assert _start(gql, two_levels)["userErrors"] == []  # two levels: allowed
    codes = " ".join(f"c{i}: codes {{ edges {{ node {{ id }} }} }}" for i in range(5))
    on_basic = f"... on DiscountCodeBasic {{ {codes} }}"
    six = f"{{ discountNodes {{ edges {{ node {{ id discount {{ {on_basic} }} }} }} }} }}"
    for bad in ("{ shop { id } }", "{ nope }", six):
        result = _start(gql, bad)
        assert result["bulkOperation"] is None
        assert result["userErrors"][0]["code"] == "INVALID", bad


def test_sixth_concurrent_bulk_query_hits_the_limit(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A"])
    for _ in range(5):
        assert _start(gql, docs.EXPORT_INNER_QUERY % number)["userErrors"] == []
    sixth = _start(gql, docs.EXPORT_INNER_QUERY % number)
    assert sixth["bulkOperation"] is None
    assert sixth["userErrors"][0]["code"] == "LIMIT_REACHED"


def test_orders_bulk_export_nests_discount_applications(gql: Gql, shop: SandboxShop) -> None:
    shop.create_code_discount("S", codes=["ONE", "TWO"])
    shop.place_order(["ONE", "TWO"], Decimal("12.50"))
    inner = """{ orders(query: "financial_status:paid") { edges { node {
      id name totalPriceSet { shopMoney { amount currencyCode } }
      discountApplications { edges { node { __typename ... on DiscountCodeApplication { code } } } }
    } } } }"""
    op = _start(gql, inner)["bulkOperation"]
    shop.bulk_operations.wait_until_finished()
    _poll(gql, op["id"])
    done = _poll(gql, op["id"])
    lines = [json.loads(line) for line in httpx.get(done["url"]).text.splitlines()]
    order_id = lines[0]["id"]
    assert lines[0] == {
        "id": order_id,
        "name": "#1001",
        "totalPriceSet": {"shopMoney": {"amount": "12.50", "currencyCode": "USD"}},
    }
    assert lines[1:] == [
        {"__typename": "DiscountCodeApplication", "code": "ONE", "__parentId": order_id},
        {"__typename": "DiscountCodeApplication", "code": "TWO", "__parentId": order_id},
    ]


def test_unknown_result_url_is_not_found(sandbox: SandboxServer) -> None:
    assert httpx.get(sandbox.base_url + "/bulk-results/guess.jsonl").status_code == 404
