"""Model records as GraphQL values: dicts whose keys are the schema's field names.

Fields that take arguments or cost work (connections) are callables
``(info, **args)``, which graphql-core's default resolver calls only when a
document selects them; everything else is a plain value, which keeps a
250-code page cheap to serve.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from .clock import iso
from .connections import Connection, PageArgs, paginate
from .ids import gid
from .model import BulkCreation, CodeDiscount, CodeOutcome, DeleteJob, Order, RedeemCode
from .search import code_matches, parse_search
from .webhooks import Subscription

if TYPE_CHECKING:
    from .state import SandboxShop

View = dict[str, Any]
APP_NUMBER = 1
APP_TITLE = "promosync"
SORT_VALUE_OF_CODE: dict[str, Callable[[RedeemCode], Any]] = {
    "ID": lambda c: c.id,
    "CREATED_AT": lambda c: c.id,  # ids grow with creation time
    "CODE": lambda c: c.code.lower(),
}


def money(amount: Decimal, currency: str) -> View:
    """A ``MoneyV2``. Amounts are decimal strings, never floats."""
    return {"amount": str(amount), "currencyCode": currency}


def money_bag(amount: Decimal, shop_currency: str, presentment_currency: str) -> View:
    """A ``MoneyBag``. ASSUMPTION: presentment amount equals the shop amount (no FX)."""
    return {
        "shopMoney": money(amount, shop_currency),
        "presentmentMoney": money(amount, presentment_currency),
    }


def app_view() -> View:
    """The installed app, as ``createdBy`` reports it."""
    return {"id": gid("App", APP_NUMBER), "title": APP_TITLE}


def redeem_code_view(code: RedeemCode) -> View:
    """A ``DiscountRedeemCode``."""
    return {
        "id": gid("DiscountRedeemCode", code.id),
        "code": code.code,
        "asyncUsageCount": code.usage,
        "createdBy": app_view() if code.by_app else None,
    }


def codes_connection(
    shop: SandboxShop, discount: CodeDiscount, args: dict[str, Any]
) -> Connection[Any]:
    """The ``codes`` connection of a discount, honouring ``query``/``sortKey``/``reverse``."""
    page = PageArgs.of(args)
    reverse = bool(args.get("reverse"))
    sort_key = args.get("sortKey") or "ID"
    terms = parse_search(args.get("query"))
    codes = shop.codes

    if not terms and sort_key in ("ID", "CREATED_AT"):
        # Hot path: the id list is already in order; only the page is materialised.
        return paginate(
            discount.code_ids,
            lambda i: (i, i),
            page,
            lambda i: redeem_code_view(codes[i]),
            reverse=reverse,
            presorted=True,
        )
    value_of = SORT_VALUE_OF_CODE[sort_key]
    matching = [codes[i] for i in discount.code_ids if code_matches(codes[i], terms)]
    return paginate(
        matching, lambda c: (value_of(c), c.id), page, redeem_code_view, reverse=reverse
    )


def discount_view(shop: SandboxShop, discount: CodeDiscount) -> View:
    """A code discount (one of the four ``DiscountCode*`` types)."""

    def codes(info: GraphQLResolveInfo[Any], **args: Any) -> Connection[Any]:
        return codes_connection(shop, discount, args)

    return {
        "__typename": discount.kind,
        "title": discount.title,
        "status": discount.status,
        "startsAt": iso(discount.starts_at),
        "endsAt": iso(discount.ends_at) if discount.ends_at else None,
        "createdAt": iso(discount.created_at),
        "updatedAt": iso(discount.updated_at),
        "asyncUsageCount": discount.usage,
        "usageLimit": discount.usage_limit,
        "codesCount": {"count": len(discount.code_ids), "precision": "EXACT"},
        "totalSales": money(discount.total_sales, shop.currency),
        "codes": codes,
    }


def discount_node_view(shop: SandboxShop, discount: CodeDiscount) -> View:
    """A ``DiscountNode``."""
    return {"id": gid("DiscountNode", discount.id), "discount": discount_view(shop, discount)}


def code_node_view(shop: SandboxShop, discount: CodeDiscount) -> View:
    """A ``DiscountCodeNode`` (same number as the DiscountNode)."""
    return {
        "id": gid("DiscountCodeNode", discount.id),
        "codeDiscount": discount_view(shop, discount),
    }


def outcome_view(shop: SandboxShop, outcome: CodeOutcome, done: bool) -> View:
    """A ``DiscountRedeemCodeBulkCreationCode``."""
    redeem = shop.codes.get(outcome.redeem_code_id) if outcome.redeem_code_id else None
    return {
        "code": outcome.code,
        "discountRedeemCode": {"id": gid("DiscountRedeemCode", redeem.id), "code": redeem.code}
        if redeem and done
        else None,
        "errors": [
            {"field": ["codes"], "message": e.message, "code": e.code, "extraInfo": None}
            for e in outcome.errors
        ],
    }


def creation_view(shop: SandboxShop, creation: BulkCreation) -> View:
    """A ``DiscountRedeemCodeBulkCreation``; counts are zero until it is done."""
    done = creation.done
    imported = sum(1 for o in creation.outcomes if o.redeem_code_id) if done else 0
    failed = sum(1 for o in creation.outcomes if o.errors) if done else 0
    discount = shop.discounts.get(creation.discount_id)
    numbered = list(enumerate(creation.outcomes))

    def codes(info: GraphQLResolveInfo[Any], **args: Any) -> Connection[Any]:
        return paginate(
            numbered,
            lambda pair: (pair[0], pair[0]),
            PageArgs.of(args),
            lambda pair: outcome_view(shop, pair[1], done),
            reverse=bool(args.get("reverse")),
            presorted=True,
        )

    return {
        "id": gid("DiscountRedeemCodeBulkCreation", creation.id),
        "done": done,
        "codesCount": len(creation.outcomes),
        "importedCount": imported,
        "failedCount": failed,
        "createdAt": iso(creation.created_at),
        "discountCode": code_node_view(shop, discount) if discount else None,
        "codes": codes,
    }


def job_view(job: DeleteJob) -> View:
    """A ``Job``."""
    return {"id": gid("Job", job.id), "done": job.done}


def order_view(shop: SandboxShop, order: Order) -> View:
    """An ``Order``."""
    currency, shown = order.currency, order.presentment_currency
    applications = [
        {"__typename": "DiscountCodeApplication", "index": index, "code": code}
        for index, code in enumerate(order.codes)
    ]
    numbered = list(enumerate(applications))

    def discount_applications(info: GraphQLResolveInfo[Any], **args: Any) -> Connection[Any]:
        return paginate(
            numbered,
            lambda pair: (pair[0], pair[0]),
            PageArgs.of(args),
            lambda pair: pair[1],
            reverse=bool(args.get("reverse")),
            presorted=True,
        )

    # ASSUMPTION: no order edits in the sandbox: the current total is the total less refunds.
    return {
        "id": gid("Order", order.id),
        "name": f"#{order.number}",
        "processedAt": iso(order.processed_at),
        "updatedAt": iso(order.updated_at),
        "cancelledAt": iso(order.cancelled_at) if order.cancelled_at else None,
        "test": order.test,
        "displayFinancialStatus": order.financial_status,
        "discountCode": order.codes[0] if order.codes else None,
        "discountCodes": list(order.codes),
        "email": order.email,
        "customer": {"id": gid("Customer", order.customer_id)} if order.customer_id else None,
        "totalPriceSet": money_bag(order.total, currency, shown),
        "totalRefundedSet": money_bag(order.refunded, currency, shown),
        "currentTotalPriceSet": money_bag(order.total - order.refunded, currency, shown),
        "subtotalPriceSet": money_bag(order.subtotal, currency, shown),
        "totalDiscountsSet": money_bag(order.total_discounts, currency, shown),
        "discountApplications": discount_applications,
    }


def webhook_subscription_view(subscription: Subscription) -> View:
    """A ``WebhookSubscription``."""
    return {
        "id": gid("WebhookSubscription", subscription.id),
        "topic": subscription.topic,
        "uri": subscription.uri,
        "format": "JSON",
        "createdAt": iso(subscription.created_at),
        "updatedAt": iso(subscription.created_at),
    }
