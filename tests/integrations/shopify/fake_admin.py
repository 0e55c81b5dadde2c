"""A tiny in-memory Admin API for respx: dispatches on operationName, like Shopify would answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integrations.shopify.builders import ok

DISCOUNT_NUMBER = 42
NODE_GID = f"gid://shopify/DiscountNode/{DISCOUNT_NUMBER}"
CODE_NODE_GID = f"gid://shopify/DiscountCodeNode/{DISCOUNT_NUMBER}"
RESULT_URL = "https://storage.example/bulk/result.jsonl"

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def redeem_code(n: int, code: str | None = None, used: int = 0) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/DiscountRedeemCode/{n}",
        "code": code or f"CODE{n:05d}",
        "asyncUsageCount": used,
    }


@dataclass
class FakeAdmin:
    """Holds one code discount and answers the documents promosync sends."""

    codes: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ACTIVE"
    title: str = "Creator codes"
    precision: str = "EXACT"
    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    variables: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = body["operationName"]
        self.calls.append(name)
        self.variables.append(body["variables"])
        handler = self.handlers.get(name) or getattr(self, f"on_{name}")
        return ok(handler(body["variables"]))

    def summary(self) -> dict[str, Any]:
        return {
            "__typename": "DiscountCodeBasic",
            "title": self.title,
            "status": self.status,
            "asyncUsageCount": 0,
            "codesCount": {"count": len(self.codes), "precision": self.precision},
        }

    def on_DiscountStatus(self, v: dict[str, Any]) -> dict[str, Any]:
        if v["id"] != NODE_GID:
            return {"discountNode": None}
        return {"discountNode": {"id": NODE_GID, "discount": self.summary()}}

    def on_DiscountByCode(self, v: dict[str, Any]) -> dict[str, Any]:
        known = {c["code"].casefold() for c in self.codes}
        if v["code"].casefold() not in known:
            return {"codeDiscountNodeByCode": None}
        return {"codeDiscountNodeByCode": {"id": CODE_NODE_GID, "codeDiscount": self.summary()}}

    def on_DiscountRedeemCodesPage(self, v: dict[str, Any]) -> dict[str, Any]:
        start = int(v.get("after") or 0)
        chunk = self.codes[start : start + v["first"]]
        end = start + len(chunk)
        page = {
            "pageInfo": {"hasNextPage": end < len(self.codes), "endCursor": str(end)},
            "nodes": chunk,
        }
        return {"discountNode": {"id": NODE_GID, "discount": self.summary() | {"codes": page}}}

    def jsonl(self, parent: str = NODE_GID) -> bytes:
        lines = [{"id": NODE_GID, "discount": {"__typename": "DiscountCodeBasic"}}]
        lines += [c | {"__parentId": parent} for c in self.codes]
        return "".join(json.dumps(line) + "\n" for line in lines).encode()
