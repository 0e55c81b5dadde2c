"""discountRedeemCodeBulkAdd / discountCodeRedeemCodeBulkDelete: asynchronous, per-code errors."""

from __future__ import annotations

from typing import Any

from integrations.sandbox.shopify import SandboxShop
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql, code_discount_gid


def _add(gql: Gql, number: int, codes: list[str]) -> dict[str, Any]:
    body = gql(
        docs.ADD_REDEEM_CODES,
        {"discountId": code_discount_gid(number), "codes": [{"code": c} for c in codes]},
    )
    return body


def _poll(gql: Gql, creation_id: str) -> dict[str, Any]:
    result: dict[str, Any] = gql(docs.POLL_REDEEM_CODE_CREATION, {"id": creation_id})["data"][
        "discountRedeemCodeBulkCreation"
    ]
    return result


def test_bulk_add_is_asynchronous_and_reports_per_code_errors(gql: Gql, shop: SandboxShop) -> None:
    other = shop.create_code_discount("Other", codes=["EXISTING"])
    number = shop.create_code_discount("Target", codes=[])
    codes = ["NEW1", "existing", "NEW2", "new1", "", "X" * 256, "BAD\nCODE"]
    payload = _add(gql, number, codes)["data"]["discountRedeemCodeBulkAdd"]
    assert payload["userErrors"] == []
    creation = payload["bulkCreation"]
    assert creation["done"] is False
    assert creation["codesCount"] == len(codes)
    assert shop.codes_of(number) == []  # nothing applied before the job runs

    first_poll = _poll(gql, creation["id"])  # the fixture's shop finishes on the 2nd poll
    assert first_poll["done"] is False
    assert (first_poll["importedCount"], first_poll["failedCount"]) == (0, 0)

    done = _poll(gql, creation["id"])
    assert done["done"] is True
    assert (done["importedCount"], done["failedCount"]) == (2, 5)
    assert done["discountCode"] == {"id": code_discount_gid(number)}
    by_code = {n["code"]: n for n in done["codes"]["nodes"]}
    assert [n["code"] for n in done["codes"]["nodes"]] == codes
    assert (
        by_code["NEW1"]["errors"] == [] and by_code["NEW1"]["discountRedeemCode"]["code"] == "NEW1"
    )
    assert by_code["NEW1"]["discountRedeemCode"]["id"].startswith(
        "gid://shopify/DiscountRedeemCode/"
    )
    error_codes = {code: [e["code"] for e in n["errors"]] for code, n in by_code.items()}
    assert error_codes == {
        "NEW1": [],
        "existing": ["TAKEN"],
        "NEW2": [],
        "new1": ["DUPLICATE"],
        "": ["BLANK"],
        "X" * 256: ["TOO_LONG"],
        "BAD\nCODE": ["INVALID"],
    }
    assert by_code["existing"]["discountRedeemCode"] is None
    assert shop.codes_of(number) == ["NEW1", "NEW2"]
    assert shop.codes_of(other) == ["EXISTING"]


def test_re_running_a_bulk_add_only_yields_taken(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T")
    for _ in range(2):
        creation = _add(gql, number, ["R1", "R2"])["data"]["discountRedeemCodeBulkAdd"][
            "bulkCreation"
        ]
        _poll(gql, creation["id"])
        done = _poll(gql, creation["id"])
    assert (done["importedCount"], done["failedCount"]) == (0, 2)
    assert {e["code"] for n in done["codes"]["nodes"] for e in n["errors"]} == {"TAKEN"}
    assert shop.codes_of(number) == ["R1", "R2"]


def test_codes_created_by_the_app_report_created_by(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T", codes=["MERCHANT"])
    creation = _add(gql, number, ["APPMADE"])["data"]["discountRedeemCodeBulkAdd"]["bulkCreation"]
    _poll(gql, creation["id"])
    _poll(gql, creation["id"])
    page = gql(docs.REDEEM_CODES_PAGE, {"id": f"gid://shopify/DiscountNode/{number}", "first": 10})
    nodes = page["data"]["discountNode"]["discount"]["codes"]["nodes"]
    assert [(n["code"], n["createdBy"]) for n in nodes] == [
        ("MERCHANT", None),
        ("APPMADE", {"id": "gid://shopify/App/1", "title": "promosync"}),
    ]


def test_more_than_250_codes_is_an_error_and_creates_nothing(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T")
    body = _add(gql, number, [f"C{i}" for i in range(251)])
    assert body["data"] == {"discountRedeemCodeBulkAdd": None}
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert shop.creations == {}


def test_unknown_discount_is_a_user_error(gql: Gql) -> None:
    payload = _add(gql, 424242, ["A"])["data"]["discountRedeemCodeBulkAdd"]
    assert payload["bulkCreation"] is None
    assert payload["userErrors"][0]["field"] == ["discountId"]


def test_bulk_add_with_discount_node_gid_is_rejected(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T")
    body = gql(
        docs.ADD_REDEEM_CODES,
        {"discountId": f"gid://shopify/DiscountNode/{number}", "codes": [{"code": "A"}]},
    )
    assert body["data"] == {"discountRedeemCodeBulkAdd": None}
    assert body["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    assert shop.creations == {}


def test_bulk_delete_removes_codes_when_the_job_is_done(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T", codes=["A", "B", "C"])
    ids = [f"gid://shopify/DiscountRedeemCode/{i}" for i in shop.discounts[number].code_ids[:2]]
    payload = gql(docs.DELETE_REDEEM_CODES, {"discountId": code_discount_gid(number), "ids": ids})[
        "data"
    ]["discountCodeRedeemCodeBulkDelete"]
    assert payload["userErrors"] == []
    job = payload["job"]
    assert job["done"] is False
    assert job["id"].startswith("gid://shopify/Job/")
    assert shop.codes_of(number) == ["A", "B", "C"]
    assert gql(docs.POLL_JOB, {"id": job["id"]})["data"]["job"] == {"id": job["id"], "done": False}
    assert gql(docs.POLL_JOB, {"id": job["id"]})["data"]["job"] == {"id": job["id"], "done": True}
    assert shop.codes_of(number) == ["C"]
    # a deleted code is free again, shop-wide
    assert shop.add_codes(number, ["a"])


def test_bulk_delete_without_ids_or_search_is_a_user_error(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("T", codes=["A"])
    payload = gql(docs.DELETE_REDEEM_CODES, {"discountId": code_discount_gid(number)})["data"][
        "discountCodeRedeemCodeBulkDelete"
    ]
    assert payload["job"] is None
    assert payload["userErrors"][0]["code"] == "MISSING_ARGUMENT"


def test_bulk_delete_by_search(gql: Gql, shop: SandboxShop) -> None:
    from decimal import Decimal

    number = shop.create_code_discount("T", codes=["A", "B"])
    shop.place_order(["A"], Decimal("5"))
    query = """mutation Del($discountId: ID!, $search: String) {
      discountCodeRedeemCodeBulkDelete(discountId: $discountId, search: $search) {
        job { id done } userErrors { code } } }"""
    job = gql(query, {"discountId": code_discount_gid(number), "search": "times_used:0"})["data"][
        "discountCodeRedeemCodeBulkDelete"
    ]["job"]
    gql(docs.POLL_JOB, {"id": job["id"]})
    gql(docs.POLL_JOB, {"id": job["id"]})
    assert shop.codes_of(number) == ["A"]


def test_in_process_add_codes_is_case_insensitively_unique(shop: SandboxShop) -> None:
    import pytest

    from integrations.sandbox.shopify import CodeTaken

    number = shop.create_code_discount("T", codes=["Alpha"])
    with pytest.raises(CodeTaken):
        shop.add_codes(number, ["Beta", "ALPHA"])
    with pytest.raises(CodeTaken):
        shop.create_code_discount("U", codes=["alpha"])
    assert shop.codes_of(number) == ["Alpha"]
    assert len(shop.discounts) == 1
