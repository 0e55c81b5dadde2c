"""``ShopifyShop``: the :class:`integrations.ports.Shop` protocol on Shopify's Admin API."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from integrations.http import OwnedClientShop
from integrations.ports import (
    CodeSource,
    CreationResult,
    OrderWithCodes,
    ShopCode,
    ShopInfo,
    SourceRef,
    UsageObservation,
    WebhookSubscription,
)
from integrations.retry import RetryPolicy
from integrations.shopify import mapping, queries
from integrations.shopify.auth import (
    CLIENT_CREDENTIALS_HINT,
    STATIC_TOKEN_HINT,
    TOKEN_PATH,
    Auth,
    ClientCredentials,
    StaticToken,
)
from integrations.shopify.client import DEFAULT_TIMEOUT, ShopifyClient, admin_root_of
from integrations.shopify.codes import BulkCodeStream, CursorCodeStream
from integrations.shopify.domain import graphql_url, normalize_shop
from integrations.shopify.errors import (
    ErrorContext,
    InvalidReference,
    NotFound,
    UnsupportedReference,
    UserErrors,
    parse_user_errors,
)
from integrations.shopify.gid import discount_code_node_gid, discount_node_gid
from integrations.shopify.jobs import PollPolicy, poll

log = logging.getLogger(__name__)

#: Pools with at least this many codes are exported with a bulk operation (40+ pages).
DEFAULT_BULK_THRESHOLD = 10_000
#: Codes per discountRedeemCodeBulkAdd call and ids per bulk delete (Shopify's input cap).
BULK_ADD_BATCH = 250
BULK_DELETE_BATCH = 250
#: What a creation's per-code result says when Shopify reported nothing for a code.
NO_RESULT = "NO_RESULT"
TAKEN = "TAKEN"  # DiscountErrorCode for a code that exists somewhere in the shop

CodeStreamImpl = CursorCodeStream | BulkCodeStream


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ShopifyShop(OwnedClientShop):
    """A merchant's Shopify shop as promosync's :class:`~integrations.ports.Shop`."""

    def __init__(
        self,
        client: ShopifyClient,
        *,
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        poll_policy: PollPolicy | None = None,
        now: Callable[[], datetime] = _utc_now,
        owned_http: httpx.Client | None = None,
    ) -> None:
        self.client = client
        self.bulk_threshold = bulk_threshold
        self._poll = poll_policy or PollPolicy()
        self._now = now
        self._owned_http = owned_http  # closed by close() only if connect() built it

    @classmethod
    def connect(
        cls,
        *,
        shop: str,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        admin_api_url: str | None = None,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        poll_policy: PollPolicy | None = None,
        credential_hint: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> ShopifyShop:
        """Build a store from configuration: a static token, or client id + secret.

        ``admin_api_url`` replaces the endpoint (local sandbox, proxy); the OAuth
        token endpoint then lives beside it (same origin and path prefix). Without
        ``http_client`` one is built here and closed by :meth:`close`.
        """
        domain = normalize_shop(shop)
        endpoint = admin_api_url or graphql_url(domain)
        owned = None
        if http_client is None:
            http_client = owned = httpx.Client(timeout=DEFAULT_TIMEOUT)
        auth: Auth
        if access_token and not (client_id or client_secret):
            auth = StaticToken(access_token, credential_hint or STATIC_TOKEN_HINT)
        elif client_id and client_secret and not access_token:
            auth = ClientCredentials(
                http=http_client,
                token_url=admin_root_of(endpoint) + TOKEN_PATH,
                shop=domain,
                client_id=client_id,
                client_secret=client_secret,
                clock=clock,
                credential_hint=credential_hint or CLIENT_CREDENTIALS_HINT,
            )
        else:
            raise ValueError(
                f"Shopify store {domain}: give either access_token or client_id + client_secret"
            )
        client = ShopifyClient(
            http_client,
            shop=domain,
            auth=auth,
            endpoint=endpoint,
            retry=retry,
            sleep=sleep,
            clock=clock,
        )
        return cls(client, bulk_threshold=bulk_threshold, poll_policy=poll_policy, owned_http=owned)

    def __repr__(self) -> str:
        return f"ShopifyShop({self.client!r})"

    def _context(self, operation: queries.Operation) -> ErrorContext:
        return ErrorContext(self.client.shop, operation.name)

    # -- Store protocol -------------------------------------------------------------------

    def check(self) -> ShopInfo:
        """Shop name, domain, currency, API version, granted and missing scopes."""
        data = self.client.run(queries.SHOP_CHECK)
        return mapping.shop_info(data, self.client.api_version)

    def resolve_source(self, ref: SourceRef) -> CodeSource:
        """Find the code discount named by a gid (either family), its number or one of its codes."""
        unsupported = (
            ("a coupon code prefix", ref.prefix),
            ("coupon ids", ref.code_ids),
            ("a template coupon", ref.template_code),
        )
        for what, given in unsupported:
            if given:
                raise UnsupportedReference(self._context(queries.DISCOUNT_STATUS), what)
        if ref.discount_id:
            return self._source_by_id(ref.discount_id)
        if ref.discount_code:
            return self._source_by_code(ref.discount_code)
        what = ref.prefix or "an empty reference"
        raise InvalidReference(self._context(queries.DISCOUNT_STATUS), what)

    def source_status(self, source: CodeSource) -> CodeSource:
        """Re-read a source's status, title and ``codesCount``."""
        return self._source_by_id(source.platform_id)

    def iter_codes(self, source: CodeSource, *, after: str | None = None) -> CodeStreamImpl:
        """Stream every code; ``expected_total`` is ``codesCount`` read just before.

        Pools of at least ``bulk_threshold`` codes use a bulk export (unless
        resuming from ``after``, which only cursor pages can do).
        """
        current = self.source_status(source)
        total, exact = current.code_count, current.count_exact
        if after is None and total is not None and total >= self.bulk_threshold:
            return BulkCodeStream(self.client, current.platform_id, total, exact, self._poll)
        return CursorCodeStream(self.client, current.platform_id, total, exact, after=after)

    def usage(self, source: CodeSource, codes: Iterable[str]) -> Iterator[UsageObservation]:
        """``asyncUsageCount`` of each named code that exists in the discount.

        Shopify cannot look a redeem code up by its text (``codes(query:)`` filters
        only ``id`` and ``times_used`` exactly), so this walks the discount's codes
        page by page (or by bulk export) and stops once every named code was seen.
        Codes that are not in the discount yield nothing; observations carry the
        caller's spelling of each code (Shopify compares codes case-insensitively).
        """
        for name, found in self._find(source, codes):
            observation = mapping.usage_observation(found, self._now(), as_named=name)
            if observation is not None:
                yield observation

    def iter_orders(self, since: datetime, codes: Iterable[str] = ()) -> Iterator[OrderWithCodes]:
        """Orders updated after ``since`` that used a discount code (optionally one of ``codes``).

        Filtering on codes happens here: Shopify's ``discount_code:`` filter only
        matches an order's first code.
        """
        only = {code.casefold() for code in codes}
        query = f"updated_at:>'{mapping.shopify_datetime(since)}'"
        after: str | None = None
        while True:
            data = self.client.run(
                queries.ORDERS_WITH_CODES,
                query=query,
                first=queries.ORDERS_PAGE_SIZE,
                after=after,
            )
            connection = data["orders"]
            for node in connection["nodes"]:
                used = {code.casefold() for code in node.get("discountCodes") or ()}
                if used and (not only or used & only):
                    yield mapping.order_with_codes(node)
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def create_codes(self, source: CodeSource, codes: Sequence[str]) -> CreationResult:
        """Create codes in batches of 250; per-code failures (e.g. ``TAKEN``) are reported."""
        created: list[ShopCode] = []
        failed: dict[str, str] = {}
        discount_id = discount_code_node_gid(source.platform_id)
        for batch in _chunks(codes, BULK_ADD_BATCH):
            outcomes = self._create_batch(discount_id, batch)
            for code in batch:
                outcome = outcomes.get(code.casefold(), NO_RESULT)
                if isinstance(outcome, ShopCode):
                    created.append(outcome)
                else:
                    failed[code] = outcome
        created += self._reclaim_taken(source, failed)
        log.info("created %d codes in %s, %d failed", len(created), source.platform_id, len(failed))
        return CreationResult(created=tuple(created), failed=failed)

    def disable_codes(self, source: CodeSource, codes: Sequence[str]) -> None:
        """Delete the named redeem codes; codes already gone are ignored."""
        ids = [found.platform_id for _, found in self._find(source, codes)]
        log.info("deleting %d of %d named codes from %s", len(ids), len(codes), source.platform_id)
        discount_id = discount_code_node_gid(source.platform_id)
        for batch in _chunks(ids, BULK_DELETE_BATCH):
            self._delete_batch(discount_id, batch)

    def order(self, platform_id: str) -> OrderWithCodes | None:
        """One order now (for its refunded total); None when Shopify has no such order."""
        node = self.client.run(queries.ORDER_BY_ID, id=platform_id).get("order")
        return None if node is None else mapping.order_with_codes(node)

    def webhook_subscriptions(self) -> list[WebhookSubscription]:
        """Every webhook subscription of the app, topics named as deliveries name them."""
        found: list[WebhookSubscription] = []
        after: str | None = None
        while True:
            connection = self.client.run(
                queries.WEBHOOK_SUBSCRIPTIONS, first=queries.WEBHOOKS_PAGE_SIZE, after=after
            )["webhookSubscriptions"]
            found += [mapping.webhook_subscription(node) for node in connection["nodes"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return found
            after = connection["pageInfo"]["endCursor"]

    def subscribe_webhook(self, topic: str, uri: str) -> WebhookSubscription:
        """``webhookSubscriptionCreate(topic:, webhookSubscription: {uri:})`` (JSON format)."""
        op = queries.SUBSCRIBE_WEBHOOK
        payload = self.client.run(op, topic=mapping.topic_enum(topic), uri=uri)[
            "webhookSubscriptionCreate"
        ]
        errors = parse_user_errors(payload.get("userErrors"))
        if errors or not payload.get("webhookSubscription"):
            raise UserErrors(self._context(op), errors)
        return mapping.webhook_subscription(payload["webhookSubscription"])

    def unsubscribe_webhook(self, subscription: WebhookSubscription) -> None:
        """``webhookSubscriptionDelete``; a subscription already gone is not an error."""
        op = queries.UNSUBSCRIBE_WEBHOOK
        payload = self.client.run(op, id=subscription.id)["webhookSubscriptionDelete"]
        errors = parse_user_errors(payload.get("userErrors"))
        if errors and payload.get("deletedWebhookSubscriptionId") is None:
            still_there = {s.id for s in self.webhook_subscriptions()}
            if subscription.id in still_there:
                raise UserErrors(self._context(op), errors)

    # -- helpers ----------------------------------------------------------------------------

    def _find(self, source: CodeSource, codes: Iterable[str]) -> Iterator[tuple[str, ShopCode]]:
        """(caller's spelling, store code) for each named code in the source.

        Shopify cannot look a redeem code up by its text, so this walks the
        source's codes and stops as soon as every named code was seen.
        """
        wanted = {code.casefold(): code for code in codes}
        if not wanted:
            return
        for page in self.iter_codes(source):
            for found in page:
                name = wanted.pop(found.code.casefold(), None)
                if name is not None:
                    yield name, found
            if not wanted:
                return

    def _reclaim_taken(self, source: CodeSource, failed: dict[str, str]) -> list[ShopCode]:
        """Move TAKEN codes that are in this very source from ``failed`` to created.

        A bulk add whose response was lost is sent again by the retry policy;
        Shopify then answers TAKEN for the codes the first call created. Those
        (and codes the source already held) are in the source, which is what the
        caller asked for.
        """
        taken = [code for code, why in failed.items() if why == TAKEN]
        reclaimed = [found for _, found in self._find(source, taken)]
        for found in reclaimed:
            failed.pop(next(c for c in taken if c.casefold() == found.code.casefold()), None)
        return reclaimed

    def _source_by_id(self, discount_id: str) -> CodeSource:
        op = queries.DISCOUNT_STATUS
        try:
            node_gid = discount_node_gid(discount_id)
        except ValueError:
            raise InvalidReference(self._context(op), discount_id) from None
        node = self.client.run(op, id=node_gid).get("discountNode")
        discount = (node or {}).get("discount")
        if node is None or not mapping.is_code_discount(discount):
            raise NotFound(self._context(op), discount_id)
        return mapping.code_source(str(node["id"]), discount)

    def _source_by_code(self, code: str) -> CodeSource:
        op = queries.DISCOUNT_BY_CODE
        node = self.client.run(op, code=code.strip()).get("codeDiscountNodeByCode")
        discount = (node or {}).get("codeDiscount")
        if node is None or not mapping.is_code_discount(discount):
            raise NotFound(self._context(op), f"with code {code.strip()!r}")
        return mapping.code_source(str(node["id"]), discount)

    def _create_batch(self, discount_id: str, batch: Sequence[str]) -> dict[str, ShopCode | str]:
        """One bulk add, polled until done; outcome per code (casefolded)."""
        add = queries.ADD_REDEEM_CODES
        payload = self.client.run(
            add, discountId=discount_id, codes=[{"code": code} for code in batch]
        )["discountRedeemCodeBulkAdd"]
        errors = parse_user_errors(payload.get("userErrors"))
        if errors or not payload.get("bulkCreation"):
            raise UserErrors(self._context(add), errors)
        job_id = str(payload["bulkCreation"]["id"])
        check = queries.POLL_CODE_CREATION
        first_page = queries.CREATION_RESULTS_PAGE_SIZE
        creation: dict[str, Any] = poll(
            self.client,
            lambda: self.client.run(check, id=job_id, first=first_page)[
                "discountRedeemCodeBulkCreation"
            ],
            lambda result: bool(result and result.get("done")),
            policy=self._poll,
            job_id=job_id,
            operation=check.name,
        )
        outcomes: dict[str, ShopCode | str] = {}
        while True:
            connection = creation["codes"]
            for node in connection["nodes"]:
                outcomes[str(node["code"]).casefold()] = mapping.creation_outcome(node)
            if not connection["pageInfo"]["hasNextPage"]:
                return outcomes
            creation = self.client.run(
                check, id=job_id, first=first_page, after=connection["pageInfo"]["endCursor"]
            )["discountRedeemCodeBulkCreation"]

    def _delete_batch(self, discount_id: str, ids: Sequence[str]) -> None:
        delete = queries.DELETE_REDEEM_CODES
        payload = self.client.run(delete, discountId=discount_id, ids=list(ids))[
            "discountCodeRedeemCodeBulkDelete"
        ]
        errors = parse_user_errors(payload.get("userErrors"))
        if errors or not payload.get("job"):
            raise UserErrors(self._context(delete), errors)
        job = payload["job"]
        if job.get("done"):
            return
        check = queries.POLL_JOB
        poll(
            self.client,
            lambda: self.client.run(check, id=str(job["id"]))["job"],
            lambda result: bool(result and result.get("done")),
            policy=self._poll,
            job_id=str(job["id"]),
            operation=check.name,
        )
