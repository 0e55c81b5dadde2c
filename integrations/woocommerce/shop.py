"""``WooShop``: the :class:`integrations.ports.Shop` protocol on WooCommerce's REST API."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from integrations.http import ErrorContext, OwnedClientShop
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
from integrations.woocommerce import mapping, sources
from integrations.woocommerce.classify import CODE_EXISTS
from integrations.woocommerce.client import (
    API_VERSION,
    DEFAULT_TIMEOUT,
    AuthMode,
    WooClient,
)
from integrations.woocommerce.errors import (
    ApiNotFound,
    PermissionDenied,
    RequestRejected,
    ServerError,
    WooConfigError,
    WooReferenceError,
)
from integrations.woocommerce.sources import WooSource

log = logging.getLogger(__name__)

#: WooCommerce's batch endpoints take at most 100 items (create + update + delete).
BATCH_LIMIT = 100
#: The neutral error code of a code the store already holds (as Shopify's ``TAKEN``).
TAKEN = "TAKEN"
#: What a creation's result says when WooCommerce reported nothing for a code.
NO_RESULT = "NO_RESULT"
#: The coupon meta key marking which call created a coupon (see create_codes).
CREATION_MARK = "promosync_batch"
#: WooCommerce's answer to deleting a coupon already in the trash.
ALREADY_TRASHED = "woocommerce_rest_already_trashed"
#: "Invalid ID." (WooCommerce names the post type: woocommerce_rest_shop_coupon_invalid_id).
#: How WooCommerce answers an id it does not know, for orders and webhooks.
UNKNOWN_ORDER = frozenset({"woocommerce_rest_shop_order_invalid_id", "woocommerce_rest_invalid_id"})
UNKNOWN_WEBHOOK = frozenset(
    {"woocommerce_rest_shop_webhook_invalid_id", "woocommerce_rest_webhook_invalid_id"}
)
INVALID_IDS = frozenset({"woocommerce_rest_shop_coupon_invalid_id", "woocommerce_rest_invalid_id"})
#: The permissions ``check`` reports; promosync needs both.
READ, WRITE = "read", "write"
#: The WordPress REST index: the site's title is its "name".
SITE_INDEX = "/wp-json/"
REFERENCE_KINDS = "name the coupons with --coupon-prefix PREFIX or --coupon-ids ID,ID,..."


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class WooCodeStream:
    """A source's coupons page by page; ``expected_total`` is known once the listing
    has been read completely and its pages added up to ``X-WP-Total``."""

    def __init__(self, shop: WooShop, source: WooSource, now: Callable[[], datetime]) -> None:
        self._shop = shop
        self._source = source
        self._now = now
        self.expected_total: int | None = None

    def __iter__(self) -> Iterator[Sequence[ShopCode]]:
        matched = 0
        for page in self._shop.coupon_pages(self._source):
            now = self._now()
            codes = [mapping.shop_code(coupon, now) for coupon in page]
            matched += len(codes)
            yield codes
        self.expected_total = matched


class WooShop(OwnedClientShop):
    """A merchant's WooCommerce store as promosync's :class:`~integrations.ports.Shop`."""

    def __init__(
        self,
        client: WooClient,
        *,
        now: Callable[[], datetime] = _utc_now,
        owned_http: httpx.Client | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self.client = client
        self._now = now
        self._webhook_secret = webhook_secret  # signs the webhooks subscribe_webhook creates
        self._owned_http = owned_http  # closed by close() only if connect() built it

    @classmethod
    def connect(
        cls,
        *,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        auth: AuthMode = "auto",
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        credential_hint: str = "",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        webhook_secret: str | None = None,
    ) -> WooShop:
        """Build a store from configuration; refuses plain http:// to a non-loopback host."""
        owned = None
        if http_client is None:
            http_client = owned = httpx.Client(timeout=DEFAULT_TIMEOUT)
        try:
            client = WooClient(
                http_client,
                url=url,
                consumer_key=consumer_key,
                consumer_secret=consumer_secret,
                auth=auth,
                credential_hint=credential_hint,
                retry=retry,
                sleep=sleep,
                clock=clock,
            )
        except BaseException:
            if owned is not None:
                owned.close()
            raise
        return cls(client, owned_http=owned, webhook_secret=webhook_secret)

    def __repr__(self) -> str:
        return f"WooShop({self.client!r})"

    def _context(self, operation: str) -> ErrorContext:
        return ErrorContext(self.client.store, operation)

    # -- Shop protocol ----------------------------------------------------------------------

    def check(self) -> ShopInfo:
        """Store name, currency, WooCommerce version, and whether the key reads and writes."""
        status, _ = self.client.request("GET", "/system_status", "SystemStatus")
        environment = (status or {}).get("environment") or {}
        settings = (status or {}).get("settings") or {}
        granted = {READ} if self._can_read() else set()
        if self._can_write():
            granted.add(WRITE)
        version = environment.get("version") or "unknown"
        return ShopInfo(
            platform="woocommerce",
            name=self._site_name(),
            domain=self.client.store,
            currency=str(settings.get("currency") or ""),
            api_version=f"{API_VERSION} (WooCommerce {version})",
            granted_scopes=frozenset(granted),
            missing_scopes=frozenset({READ, WRITE} - granted),
        )

    def resolve_source(self, ref: SourceRef) -> CodeSource:
        """Coupons by code prefix or by id (and the template coupon, if one is named)."""
        if ref.discount_id or ref.discount_code:
            raise WooReferenceError(
                self._context("ResolveSource"),
                "WooCommerce has no discounts with codes (each coupon stands alone)",
                REFERENCE_KINDS,
            )
        template_id = self._template_id(ref.template_code) if ref.template_code else None
        if ref.prefix is not None and ref.prefix.strip():
            source = WooSource(prefix=ref.prefix.strip(), template_id=template_id)
        elif ref.code_ids:
            source = WooSource(ids=self._existing_ids(ref.code_ids), template_id=template_id)
        else:
            raise WooReferenceError(
                self._context("ResolveSource"), "no coupons were named", REFERENCE_KINDS
            )
        if len(source.platform_id) > sources.MAX_SOURCE_ID_LENGTH:
            raise WooReferenceError(
                self._context("ResolveSource"),
                f"{len(source.ids)} coupon ids do not fit in one link",
                "give the coupons a common code prefix and use --coupon-prefix",
            )
        count = sum(len(page) for page in self.coupon_pages(source))
        return self._code_source(source, count)

    def source_status(self, source: CodeSource) -> CodeSource:
        """The source as it stands; a coupon family has no status of its own (each
        coupon's state is read with it)."""
        return self._code_source(self._parse(source), None)

    def iter_codes(self, source: CodeSource) -> WooCodeStream:
        """Every coupon of the source, each with the reason it is unusable, if any."""
        return WooCodeStream(self, self._parse(source), self._now)

    def usage(self, source: CodeSource, codes: Iterable[str]) -> Iterator[UsageObservation]:
        """``usage_count`` of each named coupon of the source (named as the caller spells it)."""
        for name, coupon in self._find(self._parse(source), codes):
            yield UsageObservation(
                name,
                int(coupon.get("usage_count") or 0),
                self._now(),
                used_by=mapping.used_by(coupon),
            )

    def iter_orders(self, since: datetime, codes: Iterable[str] = ()) -> Iterator[OrderWithCodes]:
        """Orders modified after ``since`` with coupon lines (optionally using one of ``codes``).

        WooCommerce cannot filter orders by coupon, so every order modified since is
        read (by id, 100 a page) and those without coupons are dropped here.
        """
        only = {code.casefold() for code in codes}
        params = {"modified_after": mapping.woo_datetime(since), "dates_are_gmt": "true"}
        for page in self.client.iter_pages("/orders", "ListOrders", params, exact=False):
            for order in page:
                used = {
                    str(line.get("code", "")).casefold() for line in order.get("coupon_lines") or ()
                }
                if used and (not only or used & only):
                    yield mapping.order_with_codes(order)

    def create_codes(self, source: CodeSource, codes: Sequence[str]) -> CreationResult:
        """Create coupons copying the template, 100 a batch; duplicates come back as TAKEN."""
        woo = self._parse(source)
        if woo.prefix is None:
            raise WooReferenceError(
                self._context("CreateCoupons"),
                "coupons chosen by id cannot grow: new coupons would not belong to the pool",
                "link the incentive with --coupon-prefix to generate codes",
            )
        outside = [code for code in codes if not woo.matches(code)]
        if outside:
            raise ValueError(f"{len(outside)} codes do not start with the source's prefix")
        settings = mapping.template_settings(self._template(woo))
        # Every coupon of this call carries the call's mark, so a code refused as a
        # duplicate can be told apart: ours (a retried batch whose answer was lost) or
        # someone else's (then it stays TAKEN and the caller draws another code).
        mark = {"key": CREATION_MARK, "value": secrets.token_hex(8)}
        created: list[ShopCode] = []
        failed: dict[str, str] = {}
        for batch in _chunks(codes, BATCH_LIMIT):
            payload, _ = self.client.request(
                "POST",
                "/coupons/batch",
                "CreateCoupons",
                json={
                    "create": [{**settings, "code": code, "meta_data": [mark]} for code in batch]
                },
            )
            results = (payload or {}).get("create") or []
            for index, code in enumerate(batch):
                item = results[index] if index < len(results) else None
                outcome = self._creation_outcome(item)
                if isinstance(outcome, ShopCode):
                    created.append(outcome)
                else:
                    failed[code] = outcome
        created += self._reclaim_taken(woo, failed, str(mark["value"]))
        log.info("created %d coupons in %s, %d failed", len(created), woo.title, len(failed))
        return CreationResult(created=tuple(created), failed=failed)

    def disable_codes(self, source: CodeSource, codes: Sequence[str]) -> None:
        """Move the named coupons to the trash (never deleted for good); gone ones are ignored."""
        found = [coupon for _, coupon in self._find(self._parse(source), codes)]
        log.info("trashing %d of %d named coupons", len(found), len(codes))
        for coupon in found:
            try:
                self.client.request("DELETE", f"/coupons/{coupon['id']}", "TrashCoupon")
            except RequestRejected as error:
                if error.code != ALREADY_TRASHED and error.code not in INVALID_IDS:
                    raise

    def order(self, platform_id: str) -> OrderWithCodes | None:
        """One order as WooCommerce has it now (refunds included); None when it has none."""
        try:
            order, _ = self.client.request("GET", f"/orders/{int(platform_id)}", "GetOrder")
        except RequestRejected as error:
            if error.code in UNKNOWN_ORDER:
                return None
            raise
        return mapping.order_with_codes(order)

    def webhook_subscriptions(self) -> list[WebhookSubscription]:
        """Every webhook of the store (WooCommerce keys them per store, not per app)."""
        return [
            WebhookSubscription(str(hook["id"]), str(hook["topic"]), str(hook["delivery_url"]))
            for page in self.client.iter_pages("/webhooks", "ListWebhooks", {}, exact=False)
            for hook in page
            if hook.get("status") != "disabled"
        ]

    def subscribe_webhook(self, topic: str, uri: str) -> WebhookSubscription:
        """Create an active webhook for ``topic``, signed with the store's ``webhook_secret``."""
        if self._webhook_secret is None:
            raise WooConfigError(
                self._context("CreateWebhook"),
                "the store has no webhook_secret to sign its deliveries with",
                'add webhook_secret = "${WC_WEBHOOK_SECRET}" to its [stores.NAME] table',
            )
        body = {
            "name": f"promosync {topic}",
            "topic": topic,
            "delivery_url": uri,
            "secret": self._webhook_secret,
            "status": "active",
        }
        hook, _ = self.client.request("POST", "/webhooks", "CreateWebhook", json=body)
        return WebhookSubscription(str(hook["id"]), str(hook["topic"]), str(hook["delivery_url"]))

    def unsubscribe_webhook(self, subscription: WebhookSubscription) -> None:
        """Delete the webhook for good (a webhook has no trash); one already gone is fine."""
        try:
            self.client.request(
                "DELETE",
                f"/webhooks/{int(subscription.id)}",
                "DeleteWebhook",
                params={"force": "true"},
            )
        except RequestRejected as error:
            if error.code not in UNKNOWN_WEBHOOK:
                raise

    # -- listing -------------------------------------------------------------------------------

    def coupon_pages(self, source: WooSource) -> Iterator[list[dict[str, Any]]]:
        """The source's coupons page by page (the template excluded), count-checked.

        A prefix source asks WooCommerce to ``search`` for the prefix (which also
        matches descriptions and the middle of codes) and keeps the coupons whose
        code starts with the prefix, compared case-insensitively.
        """
        params: dict[str, Any]
        if source.prefix is not None:
            # WordPress reads a search term starting with "-" as an exclusion: list all.
            params = {} if source.prefix.startswith("-") else {"search": source.prefix}
        else:
            params = {"include": ",".join(map(str, source.ids))}
        for page in self.client.iter_pages("/coupons", "ListCoupons", params):
            yield [
                coupon
                for coupon in page
                if coupon.get("id") != source.template_id
                and (source.prefix is None or source.matches(str(coupon.get("code", ""))))
            ]

    def _find(
        self, source: WooSource, codes: Iterable[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(caller's spelling, coupon JSON) for each named code in the source."""
        wanted = {code.casefold(): code for code in codes}
        if not wanted:
            return
        for page in self.coupon_pages(source):
            for coupon in page:
                name = wanted.pop(str(coupon.get("code", "")).casefold(), None)
                if name is not None:
                    yield name, coupon
            if not wanted:
                return

    # -- helpers -------------------------------------------------------------------------------

    def _parse(self, source: CodeSource) -> WooSource:
        parsed = sources.parse(source.platform_id)
        if parsed is None:
            raise WooReferenceError(
                self._context("ResolveSource"),
                f"the incentive is linked to {source.title or source.platform_id!r}, which is "
                f"not a WooCommerce coupon source",
                "link it again with --coupon-prefix PREFIX",
            )
        return parsed

    def _code_source(self, source: WooSource, count: int | None) -> CodeSource:
        return CodeSource(
            platform_id=source.platform_id,
            title=source.title,
            status="active",
            code_count=count,
            code_prefix=source.prefix or "",
        )

    def _site_name(self) -> str:
        """The WordPress site title (the REST index), or the host when it is not readable."""
        try:
            index, _ = self.client.request("GET", SITE_INDEX, "SiteIndex")
        except (ApiNotFound, RequestRejected, PermissionDenied):
            return self.client.store
        name = index.get("name") if isinstance(index, dict) else None
        return str(name) if name else self.client.store

    def _can_read(self) -> bool:
        try:
            self.client.request("GET", "/coupons", "CheckRead", params={"per_page": 1})
        except PermissionDenied:
            return False
        return True

    def _can_write(self) -> bool:
        """An empty batch: WooCommerce checks the key's write permission and creates nothing.

        ASSUMPTION: a read-only key is refused before the batch is read (401
        ``woocommerce_rest_authentication_error``, "does not have write permissions").
        """
        try:
            self.client.request("POST", "/coupons/batch", "CheckWrite", json={})
        except PermissionDenied:
            return False
        return True

    def _template_id(self, code: str) -> int:
        found, _ = self.client.request(
            "GET", "/coupons", "FindTemplate", params={"code": code.strip()}
        )
        if not isinstance(found, list) or not found:
            raise WooReferenceError(
                self._context("FindTemplate"),
                f"no coupon with code {code.strip()!r} to copy settings from",
                "name an existing coupon (Marketing > Coupons) with --template-coupon",
            )
        return int(found[0]["id"])

    def _template(self, source: WooSource) -> dict[str, Any]:
        if source.template_id is None:
            raise WooReferenceError(
                self._context("CreateCoupons"),
                "no template coupon was named for new coupons to copy (amount, type, limits, "
                "expiry, restrictions)",
                "link the incentive again adding --template-coupon CODE",
            )
        try:
            coupon, _ = self.client.request("GET", f"/coupons/{source.template_id}", "GetTemplate")
        except RequestRejected as error:
            if error.code not in INVALID_IDS:
                raise
            raise WooReferenceError(
                self._context("GetTemplate"),
                f"the template coupon (id {source.template_id}) no longer exists",
                "link the incentive again with another --template-coupon CODE",
            ) from None
        if not isinstance(coupon, dict) or coupon.get("status", "publish") != "publish":
            raise WooReferenceError(
                self._context("GetTemplate"),
                f"the template coupon (id {source.template_id}) is not published",
                "restore it from the trash, or link again with another --template-coupon",
            )
        return coupon

    def _existing_ids(self, ids: Sequence[str]) -> tuple[int, ...]:
        try:
            wanted = sorted({int(i) for i in ids})
        except ValueError:
            raise WooReferenceError(
                self._context("ResolveSource"),
                "coupon ids must be whole numbers",
                "give the numbers from the coupons' admin URLs (post=N), e.g. --coupon-ids 12,13",
            ) from None
        source = WooSource(ids=tuple(wanted))
        found = {int(c["id"]) for page in self.coupon_pages(source) for c in page}
        missing = [i for i in wanted if i not in found]
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise WooReferenceError(
                self._context("ResolveSource"),
                f"no coupon with id {shown}",
                "check the ids in the WooCommerce admin (Marketing > Coupons)",
            )
        return tuple(wanted)

    def _creation_outcome(self, item: Any) -> ShopCode | str:
        if not isinstance(item, dict):
            return NO_RESULT
        error = item.get("error")
        if isinstance(error, dict):
            code = str(error.get("code") or "FAILED")
            return TAKEN if code == CODE_EXISTS else code
        if item.get("id") and item.get("code"):
            return mapping.shop_code(item, self._now())  # with the end copied from the template
        return NO_RESULT

    def _reclaim_taken(
        self, source: WooSource, failed: dict[str, str], mark: str
    ) -> list[ShopCode]:
        """Move TAKEN codes that this very call created from ``failed`` to created.

        A batch whose response was lost is sent again by the retry policy;
        WooCommerce then answers "already exists" for the coupons the first
        attempt made. Those carry this call's mark; a coupon without it belongs to
        someone else and stays TAKEN.
        """
        reclaimed: list[ShopCode] = []
        for code in [c for c, why in failed.items() if why == TAKEN]:
            found, _ = self.client.request("GET", "/coupons", "FindCoupon", params={"code": code})
            if not isinstance(found, list):
                raise ServerError(self._context("FindCoupon"), "not a list of coupons")
            for coupon in found:
                marks = {
                    str(meta.get("value"))
                    for meta in coupon.get("meta_data") or ()
                    if isinstance(meta, dict) and meta.get("key") == CREATION_MARK
                }
                if source.matches(str(coupon.get("code", ""))) and mark in marks:
                    reclaimed.append(mapping.shop_code(coupon, self._now()))
                    failed.pop(code)
                    break
        return reclaimed
