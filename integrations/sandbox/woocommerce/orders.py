"""``/orders``, ``/orders/{id}`` and ``/orders/{order_id}/refunds`` (read only).

``status`` takes one status, a comma list or ``status[]=``; the default
``any`` is every status but ``trash``. Orders carry ``coupon_lines`` and
``refunds`` (totals negative); the order ``total`` stays what was paid.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from .constants import API_PREFIX, ORDER_STATUSES
from .errors import WooError, invalid_params
from .listing import Columns, page_headers, paginate, parse_list_query, select
from .model import Order
from .request import RestRequest
from .routing import Context, Reply, Route, route
from .views import order_json, refund_json

COLUMNS = Columns(
    id=attrgetter("id"),
    title=lambda o: str(o.id),
    text=lambda o: f"{o.id} {o.billing_email} " + " ".join(line.code for line in o.coupon_lines),
    created=attrgetter("date_created"),
    modified=attrgetter("date_modified"),
)
STATUS_CHOICES = ("any", "trash", *ORDER_STATUSES)


def _statuses(value: Any) -> set[str]:
    wanted = value if isinstance(value, list) else str(value).split(",")
    names = [str(s).strip() for s in wanted if str(s).strip()]
    problems = {
        f"status[{i}]": (
            "rest_not_in_enum",
            f"status[{i}] is not one of {', '.join(STATUS_CHOICES[:-1])}, "
            f"and {STATUS_CHOICES[-1]}.",
        )
        for i, name in enumerate(names)
        if name not in STATUS_CHOICES
    }
    if problems:
        raise invalid_params(problems)
    chosen = set(names) or {"any"}
    if "any" in chosen:
        chosen |= set(ORDER_STATUSES)
    return chosen


def list_orders(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``GET /orders``."""
    query = parse_list_query(req.params)
    statuses = _statuses(req.get("status") or "any")
    customer = req.get("customer")
    shop = ctx.shop
    with shop.lock:
        candidates = [
            o
            for o in shop.orders.values()
            if o.status in statuses and (customer in (None, "") or str(o.customer_id) == customer)
        ]
        page = paginate(select(candidates, query, COLUMNS, shop.timezone), query)
        body = [order_json(o, shop.site) for o in page.items]
    return Reply(200, body, page_headers(page, f"{shop.home_url}{API_PREFIX}/orders", req.query))


def _order(ctx: Context, ident: str, code: str, message: str) -> Order:
    found = ctx.shop.orders.get(int(ident))
    if found is None:
        raise WooError(code, message, 404)
    return found


def get_order(ctx: Context, _req: RestRequest, ids: dict[str, str]) -> Reply:
    """``GET /orders/{id}``."""
    with ctx.shop.lock:
        order = _order(ctx, ids["id"], "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return Reply(200, order_json(order, ctx.shop.site))


def list_refunds(ctx: Context, _req: RestRequest, ids: dict[str, str]) -> Reply:
    """``GET /orders/{order_id}/refunds`` (newest first, amounts positive).

    ASSUMPTION: an unknown order answers 404 ``woocommerce_rest_invalid_order_id``.
    """
    with ctx.shop.lock:
        order = _order(
            ctx, ids["order_id"], "woocommerce_rest_invalid_order_id", "Invalid order ID."
        )
        body = [refund_json(order, r, ctx.shop.site) for r in order.refunds]
    count = str(len(body))
    return Reply(200, body, {"X-WP-Total": count, "X-WP-TotalPages": "1" if body else "0"})


ROUTES: list[Route] = [
    route("GET", "/orders", "orders.list", "list", list_orders),
    route("GET", "/orders/{id}", "orders.get", "view", get_order),
    route("GET", "/orders/{order_id}/refunds", "refunds.list", "list", list_refunds),
]
