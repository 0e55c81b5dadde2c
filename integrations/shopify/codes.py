"""Streaming every redeem code of a discount: cursor pages, or a bulk export for big pools.

Both streams satisfy :class:`integrations.ports.CodeStream`: ``expected_total``
is the shop's ``codesCount`` read before streaming (``count_exact`` tells
whether Shopify called it exact), pages hold at most 250 codes, and the caller
compares what it received with ``expected_total``.

The bulk stream checks the export's object count against ``codesCount`` before
yielding anything; on a mismatch, a refused start (another export running) or a
failed export it falls back to cursor pages, so callers never see a mix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from integrations.ports import ShopCode
from integrations.shopify import queries
from integrations.shopify.client import ShopifyClient
from integrations.shopify.errors import (
    ErrorContext,
    IncompleteSync,
    MissingScopeError,
    NotFound,
    UserErrors,
    parse_user_errors,
)
from integrations.shopify.gid import discount_node_gid, discount_number, parse_gid
from integrations.shopify.jobs import PollPolicy, poll
from integrations.shopify.mapping import is_code_discount, shop_code

log = logging.getLogger(__name__)

PAGE_SIZE = queries.REDEEM_CODES_PAGE_SIZE
BULK_FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
# userErrors codes of bulkOperationRunQuery after which cursor pages are the way forward.
BULK_BUSY_CODES = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})
REDEEM_CODE_GID_TYPE = "DiscountRedeemCode"


class CursorCodeStream:
    """Codes page by page (250 each) with ``codes(first:, after:)``."""

    mode = "cursor"

    def __init__(
        self,
        client: ShopifyClient,
        discount_id: str,
        expected_total: int | None,
        count_exact: bool,
        *,
        after: str | None = None,
    ) -> None:
        self._client = client
        self._node_gid = discount_node_gid(discount_id)
        self.expected_total = expected_total
        self.count_exact = count_exact
        self.resume_cursor = after  # cursor after the last page yielded
        self.fetched = 0

    def __iter__(self) -> Iterator[Sequence[ShopCode]]:
        while True:
            page = self._page(self.resume_cursor)
            codes = [shop_code(node) for node in page["nodes"]]
            info = page["pageInfo"]
            self.fetched += len(codes)
            if codes:
                yield codes
            # Advance only after the caller took the page: a stopped sync resumes here.
            self.resume_cursor = info.get("endCursor") or self.resume_cursor
            if not info.get("hasNextPage"):
                return

    def _page(self, after: str | None) -> dict[str, Any]:
        op = queries.REDEEM_CODES_PAGE
        data = self._client.run(op, id=self._node_gid, first=PAGE_SIZE, after=after)
        discount = (data.get("discountNode") or {}).get("discount")
        if not is_code_discount(discount):
            # The discount vanished (or stopped being a code discount) mid-sync.
            raise NotFound(ErrorContext(self._client.shop, op.name), self._node_gid)
        page: dict[str, Any] = discount["codes"]
        return page


class BulkCodeStream:
    """Codes from a bulk export (``bulkOperationRunQuery``), streamed from its JSONL file."""

    def __init__(
        self,
        client: ShopifyClient,
        discount_id: str,
        expected_total: int | None,
        count_exact: bool,
        poll_policy: PollPolicy,
    ) -> None:
        self._client = client
        self._discount_id = discount_id
        self._number = discount_number(discount_id)
        self._poll = poll_policy
        self.expected_total = expected_total
        self.count_exact = count_exact
        self.mode = "bulk"
        self.fetched = 0
        self.resume_cursor: str | None = None  # bulk exports cannot resume
        self.fallback_reason: str | None = None

    def __iter__(self) -> Iterator[Sequence[ShopCode]]:
        operation = self._finished_export()
        if operation is None:
            yield from self._fall_back()
            return
        # ASSUMPTION: objectCount counts every JSONL line (the one DiscountNode root plus its
        # redeem codes) and rootObjectCount the roots, so the difference is the code count.
        in_file = int(operation.get("objectCount") or 0) - int(
            operation.get("rootObjectCount") or 0
        )
        if not self._matches_count(in_file):
            self.fallback_reason = f"export holds {in_file} codes, codesCount {self.expected_total}"
            yield from self._fall_back()
            return
        if in_file == 0 or not operation.get("url"):
            return  # Shopify gives no file for an empty result
        yield from self._stream_file(str(operation["url"]), in_file)

    def _finished_export(self) -> dict[str, Any] | None:
        """Start the export and wait for it; None when cursor pages must do instead."""
        start = queries.START_BULK_EXPORT
        query = queries.bulk_redeem_codes_query(self._number)
        payload = self._client.run(start, query=query)["bulkOperationRunQuery"]
        errors = parse_user_errors(payload.get("userErrors"))
        if errors:
            if all(e.code in BULK_BUSY_CODES for e in errors):
                self.fallback_reason = f"bulk export refused: {errors[0].code}"
                return None
            raise UserErrors(ErrorContext(self._client.shop, start.name), errors)
        job_id = str(payload["bulkOperation"]["id"])
        check = queries.POLL_BULK_OPERATION
        operation: dict[str, Any] = poll(
            self._client,
            lambda: self._client.run(check, id=job_id)["bulkOperation"],
            lambda op: op is not None and op.get("status") in BULK_FINISHED,
            policy=self._poll,
            job_id=job_id,
            operation=check.name,
        )
        if operation.get("status") == "COMPLETED":
            return operation
        if operation.get("errorCode") == "ACCESS_DENIED":
            raise MissingScopeError(ErrorContext(self._client.shop, check.name), "bulk export")
        self.fallback_reason = (
            f"bulk export {operation.get('status')} ({operation.get('errorCode')})"
        )
        return None

    def _matches_count(self, in_file: int) -> bool:
        if self.expected_total is None:
            return True
        if self.count_exact:
            return in_file == self.expected_total
        return in_file >= self.expected_total  # precision AT_LEAST: a lower bound

    def _fall_back(self) -> Iterator[Sequence[ShopCode]]:
        log.warning(
            "falling back to cursor pages for %s: %s", self._discount_id, self.fallback_reason
        )
        self.mode = "cursor"
        cursor = CursorCodeStream(
            self._client, self._discount_id, self.expected_total, self.count_exact
        )
        for page in cursor:
            self.fetched = cursor.fetched
            yield page

    def _stream_file(self, url: str, in_file: int) -> Iterator[Sequence[ShopCode]]:
        page: list[ShopCode] = []
        for line in self._client.stream_jsonl(url, queries.START_BULK_EXPORT.name):
            if not self._is_our_code(line):
                continue
            page.append(shop_code(line))
            if len(page) == PAGE_SIZE:
                self.fetched += len(page)
                yield page
                page = []
        if page:
            self.fetched += len(page)
            yield page
        if self.fetched != in_file:
            context = ErrorContext(self._client.shop, queries.START_BULK_EXPORT.name)
            raise IncompleteSync(context, in_file, self.fetched)

    def _is_our_code(self, line: dict[str, Any]) -> bool:
        """A redeem-code line whose parent is our discount (the root line is skipped)."""
        if "code" not in line or "id" not in line:
            return False
        try:
            if parse_gid(str(line["id"])).type != REDEEM_CODE_GID_TYPE:
                return False
            # ASSUMPTION: __parentId is the DiscountNode gid; compare numeric tails so either
            # discount id family matches.
            return discount_number(str(line.get("__parentId", ""))) == self._number
        except ValueError:
            return False
