"""The sandbox shop's records: plain mutable dataclasses guarded by the shop's lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

CODE_DISCOUNT_KINDS = (
    "DiscountCodeBasic",
    "DiscountCodeBxgy",
    "DiscountCodeFreeShipping",
    "DiscountCodeApp",
)
DISCOUNT_STATUSES = ("ACTIVE", "EXPIRED", "SCHEDULED")


@dataclass(slots=True)
class RedeemCode:
    """One redeem code of a code discount (``DiscountRedeemCode``)."""

    id: int
    code: str
    discount_id: int
    usage: int = 0
    by_app: bool = False  # created through the API by the app (``createdBy``)


@dataclass(slots=True)
class CodeDiscount:
    """A code discount; ``id`` is the number its DiscountNode and DiscountCodeNode gids share."""

    id: int
    title: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    created_at: datetime
    updated_at: datetime
    code_ids: list[int] = field(default_factory=list)  # ascending, so cursors can bisect
    usage: int = 0
    total_sales: Decimal = Decimal("0")


@dataclass(slots=True)
class Order:
    """A placed order that used discount codes."""

    id: int
    number: int
    processed_at: datetime
    updated_at: datetime
    codes: tuple[str, ...]
    total: Decimal
    subtotal: Decimal
    total_discounts: Decimal
    currency: str
    presentment_currency: str
    test: bool = False
    financial_status: str = "PAID"
    cancelled_at: datetime | None = None
    refunded: Decimal = Decimal("0")
    email: str | None = None
    customer_id: int | None = None  # a guest checkout has none


@dataclass(frozen=True, slots=True)
class CodeError:
    """Why one code of a bulk creation failed (a ``DiscountUserError``)."""

    code: str  # DiscountErrorCode
    message: str


@dataclass(slots=True)
class CodeOutcome:
    """The result for one code of a bulk creation."""

    code: str
    redeem_code_id: int | None = None
    errors: tuple[CodeError, ...] = ()


@dataclass(slots=True)
class BulkCreation:
    """An asynchronous ``discountRedeemCodeBulkAdd`` request."""

    id: int
    discount_id: int
    created_at: datetime
    outcomes: list[CodeOutcome]
    polls: int = 0
    done: bool = False


@dataclass(slots=True)
class DeleteJob:
    """An asynchronous ``discountCodeRedeemCodeBulkDelete`` request (a ``Job``)."""

    id: str
    discount_id: int
    code_ids: tuple[int, ...] | None
    search: str | None
    created_at: datetime
    polls: int = 0
    done: bool = False


@dataclass(frozen=True, slots=True)
class JobTiming:
    """When an asynchronous job (bulk add, bulk delete, bulk operation) is done.

    A job is done once it has been polled ``polls_until_done`` times *and*
    ``delay_seconds`` have passed on the shop's clock since it was created.
    Tests use poll counts (deterministic); the demo may add a delay.
    """

    polls_until_done: int = 1
    delay_seconds: float = 0.0
