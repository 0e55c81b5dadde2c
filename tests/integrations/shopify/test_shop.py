"""ShopifyShop against a respx fake of the Admin API: every Store method, end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from integrations.ports import SourceRef
from integrations.retry import Profile, policy_for
from integrations.shopify import errors as e
from integrations.shopify.jobs import PollPolicy
from integrations.shopify.shop import ShopifyShop
from tests.integrations.shopify.builders import ENDPOINT, FakeClock
from tests.integrations.shopify.conftest import MakeClient
from tests.integrations.shopify.fake_admin import (
    CODE_NODE_GID,
    NODE_GID,
    RESULT_URL,
    FakeAdmin,
    redeem_code,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
MakeShop = Callable[..., ShopifyShop]


@pytest.fixture
def admin(respx_mock: respx.MockRouter) -> FakeAdmin:
    fake = FakeAdmin(codes=[redeem_code(n) for n in range(1, 511)])
    respx_mock.post(ENDPOINT).mock(side_effect=fake)
    return fake


@pytest.fixture
def make_shop(make_client: MakeClient) -> MakeShop:
    def build(**kwargs: Any) -> ShopifyShop:
        return ShopifyShop(make_client(), now=lambda: NOW, **kwargs)

    return build


def all_codes(stream: Any) -> list[str]:
    return [code.code for page in stream for code in page]


# -- check / resolve ---------------------------------------------------------------------------


def test_check_names_the_shop_and_the_missing_scopes(admin: FakeAdmin, make_shop: MakeShop) -> None:
    admin.handlers["ShopCheck"] = lambda v: {
        "shop": {"name": "Brand", "myshopifyDomain": "brand.myshopify.com", "currencyCode": "EUR"},
        "currentAppInstallation": {"accessScopes": [{"handle": "write_discounts"}]},
    }
    info = make_shop().check()
    assert (info.name, info.domain, info.currency, info.api_version) == (
        "Brand",
        "brand.myshopify.com",
        "EUR",
        "2026-10",
    )
    assert info.missing_scopes == {"read_orders"}


@pytest.mark.parametrize("given", [NODE_GID, CODE_NODE_GID, "42"])
def test_resolve_source_accepts_either_id_family(
    admin: FakeAdmin, make_shop: MakeShop, given: str
) -> None:
    source = make_shop().resolve_source(SourceRef(discount_id=given))
    assert source.platform_id == CODE_NODE_GID
    assert (source.status, source.code_count, source.count_exact) == ("active", 510, True)
    assert admin.variables[-1] == {"id": NODE_GID}


def test_resolve_source_by_code_is_case_insensitive(admin: FakeAdmin, make_shop: MakeShop) -> None:
    source = make_shop().resolve_source(SourceRef(discount_code="code00007"))
    assert source.platform_id == CODE_NODE_GID
    assert source.title == "Creator codes"


def test_unknown_discount_raises_not_found(admin: FakeAdmin, make_shop: MakeShop) -> None:
    with pytest.raises(e.NotFound, match="gid://shopify/DiscountNode/7"):
        make_shop().resolve_source(SourceRef(discount_id="gid://shopify/DiscountNode/7"))
    with pytest.raises(e.NotFound, match="NOPE"):
        make_shop().resolve_source(SourceRef(discount_code="NOPE"))


def test_automatic_discount_is_not_a_code_source(admin: FakeAdmin, make_shop: MakeShop) -> None:
    admin.handlers["DiscountStatus"] = lambda v: {
        "discountNode": {"id": NODE_GID, "discount": {"__typename": "DiscountAutomaticBasic"}}
    }
    with pytest.raises(e.NotFound):
        make_shop().resolve_source(SourceRef(discount_id=NODE_GID))


@pytest.mark.parametrize(
    "ref",
    [
        SourceRef(discount_id="gid://shopify/Order/1"),
        SourceRef(prefix="SUMMER"),
        SourceRef(code_ids=("12",)),
        SourceRef(discount_code="SUMMER-1", template_code="TEMPLATE"),
    ],
)
def test_bad_references_are_configuration_errors(
    admin: FakeAdmin, make_shop: MakeShop, ref: SourceRef
) -> None:
    with pytest.raises(e.ShopifyConfigError):
        make_shop().resolve_source(ref)
    assert admin.calls == []


# -- iter_codes: cursor ------------------------------------------------------------------------


def test_cursor_stream_yields_pages_of_250_with_the_shops_total(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    store = make_shop()
    stream = store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)))
    assert stream.expected_total == 510 and stream.count_exact
    sizes, cursors = [], []
    for page in stream:
        sizes.append(len(page))
        cursors.append(stream.resume_cursor)
    assert sizes == [250, 250, 10]
    assert cursors == [None, "250", "500"]  # advanced only when the next page is asked for
    assert stream.resume_cursor == "510" and stream.fetched == 510
    pages = [
        v
        for n, v in zip(admin.calls, admin.variables, strict=True)
        if n == "DiscountRedeemCodesPage"
    ]
    assert [p["after"] for p in pages] == [None, "250", "500"]
    assert all(p["first"] == 250 for p in pages)


def test_cursor_stream_resumes_after_a_cursor(admin: FakeAdmin, make_shop: MakeShop) -> None:
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    assert all_codes(store.iter_codes(source, after="500")) == [
        f"CODE{n:05d}" for n in range(501, 511)
    ]


def test_discount_deleted_mid_sync_raises_not_found(admin: FakeAdmin, make_shop: MakeShop) -> None:
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    stream = iter(store.iter_codes(source))
    next(stream)
    admin.handlers["DiscountRedeemCodesPage"] = lambda v: {"discountNode": None}
    with pytest.raises(e.NotFound):
        next(stream)


# -- iter_codes: bulk --------------------------------------------------------------------------


def bulk_handlers(admin: FakeAdmin, *, object_count: int | None = None, polls: int = 2) -> None:
    states = iter(["CREATED", "RUNNING"][:polls] + ["COMPLETED"] * 10)
    admin.handlers["StartRedeemCodeExport"] = lambda v: {
        "bulkOperationRunQuery": {
            "bulkOperation": {"id": "gid://shopify/BulkOperation/9", "status": "CREATED"},
            "userErrors": [],
        }
    }

    def poll(v: dict[str, Any]) -> dict[str, Any]:
        status = next(states)
        done = status == "COMPLETED"
        count = len(admin.codes) + 1 if object_count is None else object_count
        return {
            "bulkOperation": {
                "id": v["id"],
                "status": status,
                "errorCode": None,
                "objectCount": str(count) if done else "0",
                "rootObjectCount": "1" if done else "0",
                "fileSize": "1",
                "url": RESULT_URL if done else None,
                "partialDataUrl": None,
            }
        }

    admin.handlers["PollBulkOperation"] = poll


def test_big_pool_is_exported_in_bulk_and_streamed_in_pages(
    admin: FakeAdmin, make_shop: MakeShop, respx_mock: respx.MockRouter, clock: FakeClock
) -> None:
    bulk_handlers(admin)
    download = respx_mock.get(RESULT_URL).mock(
        return_value=httpx.Response(200, content=admin.jsonl())
    )
    store = make_shop(bulk_threshold=500)
    stream = store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)))
    pages = list(stream)
    assert [len(p) for p in pages] == [250, 250, 10]
    assert stream.mode == "bulk" and stream.fetched == 510
    assert "DiscountRedeemCodesPage" not in admin.calls
    assert "X-Shopify-Access-Token" not in download.calls.last.request.headers
    assert clock.sleeps == [0.5, 0.75]  # poll backoff


def test_bulk_count_mismatch_falls_back_to_cursor_pages(
    admin: FakeAdmin, make_shop: MakeShop, respx_mock: respx.MockRouter
) -> None:
    bulk_handlers(admin, object_count=300)
    download = respx_mock.get(RESULT_URL)
    store = make_shop(bulk_threshold=500)
    stream = store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)))
    assert len(all_codes(stream)) == 510
    assert stream.mode == "cursor"
    assert not download.called


def test_bulk_export_refused_while_another_runs_falls_back(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    admin.handlers["StartRedeemCodeExport"] = lambda v: {
        "bulkOperationRunQuery": {
            "bulkOperation": None,
            "userErrors": [{"field": None, "message": "busy", "code": "OPERATION_IN_PROGRESS"}],
        }
    }
    store = make_shop(bulk_threshold=1)
    stream = store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)))
    assert len(all_codes(stream)) == 510
    assert stream.mode == "cursor"


class DropsAfter(httpx.SyncByteStream):
    """A body that sends ``limit`` bytes and then loses the connection."""

    def __init__(self, body: bytes, limit: int) -> None:
        self.body, self.limit = body, limit

    def __iter__(self) -> Iterator[bytes]:
        yield self.body[: self.limit]
        raise httpx.ReadError("connection reset")


def test_dropped_download_resumes_without_duplicates(
    admin: FakeAdmin, make_shop: MakeShop, respx_mock: respx.MockRouter
) -> None:
    bulk_handlers(admin, polls=0)
    body = admin.jsonl()
    respx_mock.get(RESULT_URL).mock(
        side_effect=[
            httpx.Response(200, stream=DropsAfter(body, len(body) // 3)),
            httpx.Response(503),
            httpx.Response(200, content=body),
        ]
    )
    store = make_shop(bulk_threshold=1)
    codes = all_codes(store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID))))
    assert codes == [f"CODE{n:05d}" for n in range(1, 511)]


@pytest.mark.parametrize("profile", ["interactive", "daemon"])
def test_download_retry_after_is_capped_and_bounded_by_the_budget(
    admin: FakeAdmin,
    make_client: MakeClient,
    respx_mock: respx.MockRouter,
    clock: FakeClock,
    profile: Profile,
) -> None:
    bulk_handlers(admin, polls=0)
    policy = policy_for(profile)
    respx_mock.get(RESULT_URL).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "86400"}),
            httpx.Response(200, content=admin.jsonl()),
        ]
    )
    store = ShopifyShop(make_client(retry=policy), bulk_threshold=1)
    stream = store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)))
    if policy.max_single_wait > policy.max_total_seconds:
        with pytest.raises(e.ServerError) as raised:
            all_codes(stream)
        assert clock.sleeps == []
        assert "the shop asked for 86400 s" in str(raised.value)
        assert "https://storage.example/bulk/result.jsonl" in str(raised.value)
    else:
        assert len(all_codes(stream)) == 510
        assert clock.sleeps == [policy.max_single_wait]


def test_bulk_file_with_missing_lines_is_an_incomplete_sync(
    admin: FakeAdmin, make_shop: MakeShop, respx_mock: respx.MockRouter
) -> None:
    bulk_handlers(admin, polls=0)
    respx_mock.get(RESULT_URL).mock(
        return_value=httpx.Response(200, content=admin.jsonl(parent="gid://shopify/DiscountNode/1"))
    )
    store = make_shop(bulk_threshold=1)
    with pytest.raises(e.IncompleteSync, match="expected 510 codes but received 0"):
        all_codes(store.iter_codes(store.resolve_source(SourceRef(discount_id=NODE_GID))))


# -- usage / orders ----------------------------------------------------------------------------


def test_usage_reports_named_codes_only_and_stops_when_all_seen(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    admin.codes[2] = redeem_code(3, used=4)
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    observations = list(store.usage(source, ["code00003", "CODE00100", "GONE"]))
    assert [(o.code, o.usage_count, o.observed_at) for o in observations] == [
        ("code00003", 4, NOW),
        ("CODE00100", 0, NOW),
    ]


def test_usage_stops_paging_once_every_code_is_seen(admin: FakeAdmin, make_shop: MakeShop) -> None:
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    list(store.usage(source, ["CODE00001"]))
    assert admin.calls.count("DiscountRedeemCodesPage") == 1


def order(n: int, codes: list[str]) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Order/{n}",
        "name": f"#{1000 + n}",
        "processedAt": "2026-10-01T12:00:00Z",
        "updatedAt": "2026-10-02T12:00:00Z",
        "cancelledAt": None,
        "test": False,
        "displayFinancialStatus": "PAID",
        "discountCodes": codes,
        "totalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "EUR"}},
    }


def test_orders_since_a_time_keep_only_orders_with_codes(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    pages = {
        None: ([order(1, ["CODE00001"]), order(2, [])], True, "c1"),
        "c1": ([order(3, ["OTHER", "code00002"])], False, "c2"),
    }

    def orders(v: dict[str, Any]) -> dict[str, Any]:
        nodes, more, cursor = pages[v["after"]]
        return {"orders": {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": nodes}}

    admin.handlers["OrdersWithDiscountCodes"] = orders
    store = make_shop()
    since = datetime(2026, 9, 30, tzinfo=UTC)
    assert [o.name for o in store.iter_orders(since)] == ["#1001", "#1003"]
    assert admin.variables[0]["query"] == "updated_at:>'2026-09-30T00:00:00Z'"
    assert admin.variables[0]["first"] == 100
    assert [o.name for o in store.iter_orders(since, codes=["CODE00002"])] == ["#1003"]


# -- create / disable --------------------------------------------------------------------------


def creation_handlers(admin: FakeAdmin, taken: set[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    polls: dict[str, int] = {}

    def add(v: dict[str, Any]) -> dict[str, Any]:
        assert v["discountId"] == CODE_NODE_GID
        batches.append([c["code"] for c in v["codes"]])
        job = f"gid://shopify/DiscountRedeemCodeBulkCreation/{len(batches)}"
        return {
            "discountRedeemCodeBulkAdd": {
                "bulkCreation": {
                    "id": job,
                    "done": False,
                    "codesCount": len(v["codes"]),
                    "importedCount": 0,
                    "failedCount": 0,
                },
                "userErrors": [],
            }
        }

    def check(v: dict[str, Any]) -> dict[str, Any]:
        polls[v["id"]] = polls.get(v["id"], 0) + 1
        codes = batches[int(v["id"].rsplit("/", 1)[1]) - 1]
        start = int(v.get("after") or 0)
        chunk = codes[start : start + v["first"]]
        nodes = [
            {
                "code": c,
                "discountRedeemCode": None,
                "errors": [{"field": ["code"], "message": "taken", "code": "TAKEN"}],
            }
            if c in taken
            else {
                "code": c,
                "discountRedeemCode": {
                    "id": f"gid://shopify/DiscountRedeemCode/9{start + i}",
                    "code": c,
                },
                "errors": [],
            }
            for i, c in enumerate(chunk)
        ]
        end = start + len(chunk)
        return {
            "discountRedeemCodeBulkCreation": {
                "id": v["id"],
                "done": polls[v["id"]] > 1,
                "codesCount": len(codes),
                "importedCount": 0,
                "failedCount": 0,
                "codes": {
                    "pageInfo": {"hasNextPage": end < len(codes), "endCursor": str(end)},
                    "nodes": nodes,
                },
            }
        }

    admin.handlers["AddRedeemCodes"] = add
    admin.handlers["PollRedeemCodeCreation"] = check
    return batches


def test_create_codes_in_batches_of_250_reporting_taken(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    wanted = [f"NEW{n:04d}" for n in range(300)]
    batches = creation_handlers(admin, taken={"NEW0007", "NEW0299"})
    store = make_shop()
    result = store.create_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)), wanted)
    assert [len(b) for b in batches] == [250, 50]
    assert result.failed == {"NEW0007": "TAKEN", "NEW0299": "TAKEN"}
    assert len(result.created) == 298
    assert all(
        c.platform_id.startswith("gid://shopify/DiscountRedeemCode/") for c in result.created
    )


def test_create_codes_raises_user_errors_of_the_mutation(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    admin.handlers["AddRedeemCodes"] = lambda v: {
        "discountRedeemCodeBulkAdd": {
            "bulkCreation": None,
            "userErrors": [
                {
                    "field": ["discountId"],
                    "message": "not found",
                    "code": "INVALID",
                    "extraInfo": None,
                }
            ],
        }
    }
    store = make_shop()
    with pytest.raises(e.UserErrors, match="discountId: not found"):
        store.create_codes(store.resolve_source(SourceRef(discount_id=NODE_GID)), ["X1"])


def test_disable_codes_deletes_their_redeem_code_ids_and_waits_for_the_job(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    deleted: list[list[str]] = []
    admin.handlers["DeleteRedeemCodes"] = lambda v: (
        deleted.append(v["ids"])
        or {
            "discountCodeRedeemCodeBulkDelete": {
                "job": {"id": "gid://shopify/Job/1", "done": False},
                "userErrors": [],
            }
        }
    )
    polls = iter([False, True])
    admin.handlers["PollJob"] = lambda v: {"job": {"id": v["id"], "done": next(polls)}}
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    store.disable_codes(source, ["code00002", "CODE00300", "MISSING"])
    assert deleted == [
        ["gid://shopify/DiscountRedeemCode/2", "gid://shopify/DiscountRedeemCode/300"]
    ]
    assert admin.calls.count("PollJob") == 2
    assert admin.variables[admin.calls.index("DeleteRedeemCodes")]["discountId"] == CODE_NODE_GID


def test_poll_gives_up_after_its_timeout(admin: FakeAdmin, make_client: MakeClient) -> None:
    admin.handlers["DeleteRedeemCodes"] = lambda v: {
        "discountCodeRedeemCodeBulkDelete": {
            "job": {"id": "gid://shopify/Job/1", "done": False},
            "userErrors": [],
        }
    }
    admin.handlers["PollJob"] = lambda v: {"job": {"id": v["id"], "done": False}}
    store = ShopifyShop(make_client(), poll_policy=PollPolicy(timeout=5))
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    with pytest.raises(e.BulkOperationError, match="unfinished after 5s"):
        store.disable_codes(source, ["CODE00001"])


def test_connect_needs_exactly_one_kind_of_credential() -> None:
    with pytest.raises(ValueError, match="either access_token or client_id"):
        ShopifyShop.connect(shop="brand", access_token="t", client_id="i", client_secret="s")
    with pytest.raises(ValueError):
        ShopifyShop.connect(shop="brand")


def test_connect_with_admin_api_url_sends_there(respx_mock: respx.MockRouter) -> None:
    local = "http://127.0.0.1:9/admin/api/2026-10/graphql.json"
    admin = FakeAdmin(codes=[redeem_code(1)])
    route = respx_mock.post(local).mock(side_effect=admin)
    with ShopifyShop.connect(shop="brand", access_token="tok", admin_api_url=local) as store:
        assert store.resolve_source(SourceRef(discount_code="CODE00001")).code_count == 1
    assert route.called
    assert store.client.shop == "brand.myshopify.com"


def test_taken_codes_already_in_this_discount_count_as_created(
    admin: FakeAdmin, make_shop: MakeShop
) -> None:
    """A retried bulk add whose first response was lost sees TAKEN for its own codes."""
    creation_handlers(admin, taken={"CODE00005", "ELSEWHERE"})
    store = make_shop()
    source = store.resolve_source(SourceRef(discount_id=NODE_GID))
    result = store.create_codes(source, ["CODE00005", "ELSEWHERE", "FRESH"])
    assert result.failed == {"ELSEWHERE": "TAKEN"}
    assert {c.code for c in result.created} == {"CODE00005", "FRESH"}
    assert "gid://shopify/DiscountRedeemCode/5" in {c.platform_id for c in result.created}
