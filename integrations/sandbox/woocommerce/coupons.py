"""``/coupons``, ``/coupons/{id}`` and ``/coupons/batch`` (WC_REST_Coupons_Controller).

Faithful details: codes saved through ``wc_format_coupon_code`` (lower-cased
unless the store turned that off); a code that a *published* coupon already
has, in any case, answers 400 ``woocommerce_rest_coupon_code_already_exists``;
DELETE without ``force`` trashes (the answer shows the coupon as it was
before), a second trash answers 410, ``force=true`` deletes for good; batch
deletes are always forced; a batch over the limit answers 413 before any item.
The list shows every status except ``trash`` unless ``status`` asks for it.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from .constants import API_PREFIX, COUPON_POST_TYPE, COUPON_STATUSES
from .coupon_input import coupon_changes, require_code
from .errors import WooError
from .listing import Columns, page_headers, paginate, parse_list_query, select
from .model import Coupon
from .request import RestRequest, flag
from .routing import Context, Reply, Route, route
from .views import Json, coupon_json

COLUMNS = Columns(
    id=attrgetter("id"),
    title=lambda c: c.code,
    text=lambda c: f"{c.code} {c.description}",
    created=attrgetter("date_created"),
    modified=attrgetter("date_modified"),
)


def _invalid_id(status: int) -> WooError:
    return WooError(f"woocommerce_rest_{COUPON_POST_TYPE}_invalid_id", "Invalid ID.", status)


def _statuses(value: Any) -> set[str]:
    wanted = value if isinstance(value, list) else str(value).split(",")
    names = {str(s).strip() for s in wanted if str(s).strip()}
    if "any" in names or "all" in names:
        names |= set(COUPON_STATUSES) - {"trash"}
    return names


def list_coupons(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``GET /coupons``: filters, order, page, and the totals headers."""
    query = parse_list_query(req.params)
    shop = ctx.shop
    with shop.lock:
        statuses = _statuses(req.get("status") or "any")
        candidates = [c for c in shop.coupons.values() if c.status in statuses]
        if req.get("code"):
            found = shop.published_coupon_id(str(req.get("code")))
            candidates = [c for c in candidates if c.id == found]
        ordered = select(candidates, query, COLUMNS, shop.timezone)
        page = paginate(ordered, query)
        body = [coupon_json(c, shop.site) for c in page.items]
    url = f"{shop.home_url}{API_PREFIX}/coupons"
    return Reply(200, body, page_headers(page, url, req.query))


def _get(ctx: Context, ident: str, missing_status: int) -> Coupon:
    found = ctx.shop.coupons.get(int(ident))
    if found is None:
        raise _invalid_id(missing_status)
    return found


def get_coupon(ctx: Context, _req: RestRequest, ids: dict[str, str]) -> Reply:
    """``GET /coupons/{id}`` (trashed coupons too, with status ``trash``)."""
    with ctx.shop.lock:
        return Reply(200, coupon_json(_get(ctx, ids["id"], 404), ctx.shop.site))


def create(ctx: Context, item: dict[str, Any]) -> Json:
    """Create one coupon from a request body; raises ``WooError`` as the API answers."""
    shop = ctx.shop
    if item.get("id"):
        raise WooError(
            f"woocommerce_rest_{COUPON_POST_TYPE}_exists",
            f"Cannot create existing {COUPON_POST_TYPE}.",
            400,
        )
    require_code(item)
    changes = coupon_changes(item, shop.timezone)
    with shop.lock:  # the duplicate check and the insert are one step
        if shop.published_coupon_id(changes["code"]):
            raise _code_exists()
        return coupon_json(shop.insert_coupon(changes), shop.site)


def _code_exists() -> WooError:
    return WooError(
        "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400
    )


def create_coupon(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``POST /coupons``: 201 with ``Location``."""
    body = create(ctx, req.params)
    location = f"{ctx.shop.home_url}{API_PREFIX}/coupons/{body['id']}"
    return Reply(201, body, {"Location": location})


def update(ctx: Context, ident: Any, item: dict[str, Any]) -> Json:
    """Change one coupon; unknown id answers 400 (WooCommerce's update does)."""
    shop = ctx.shop
    changes = coupon_changes(item, shop.timezone)
    with shop.lock:
        coupon = _get(ctx, str(int(ident or 0)), 400)
        if "code" in changes and shop.published_coupon_id(changes["code"], exclude=coupon.id):
            raise _code_exists()
        shop.change_coupon(coupon, changes)
        return coupon_json(coupon, shop.site)


def update_coupon(ctx: Context, req: RestRequest, ids: dict[str, str]) -> Reply:
    """``PUT /coupons/{id}``."""
    return Reply(200, update(ctx, ids["id"], req.params))


def delete(ctx: Context, ident: int, force: bool) -> Json:
    """Trash, or with ``force`` delete; answers the coupon as it was before."""
    shop = ctx.shop
    with shop.lock:
        coupon = _get(ctx, str(ident), 404)
        before = coupon_json(coupon, shop.site)
        if force:
            shop.delete_coupon(coupon.id)
        elif coupon.status == "trash":
            raise WooError(
                "woocommerce_rest_already_trashed",
                f"The {COUPON_POST_TYPE} has already been deleted.",
                410,
            )
        else:
            shop.trash_coupon(coupon.id)
        return before


def delete_coupon(ctx: Context, req: RestRequest, ids: dict[str, str]) -> Reply:
    """``DELETE /coupons/{id}[?force=true]``."""
    return Reply(200, delete(ctx, int(ids["id"]), flag(req.params, "force")))


def _item_error(ident: Any, error: WooError) -> Json:
    return {
        "id": ident,
        "error": {k: v for k, v in error.body().items()},
    }


def batch_coupons(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``POST /coupons/batch``: create, then update, then delete; errors per item."""
    wanted = {k: req.get(k) or [] for k in ("create", "update", "delete")}
    total = sum(len(v) for v in wanted.values() if isinstance(v, list))
    limit = ctx.shop.batch_limit
    if total > limit:
        raise WooError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {limit} items for this request.",
            413,
        )
    answer: dict[str, list[Json]] = {}
    for item in wanted["create"]:
        try:
            answer.setdefault("create", []).append(create(ctx, dict(item)))
        except WooError as error:
            answer.setdefault("create", []).append(_item_error(0, error))
    for item in wanted["update"]:
        ident = item.get("id", 0)
        try:
            answer.setdefault("update", []).append(update(ctx, ident, dict(item)))
        except WooError as error:
            answer.setdefault("update", []).append(_item_error(ident, error))
    for raw in wanted["delete"]:
        ident = int(raw) if str(raw).isdigit() else 0
        if ident == 0:
            continue
        try:
            answer.setdefault("delete", []).append(delete(ctx, ident, True))
        except WooError as error:
            answer.setdefault("delete", []).append(_item_error(ident, error))
    return Reply(200, answer)


ROUTES: list[Route] = [
    route("GET", "/coupons", "coupons.list", "list", list_coupons),
    route("POST", "/coupons", "coupons.create", "create", create_coupon),
    route("POST", "/coupons/batch", "coupons.batch", "batch", batch_coupons),
    route("PUT", "/coupons/batch", "coupons.batch", "batch", batch_coupons),
    route("PATCH", "/coupons/batch", "coupons.batch", "batch", batch_coupons),
    route("GET", "/coupons/{id}", "coupons.get", "view", get_coupon),
    route("PUT", "/coupons/{id}", "coupons.update", "edit", update_coupon),
    route("PATCH", "/coupons/{id}", "coupons.update", "edit", update_coupon),
    route("POST", "/coupons/{id}", "coupons.update", "edit", update_coupon),
    route("DELETE", "/coupons/{id}", "coupons.delete", "delete", delete_coupon),
]
