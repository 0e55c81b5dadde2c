"""The sandbox shop: discounts, codes, orders and jobs, behind one lock.

:class:`SandboxShop` is both the state the GraphQL resolvers read and write and
the in-process API tests and the demo use to arrange a scenario ("a discount
with 500 codes", "an order that used code X") without going through HTTP.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from .auth import TokenRegistry, new_token
from .bucket import BucketConfig, LeakyBucket
from .clock import Clock, system_clock
from .codes import DUPLICATE_IN_REQUEST, TAKEN, code_key, code_problem
from .constants import (
    CLIENT_CREDENTIALS_TTL_SECONDS,
    DEFAULT_SCOPES,
    FIRST_BULK_CREATION_ID,
    FIRST_CODE_ID,
    FIRST_DISCOUNT_ID,
    FIRST_ORDER_ID,
    FIRST_ORDER_NUMBER,
)
from .errors import CodeTaken, UnknownCode, UnknownDiscount, UnknownOrder
from .model import (
    CODE_DISCOUNT_KINDS,
    DISCOUNT_STATUSES,
    BulkCreation,
    CodeDiscount,
    CodeOutcome,
    DeleteJob,
    JobTiming,
    Order,
    RedeemCode,
)
from .search import code_matches, parse_search
from .webhooks import code_payload, discount_payload, order_payload, refund_payload

CODE_ADDED, CODE_REMOVED = "discounts/redeemcode_added", "discounts/redeemcode_removed"

DEFAULT_SHOP_NAME = "Sandbox Shop"
DEFAULT_DOMAIN = "promosync-sandbox.myshopify.com"
DEFAULT_CURRENCY = "USD"


class SandboxShop:
    """A thread-safe, in-memory Shopify shop with one installed app.

    Args:
        name, domain, currency: what ``shop { name myshopifyDomain currencyCode }`` says.
        scopes: access scopes granted to the app (``write_x`` implies ``read_x``).
        access_token: the app's offline token (a random ``shpat_`` one if omitted).
        client_id, client_secret: credentials for the client-credentials grant.
        clock: time source for timestamps, token expiry, the bucket and job delays.
        bucket: size and restore rate of the cost bucket; ``enabled=False`` never throttles.
        job_timing: when bulk additions, deletions and bulk operations complete.
        bulk_dir: where bulk-operation JSONL files go (a private temp dir if omitted).
    """

    def __init__(
        self,
        *,
        name: str = DEFAULT_SHOP_NAME,
        domain: str = DEFAULT_DOMAIN,
        currency: str = DEFAULT_CURRENCY,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        access_token: str | None = None,
        client_id: str = "sandbox-client-id",
        client_secret: str = "sandbox-client-secret",
        clock: Clock = system_clock,
        bucket: BucketConfig | None = None,
        job_timing: JobTiming | None = None,
        bulk_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.domain = domain
        self.currency = currency
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.job_timing = job_timing or JobTiming()
        self.lock = threading.RLock()
        self.tokens = TokenRegistry(clock)
        self.access_token = self.tokens.add(access_token or new_token())
        self.bucket = LeakyBucket(bucket or BucketConfig(), clock)
        self._scopes = frozenset(scopes)
        self._own_bulk_dir = bulk_dir is None
        self.bulk_dir = bulk_dir or Path(tempfile.mkdtemp(prefix="promosync-sandbox-bulk-"))
        self.discounts: dict[int, CodeDiscount] = {}
        self.codes: dict[int, RedeemCode] = {}
        self.code_index: dict[str, int] = {}  # code_key -> redeem code id
        self.orders: dict[int, Order] = {}
        self.creations: dict[int, BulkCreation] = {}
        self.delete_jobs: dict[str, DeleteJob] = {}
        self._discount_ids = itertools.count(FIRST_DISCOUNT_ID)
        self._code_ids = itertools.count(FIRST_CODE_ID)
        self._order_ids = itertools.count(FIRST_ORDER_ID)
        self._order_numbers = itertools.count(FIRST_ORDER_NUMBER)
        self._creation_ids = itertools.count(FIRST_BULK_CREATION_ID)
        # Imported here: bulk.py needs the shop type, the shop owns the operations.
        from .bulk import BulkOperations
        from .webhooks import WebhookSender

        self.bulk_operations = BulkOperations(self)
        self.webhooks = WebhookSender(domain, lambda: self.client_secret, clock)
        self._refund_ids = itertools.count(FIRST_ORDER_ID)

    # --- scopes and tokens ------------------------------------------------------

    @property
    def scopes(self) -> frozenset[str]:
        """Access scopes granted to the app."""
        return self._scopes

    def set_scopes(self, scopes: Iterable[str]) -> None:
        """Change the app's granted scopes (e.g. to test a missing ``read_orders``)."""
        self._scopes = frozenset(scopes)

    def has_scope(self, scope: str) -> bool:
        """Whether ``scope`` is granted; a ``write_`` scope implies its ``read_`` scope."""
        if scope in self._scopes:
            return True
        return scope.startswith("read_") and "write_" + scope[len("read_") :] in self._scopes

    def issue_token(self, ttl_seconds: float | None = CLIENT_CREDENTIALS_TTL_SECONDS) -> str:
        """A new token that expires after ``ttl_seconds`` (None: never)."""
        return self.tokens.add(new_token(), ttl_seconds)

    # --- discounts and codes ----------------------------------------------------

    def create_code_discount(
        self,
        title: str,
        codes: Iterable[str] = (),
        *,
        status: str = "ACTIVE",
        kind: str = "DiscountCodeBasic",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        usage_limit: int | None = None,
    ) -> int:
        """Create a code discount with ``codes``; returns its numeric id N.

        ``gid://shopify/DiscountNode/N`` and ``gid://shopify/DiscountCodeNode/N``
        both name it. Raises :class:`CodeTaken` if a code exists already.
        """
        if kind not in CODE_DISCOUNT_KINDS:
            raise ValueError(f"kind must be one of {CODE_DISCOUNT_KINDS}, not {kind!r}")
        if status not in DISCOUNT_STATUSES:
            raise ValueError(f"status must be one of {DISCOUNT_STATUSES}, not {status!r}")
        with self.lock:
            now = self.clock()
            discount = CodeDiscount(
                id=next(self._discount_ids),
                title=title,
                kind=kind,
                status=status,
                starts_at=starts_at or now,
                ends_at=ends_at,
                usage_limit=usage_limit,
                created_at=now,
                updated_at=now,
            )
            self.discounts[discount.id] = discount
            try:
                self.add_codes(discount.id, codes)
            except CodeTaken:
                del self.discounts[discount.id]
                raise
            return discount.id

    def discount(self, discount_id: int) -> CodeDiscount:
        """The discount with numeric id ``discount_id``; raises :class:`UnknownDiscount`."""
        found = self.discounts.get(discount_id)
        if found is None:
            raise UnknownDiscount(discount_id)
        return found

    def add_codes(self, discount_id: int, codes: Iterable[str]) -> list[int]:
        """Add codes to a discount at once (no job); returns the new redeem-code ids.

        All or nothing: raises :class:`CodeTaken` if any code exists in the shop
        or repeats within ``codes`` (case-insensitively), and adds none.
        """
        with self.lock:
            discount = self.discount(discount_id)
            wanted = list(codes)
            seen: set[str] = set()
            for code in wanted:
                key = code_key(code)
                problem = code_problem(code)
                if problem is not None:
                    raise ValueError(f"{code!r}: {problem.message}")
                if key in self.code_index or key in seen:
                    raise CodeTaken(code)
                seen.add(key)
            ids = [self._insert_code(discount, code) for code in wanted]
            if ids:
                discount.updated_at = self.clock()
            return ids

    def _insert_code(self, discount: CodeDiscount, code: str, *, by_app: bool = False) -> int:
        code_id = next(self._code_ids)
        self.codes[code_id] = RedeemCode(code_id, code, discount.id, by_app=by_app)
        self.code_index[code_key(code)] = code_id
        discount.code_ids.append(code_id)  # ids only grow, so the list stays sorted
        if self.webhooks.wants(CODE_ADDED):
            self.webhooks.emit(CODE_ADDED, code_payload(discount.id, code_id, code, self.clock()))
        return code_id

    def remove_codes(self, discount_id: int, codes: Iterable[str]) -> int:
        """Delete the named codes of a discount (case-insensitive); returns how many."""
        with self.lock:
            discount = self.discount(discount_id)
            ids = [self.code_index.get(code_key(c)) for c in codes]
            return self._delete_code_ids(discount, [i for i in ids if i is not None])

    def _delete_code_ids(self, discount: CodeDiscount, code_ids: Iterable[int]) -> int:
        doomed = {
            i for i in code_ids if i in self.codes and self.codes[i].discount_id == discount.id
        }
        for code_id in doomed:
            gone = self.codes.pop(code_id).code
            del self.code_index[code_key(gone)]
            if self.webhooks.wants(CODE_REMOVED):
                self.webhooks.emit(
                    CODE_REMOVED, code_payload(discount.id, code_id, gone, self.clock())
                )
        if doomed:
            discount.code_ids = [i for i in discount.code_ids if i not in doomed]
            discount.updated_at = self.clock()
        return len(doomed)

    def set_status(self, discount_id: int, status: str) -> None:
        """Change a discount's status (ACTIVE, EXPIRED or SCHEDULED)."""
        if status not in DISCOUNT_STATUSES:
            raise ValueError(f"status must be one of {DISCOUNT_STATUSES}, not {status!r}")
        with self.lock:
            discount = self.discount(discount_id)
            discount.status = status
            discount.updated_at = self.clock()
            self.webhooks.emit(
                "discounts/update",
                discount_payload(discount.id, discount.title, status, discount.updated_at),
            )

    def delete_discount(self, discount_id: int) -> None:
        """Delete a discount and its codes (``discounts/delete`` is sent)."""
        with self.lock:
            discount = self.discount(discount_id)
            for code_id in discount.code_ids:
                del self.code_index[code_key(self.codes.pop(code_id).code)]
            del self.discounts[discount_id]
            self.webhooks.emit(
                "discounts/delete",
                discount_payload(discount.id, discount.title, discount.status, self.clock()),
            )

    def set_ends_at(self, discount_id: int, ends_at: datetime | None) -> None:
        """Change when a discount ends (``endsAt``); None: it never ends."""
        with self.lock:
            discount = self.discount(discount_id)
            discount.ends_at = ends_at
            discount.updated_at = self.clock()

    def codes_of(self, discount_id: int) -> list[str]:
        """The discount's codes in creation order, after settling finished jobs."""
        with self.lock:
            self.settle()
            return [self.codes[i].code for i in self.discount(discount_id).code_ids]

    def code_usage(self, code: str) -> int:
        """How many orders used ``code`` (its ``asyncUsageCount``)."""
        with self.lock:
            code_id = self.code_index.get(code_key(code))
            if code_id is None:
                raise UnknownCode(code)
            return self.codes[code_id].usage

    def find_code(self, code: str) -> RedeemCode | None:
        """The redeem code spelled like ``code`` in any case, if any."""
        code_id = self.code_index.get(code_key(code))
        return None if code_id is None else self.codes[code_id]

    # --- orders -----------------------------------------------------------------

    def place_order(
        self,
        codes: Sequence[str],
        total: Decimal,
        *,
        currency: str | None = None,
        processed_at: datetime | None = None,
        test: bool = False,
        financial_status: str = "PAID",
        subtotal: Decimal | None = None,
        total_discounts: Decimal = Decimal("0"),
        email: str | None = None,
        customer_id: int | None = None,
    ) -> int:
        """Record an order that used ``codes`` (first one first); returns its numeric id.

        Each code's usage count and its discount's usage count go up by one,
        and the discount's ``totalSales`` by ``total``.
        """
        with self.lock:
            found = [self.find_code(c) for c in codes]
            for code, redeem in zip(codes, found, strict=True):
                if redeem is None:
                    raise UnknownCode(code)
            now = self.clock()
            order = Order(
                id=next(self._order_ids),
                number=next(self._order_numbers),
                processed_at=processed_at or now,
                updated_at=now,
                codes=tuple(r.code for r in found if r is not None),
                total=total,
                subtotal=subtotal if subtotal is not None else total + total_discounts,
                total_discounts=total_discounts,
                currency=self.currency,
                presentment_currency=currency or self.currency,
                test=test,
                financial_status=financial_status,
                email=email,
                customer_id=customer_id,
            )
            self.orders[order.id] = order
            for redeem in {r.id: r for r in found if r is not None}.values():
                redeem.usage += 1
                discount = self.discounts[redeem.discount_id]
                discount.usage += 1
                discount.total_sales += total
            self._order_webhooks(order, "orders/create")
            if financial_status == "PAID":
                self._order_webhooks(order, "orders/paid")
            return order.id

    def _order_webhooks(self, order: Order, topic: str) -> None:
        self.webhooks.emit(topic, order_payload(order, []))

    def refund_order(self, order_id: int, amount: Decimal) -> None:
        """Refund ``amount`` of an order: ``totalRefundedSet`` grows, ``refunds/create`` is sent."""
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise UnknownOrder(order_id)
            order.refunded += amount
            order.updated_at = self.clock()
            if order.refunded >= order.total:
                order.financial_status = "REFUNDED"
            elif order.refunded > 0:
                order.financial_status = "PARTIALLY_REFUNDED"
            self.webhooks.emit(
                "refunds/create",
                refund_payload(next(self._refund_ids), order.id, str(amount), order.updated_at),
            )

    def cancel_order(self, order_id: int) -> None:
        """Cancel an order: it reports ``cancelledAt`` and leaves the discounts' sales.

        ASSUMPTION: usage counts stay as they were; Shopify documents nothing
        about cancellations lowering ``asyncUsageCount``.
        """
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise UnknownOrder(order_id)
            if order.cancelled_at is not None:
                return
            order.cancelled_at = order.updated_at = self.clock()
            discounts = {
                self.codes[i].discount_id
                for c in order.codes
                if (i := self.code_index.get(code_key(c)))
            }
            for discount_id in discounts:
                self.discounts[discount_id].total_sales -= order.total

    # --- asynchronous jobs ------------------------------------------------------

    def start_bulk_creation(self, discount_id: int, codes: Sequence[str]) -> BulkCreation:
        """Queue a ``discountRedeemCodeBulkAdd``; codes are checked when it completes."""
        with self.lock:
            creation = BulkCreation(
                id=next(self._creation_ids),
                discount_id=discount_id,
                created_at=self.clock(),
                outcomes=[CodeOutcome(code) for code in codes],
            )
            self.creations[creation.id] = creation
            return creation

    def start_delete_job(
        self, discount_id: int, code_ids: Sequence[int] | None, search: str | None
    ) -> DeleteJob:
        """Queue a ``discountCodeRedeemCodeBulkDelete``; codes go when it completes."""
        with self.lock:
            job = DeleteJob(
                id=str(uuid.uuid4()),
                discount_id=discount_id,
                code_ids=None if code_ids is None else tuple(code_ids),
                search=search,
                created_at=self.clock(),
            )
            self.delete_jobs[job.id] = job
            return job

    def is_due(self, polls: int, created_at: datetime) -> bool:
        """Whether a job polled ``polls`` times and created then is done by now."""
        timing = self.job_timing
        waited = self.clock() - created_at >= timedelta(seconds=timing.delay_seconds)
        return polls >= timing.polls_until_done and waited

    def settle(self) -> None:
        """Complete every queued job that is due (called before reads)."""
        with self.lock:
            for creation in self.creations.values():
                if not creation.done and self.is_due(creation.polls, creation.created_at):
                    self._complete_creation(creation)
            for job in self.delete_jobs.values():
                if not job.done and self.is_due(job.polls, job.created_at):
                    self._complete_delete(job)

    def _complete_creation(self, creation: BulkCreation) -> None:
        discount = self.discounts.get(creation.discount_id)
        seen: set[str] = set()
        for outcome in creation.outcomes:
            problem = code_problem(outcome.code)
            key = code_key(outcome.code)
            if problem is None and key in seen:
                problem = DUPLICATE_IN_REQUEST
            elif problem is None and key in self.code_index:
                problem = TAKEN
            seen.add(key)
            if problem is not None:
                outcome.errors = (problem,)
            elif discount is not None:
                outcome.redeem_code_id = self._insert_code(discount, outcome.code, by_app=True)
        if discount is not None:
            discount.updated_at = self.clock()
        creation.done = True

    def _complete_delete(self, job: DeleteJob) -> None:
        discount = self.discounts.get(job.discount_id)
        if discount is not None:
            if job.code_ids is not None:
                self._delete_code_ids(discount, job.code_ids)
            elif job.search is not None:
                terms = parse_search(job.search)
                matching = [i for i in discount.code_ids if code_matches(self.codes[i], terms)]
                self._delete_code_ids(discount, matching)
        job.done = True

    # --- lifecycle --------------------------------------------------------------

    def close(self) -> None:
        """Stop background bulk operations and webhook sending; delete bulk files."""
        self.bulk_operations.close()
        self.webhooks.close()
        if self._own_bulk_dir:
            shutil.rmtree(self.bulk_dir, ignore_errors=True)

    def __enter__(self) -> SandboxShop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
