"""Root query and mutation fields: read and change the :class:`SandboxShop`.

Every resolver runs while the engine holds the shop's lock, so a request sees
and leaves the shop in one consistent state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo

from .connections import Connection, PageArgs, paginate
from .constants import ACCESS_SCOPES_DOC, MAX_INPUT_ARRAY
from .ids import InvalidGlobalId, gid, parse_gid, parse_numeric_gid
from .model import CodeDiscount, Order
from .search import discount_matches, order_matches, parse_search
from .views import (
    View,
    code_node_view,
    creation_view,
    discount_node_view,
    job_view,
    order_view,
    webhook_subscription_view,
)

if TYPE_CHECKING:
    from .state import SandboxShop

SHOP_NUMBER = 1
INSTALLATION_NUMBER = 1


@dataclass(frozen=True)
class RequestContext:
    """What resolvers know about the request besides its arguments."""

    shop: SandboxShop
    base_url: str  # e.g. http://127.0.0.1:8123, for bulk-operation result URLs


def _context(info: GraphQLResolveInfo[Any]) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def require_scope(info: GraphQLResolveInfo[Any], scope: str) -> SandboxShop:
    """The shop, if the app holds ``scope``; else Shopify's ACCESS_DENIED error."""
    shop = _context(info).shop
    if not shop.has_scope(scope):
        # Shape per shopify.dev changelog "new error messages for GraphQL operations
        # without necessary access scopes". ASSUMPTION: the `requiredAccess` key.
        raise GraphQLError(
            f"Access denied for {info.field_name} field. Required access: `{scope}` access scope.",
            extensions={
                "code": "ACCESS_DENIED",
                "documentation": ACCESS_SCOPES_DOC,
                "requiredAccess": f"`{scope}` access scope.",
            },
        )
    return shop


def invalid_id(error: InvalidGlobalId) -> GraphQLError:
    """Shopify's answer to a gid of the wrong family or a malformed one.

    ASSUMPTION: the research doc could not confirm the exact shape; the sandbox
    answers with a top-level error (the field resolves to null) carrying code
    RESOURCE_NOT_FOUND, so clients must not retry it.
    """
    return GraphQLError(str(error), extensions={"code": "RESOURCE_NOT_FOUND"})


def _numeric_id(value: str, family: str) -> int:
    try:
        return parse_numeric_gid(value, family)
    except InvalidGlobalId as exc:
        raise invalid_id(exc) from exc


def _check_input_size(name: str, values: list[Any] | None) -> None:
    # ASSUMPTION: shopify.dev/docs/api/usage/limits says an input array over 250
    # items "returns an error"; the code name is from observed responses.
    if values is not None and len(values) > MAX_INPUT_ARRAY:
        raise GraphQLError(
            f"The input array size of {len(values)} is greater than the maximum allowed of "
            f"{MAX_INPUT_ARRAY}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "argument": name},
        )


# --- queries ------------------------------------------------------------------


def resolve_shop(_root: object, info: GraphQLResolveInfo[Any]) -> View:
    shop = _context(info).shop
    return {
        "id": gid("Shop", SHOP_NUMBER),
        "name": shop.name,
        "myshopifyDomain": shop.domain,
        "currencyCode": shop.currency,
    }


def resolve_current_app_installation(_root: object, info: GraphQLResolveInfo[Any]) -> View:
    shop = _context(info).shop
    return {
        "id": gid("AppInstallation", INSTALLATION_NUMBER),
        "accessScopes": [{"handle": s, "description": s} for s in sorted(shop.scopes)],
    }


def resolve_discount_node(_root: object, info: GraphQLResolveInfo[Any], id: str) -> View | None:  # noqa: A002
    shop = require_scope(info, "read_discounts")
    discount = shop.discounts.get(_numeric_id(id, "DiscountNode"))
    return discount_node_view(shop, discount) if discount else None


DISCOUNT_SORT: dict[str, Callable[[CodeDiscount], Any]] = {
    "ID": lambda d: d.id,
    "CREATED_AT": lambda d: d.created_at.isoformat(),
    "UPDATED_AT": lambda d: d.updated_at.isoformat(),
    "TITLE": lambda d: d.title.lower(),
}


def discounts_matching(shop: SandboxShop, query: str | None) -> list[CodeDiscount]:
    """The shop's code discounts that pass a ``discountNodes(query:)`` filter."""
    terms = parse_search(query)
    by_code = [t for t in terms if t.field == "code"]
    found = [d for d in shop.discounts.values() if discount_matches(d, terms)]
    for term in by_code:
        redeem = shop.find_code(term.value)
        found = [d for d in found if redeem is not None and redeem.discount_id == d.id]
    return found


def resolve_discount_nodes(
    _root: object, info: GraphQLResolveInfo[Any], **args: Any
) -> Connection[Any]:
    shop = require_scope(info, "read_discounts")
    value_of = DISCOUNT_SORT[args.get("sortKey") or "ID"]
    return paginate(
        discounts_matching(shop, args.get("query")),
        lambda d: (value_of(d), d.id),
        PageArgs.of(args),
        lambda d: discount_node_view(shop, d),
        reverse=bool(args.get("reverse")),
    )


def resolve_code_discount_node_by_code(
    _root: object, info: GraphQLResolveInfo[Any], code: str
) -> View | None:
    shop = require_scope(info, "read_discounts")
    redeem = shop.find_code(code)
    return code_node_view(shop, shop.discounts[redeem.discount_id]) if redeem else None


def resolve_bulk_creation(_root: object, info: GraphQLResolveInfo[Any], id: str) -> View | None:  # noqa: A002
    shop = require_scope(info, "read_discounts")
    creation = shop.creations.get(_numeric_id(id, "DiscountRedeemCodeBulkCreation"))
    if creation is None:
        return None
    creation.polls += 1
    shop.settle()
    return creation_view(shop, creation)


def resolve_job(_root: object, info: GraphQLResolveInfo[Any], id: str) -> View | None:  # noqa: A002
    shop = _context(info).shop
    try:
        job = shop.delete_jobs.get(parse_gid(id, "Job"))
    except InvalidGlobalId as exc:
        raise invalid_id(exc) from exc
    if job is None:
        return None
    job.polls += 1
    shop.settle()
    return job_view(job)


def resolve_bulk_operation(_root: object, info: GraphQLResolveInfo[Any], id: str) -> View | None:  # noqa: A002
    context = _context(info)
    number = _numeric_id(id, "BulkOperation")
    return context.shop.bulk_operations.poll_view(number, context.base_url)


ORDER_SORT: dict[str, Callable[[Order], Any]] = {
    "ID": lambda o: o.id,
    "CREATED_AT": lambda o: o.processed_at.isoformat(),
    "PROCESSED_AT": lambda o: o.processed_at.isoformat(),
    "UPDATED_AT": lambda o: o.updated_at.isoformat(),
}


def resolve_orders(_root: object, info: GraphQLResolveInfo[Any], **args: Any) -> Connection[Any]:
    shop = require_scope(info, "read_orders")
    terms = parse_search(args.get("query"))
    value_of = ORDER_SORT[args.get("sortKey") or "ID"]
    return paginate(
        [o for o in shop.orders.values() if order_matches(o, terms)],
        lambda o: (value_of(o), o.id),
        PageArgs.of(args),
        lambda o: order_view(shop, o),
        reverse=bool(args.get("reverse")),
    )


def resolve_order(_root: object, info: GraphQLResolveInfo[Any], id: str) -> View | None:  # noqa: A002
    shop = require_scope(info, "read_orders")
    order = shop.orders.get(_numeric_id(id, "Order"))
    return None if order is None else order_view(shop, order)


def resolve_webhook_subscriptions(
    _root: object, info: GraphQLResolveInfo[Any], **args: Any
) -> Connection[Any]:
    shop = _context(info).shop
    return paginate(
        list(shop.webhooks.subscriptions.values()),
        lambda s: (s.id, s.id),
        PageArgs.of(args),
        webhook_subscription_view,
        reverse=bool(args.get("reverse")),
    )


#: The scope each subscribable topic needs (Shopify's WebhookSubscriptionTopic docs).
TOPIC_SCOPES = {"DISCOUNTS": "read_discounts", "ORDERS": "read_orders", "REFUNDS": "read_orders"}


def _user_error(field: str, message: str) -> View:
    return {"field": [field], "message": message}


def resolve_webhook_subscription_create(
    _root: object,
    info: GraphQLResolveInfo[Any],
    topic: str,
    webhookSubscription: dict[str, Any],  # noqa: N803
) -> View:
    shop = _context(info).shop
    uri = str(webhookSubscription.get("uri") or "")
    scope = TOPIC_SCOPES.get(topic.partition("_")[0])
    # ASSUMPTION: wording of both errors. Shopify takes only https:// (and pubsub/ARN)
    # addresses; the sandbox also takes http:// so a local promosync can be subscribed.
    if scope is not None and not shop.has_scope(scope):
        message = f"Access denied for {topic} webhook: requires {scope} scope."
        return {"webhookSubscription": None, "userErrors": [_user_error("topic", message)]}
    if not uri.startswith(("https://", "http://")):
        message = "Address is invalid"
        return {"webhookSubscription": None, "userErrors": [_user_error("uri", message)]}
    created = shop.webhooks.subscribe(topic, uri)
    return {"webhookSubscription": webhook_subscription_view(created), "userErrors": []}


def resolve_webhook_subscription_delete(
    _root: object,
    info: GraphQLResolveInfo[Any],
    id: str,  # noqa: A002
) -> View:
    shop = _context(info).shop
    number = _numeric_id(id, "WebhookSubscription")
    if not shop.webhooks.unsubscribe(number):
        message = "Webhook subscription does not exist"  # ASSUMPTION: wording
        return {"deletedWebhookSubscriptionId": None, "userErrors": [_user_error("id", message)]}
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


# --- mutations ----------------------------------------------------------------


def _discount_error(field: str, message: str, code: str) -> View:
    return {"field": [field], "message": message, "code": code, "extraInfo": None}


# ASSUMPTION: wording and code of the "no such discount" user error.
DISCOUNT_MISSING = "Code discount does not exist."


def resolve_bulk_add(
    _root: object,
    info: GraphQLResolveInfo[Any],
    discountId: str,
    codes: list[dict[str, str]],  # noqa: N803
) -> View:
    shop = require_scope(info, "write_discounts")
    # ASSUMPTION (research doc: uncertain): DiscountCodeNode/N names the same
    # discount as DiscountNode/N.
    number = _numeric_id(discountId, "DiscountCodeNode")
    _check_input_size("codes", codes)
    if number not in shop.discounts:
        return {
            "bulkCreation": None,
            "userErrors": [_discount_error("discountId", DISCOUNT_MISSING, "INVALID")],
        }
    creation = shop.start_bulk_creation(number, [c["code"] for c in codes])
    return {"bulkCreation": creation_view(shop, creation), "userErrors": []}


def resolve_bulk_delete(
    _root: object,
    info: GraphQLResolveInfo[Any],
    discountId: str,  # noqa: N803
    ids: list[str] | None = None,
    search: str | None = None,
) -> View:
    shop = require_scope(info, "write_discounts")
    number = _numeric_id(discountId, "DiscountCodeNode")
    _check_input_size("ids", ids)
    code_ids = None if ids is None else [_numeric_id(i, "DiscountRedeemCode") for i in ids]
    if number not in shop.discounts:
        return {
            "job": None,
            "userErrors": [_discount_error("discountId", DISCOUNT_MISSING, "INVALID")],
        }
    if code_ids is None and search is None:
        # ASSUMPTION: wording; Shopify requires one of ids, search, savedSearchId.
        message = "One of ids, search or savedSearchId is required."
        return {"job": None, "userErrors": [_discount_error("ids", message, "MISSING_ARGUMENT")]}
    job = shop.start_delete_job(number, code_ids, search)
    return {"job": job_view(job), "userErrors": []}


def resolve_bulk_operation_run_query(
    _root: object,
    info: GraphQLResolveInfo[Any],
    query: str,
    groupObjects: bool,  # noqa: N803
) -> View:
    context = _context(info)
    return context.shop.bulk_operations.start(query, context.base_url)


QUERY_RESOLVERS: dict[str, Callable[..., Any]] = {
    "shop": resolve_shop,
    "currentAppInstallation": resolve_current_app_installation,
    "discountNode": resolve_discount_node,
    "discountNodes": resolve_discount_nodes,
    "codeDiscountNodeByCode": resolve_code_discount_node_by_code,
    "discountRedeemCodeBulkCreation": resolve_bulk_creation,
    "job": resolve_job,
    "bulkOperation": resolve_bulk_operation,
    "orders": resolve_orders,
    "order": resolve_order,
    "webhookSubscriptions": resolve_webhook_subscriptions,
}

MUTATION_RESOLVERS: dict[str, Callable[..., Any]] = {
    "discountRedeemCodeBulkAdd": resolve_bulk_add,
    "discountCodeRedeemCodeBulkDelete": resolve_bulk_delete,
    "bulkOperationRunQuery": resolve_bulk_operation_run_query,
    "webhookSubscriptionCreate": resolve_webhook_subscription_create,
    "webhookSubscriptionDelete": resolve_webhook_subscription_delete,
}
