"""Measure how fast the sandbox serves codes: 250-code pages and bulk JSONL.

    python -m integrations.sandbox.shopify.bench --codes 100000

Prints pages/s for cursor paging (the client's ``DiscountRedeemCodesPage``
document) and codes/s for a bulk-operation export downloaded over HTTP.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

import httpx

from .bucket import BucketConfig
from .constants import ACCESS_TOKEN_HEADER, MAX_PAGE_SIZE
from .seed import demo_codes
from .server import serve
from .state import SandboxShop

DEFAULT_CODES = 100_000
HTTP_TIMEOUT_SECONDS = 60.0

PAGE_QUERY = """
query DiscountRedeemCodesPage($id: ID!, $first: Int!, $after: String) {
  discountNode(id: $id) { id discount { __typename ... on DiscountCodeBasic {
    title status asyncUsageCount codesCount { count precision }
    codes(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id code asyncUsageCount createdBy { id title } } } } } }
}
"""
EXPORT_MUTATION = """
mutation StartRedeemCodeExport($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status } userErrors { code } }
}
"""
EXPORT_INNER = """{ discountNodes(query: "id:%d") { edges { node { id discount { __typename
  ... on DiscountCodeBasic { codes { edges { node { id code asyncUsageCount } } } } } } } }
}"""
POLL = "query Poll($id: ID!) { bulkOperation(id: $id) { status url objectCount } }"


def bench(code_count: int) -> dict[str, float]:
    """Run both measurements; returns the figures it printed."""
    shop = SandboxShop(bucket=BucketConfig(enabled=False))
    number = shop.create_code_discount("Bench", codes=demo_codes(code_count))
    figures: dict[str, float] = {}
    with shop, serve(shop) as sandbox, httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as http:
        headers = {ACCESS_TOKEN_HEADER: sandbox.access_token}
        variables: dict[str, object] = {
            "id": f"gid://shopify/DiscountNode/{number}",
            "first": MAX_PAGE_SIZE,
        }
        fetched = pages = 0
        started = time.perf_counter()
        while True:
            body = http.post(
                sandbox.admin_api_url,
                json={"query": PAGE_QUERY, "variables": variables},
                headers=headers,
            ).json()
            codes = body["data"]["discountNode"]["discount"]["codes"]
            fetched += len(codes["nodes"])
            pages += 1
            if not codes["pageInfo"]["hasNextPage"]:
                break
            variables["after"] = codes["pageInfo"]["endCursor"]
        elapsed = time.perf_counter() - started
        assert fetched == code_count, (fetched, code_count)
        figures["pages_per_second"] = pages / elapsed
        print(
            f"paging: {pages} pages of {MAX_PAGE_SIZE} ({fetched} codes) in {elapsed:.2f}s"
            f" = {pages / elapsed:.0f} pages/s"
        )

        started = time.perf_counter()
        start = http.post(
            sandbox.admin_api_url,
            json={"query": EXPORT_MUTATION, "variables": {"query": EXPORT_INNER % number}},
            headers=headers,
        ).json()
        op_id = start["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        shop.bulk_operations.wait_until_finished()
        polled: dict[str, object] = {}
        while polled.get("status") != "COMPLETED":
            polled = http.post(
                sandbox.admin_api_url,
                json={"query": POLL, "variables": {"id": op_id}},
                headers=headers,
            ).json()["data"]["bulkOperation"]
        lines = 0
        with http.stream("GET", str(polled["url"])) as response:
            for line in response.iter_lines():
                if line:
                    json.loads(line)
                    lines += 1
        elapsed = time.perf_counter() - started
        assert lines == code_count + 1, (lines, code_count)
        figures["bulk_codes_per_second"] = code_count / elapsed
        print(
            f"bulk export: {lines} JSONL lines in {elapsed:.2f}s"
            f" = {code_count / elapsed:.0f} codes/s"
        )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m integrations.sandbox.shopify.bench", description=__doc__
    )
    parser.add_argument("--codes", type=int, default=DEFAULT_CODES)
    bench(parser.parse_args(argv).codes)


if __name__ == "__main__":
    main()
