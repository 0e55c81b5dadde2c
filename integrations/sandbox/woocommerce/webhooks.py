"""``/webhooks`` and ``/webhooks/{id}`` (WC_REST_Webhooks_Controller).

Create needs a valid ``topic`` (``coupon.created``... or ``action.<hook>``)
and a ``delivery_url`` starting with http:// or https://; it answers 201 with
the secret (``edit`` context) and queues the unsigned ping. GET hides the
secret. DELETE needs ``force=true`` (501 ``woocommerce_rest_trash_not_supported``
otherwise). Unlike WordPress's ``wp_safe_remote_post``, loopback delivery
URLs are allowed: everything here is on loopback.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from .constants import API_PREFIX, WEBHOOK_EVENTS, WEBHOOK_RESOURCES, WEBHOOK_STATUSES
from .errors import WooError
from .listing import Columns, page_headers, paginate, parse_list_query, select
from .model import Webhook
from .request import RestRequest, flag
from .routing import Context, Reply, Route, route
from .views import webhook_json

POST_TYPE = "webhook"
COLUMNS = Columns(
    id=attrgetter("id"),
    title=lambda w: w.name,
    text=lambda w: w.name,
    created=attrgetter("date_created"),
    modified=attrgetter("date_modified"),
)


def valid_topic(topic: str) -> bool:
    """``wc_is_webhook_valid_topic``: a known resource.event, or ``action.<hook>``."""
    resource, _, event = topic.lower().partition(".")
    if resource == "action":
        return bool(event)
    return resource in WEBHOOK_RESOURCES and event in WEBHOOK_EVENTS


def valid_url(url: Any) -> bool:
    """``wc_is_valid_url``: an http(s) URL with a host."""
    text = str(url or "")
    scheme, _, rest = text.partition("://")
    return scheme in ("http", "https") and bool(rest.split("/", 1)[0])


def _invalid_id(status: int, message: str = "Invalid ID.") -> WooError:
    return WooError(f"woocommerce_rest_{POST_TYPE}_invalid_id", message, status)


def _get(ctx: Context, ident: str, status: int, message: str = "Invalid ID.") -> Webhook:
    found = ctx.shop.webhooks.get(int(ident))
    if found is None:
        raise _invalid_id(status, message)
    return found


def list_webhooks(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``GET /webhooks[?status=active]``."""
    query = parse_list_query(req.params)
    wanted = str(req.get("status") or "all")
    shop = ctx.shop
    with shop.lock:
        candidates = [w for w in shop.webhooks.values() if wanted in ("all", w.status)]
        page = paginate(select(candidates, query, COLUMNS, shop.timezone), query)
        body = [webhook_json(w, shop.site) for w in page.items]
    return Reply(200, body, page_headers(page, f"{shop.home_url}{API_PREFIX}/webhooks", req.query))


def get_webhook(ctx: Context, _req: RestRequest, ids: dict[str, str]) -> Reply:
    """``GET /webhooks/{id}`` (no secret)."""
    with ctx.shop.lock:
        return Reply(200, webhook_json(_get(ctx, ids["id"], 400, "ID is invalid."), ctx.shop.site))


def create_webhook(ctx: Context, req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``POST /webhooks``: 201, the secret, and the ping queued."""
    if req.get("id"):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_exists", f"Cannot create existing {POST_TYPE}.", 400
        )
    topic = str(req.get("topic") or "")
    if not topic or not valid_topic(topic):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_invalid_topic",
            "Webhook topic is required and must be valid.",
            400,
        )
    if not valid_url(req.get("delivery_url")):
        raise WooError(
            f"woocommerce_rest_{POST_TYPE}_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting with http:// or https://.",
            400,
        )
    shop = ctx.shop
    webhook = shop.add_webhook(
        topic,
        str(req.get("delivery_url")),
        secret=str(req.get("secret") or "") or None,
        name=str(req.get("name") or ""),
    )
    if req.get("status") in WEBHOOK_STATUSES:
        webhook.status = str(req.get("status"))
    ctx.deliveries.ping(webhook)
    location = f"{shop.home_url}{API_PREFIX}/webhooks/{webhook.id}"
    return Reply(201, webhook_json(webhook, shop.site, edit=True), {"Location": location})


def update_webhook(ctx: Context, req: RestRequest, ids: dict[str, str]) -> Reply:
    """``PUT /webhooks/{id}``: topic, delivery URL, secret, status, name."""
    shop = ctx.shop
    with shop.lock:
        webhook = _get(ctx, ids["id"], 400, "ID is invalid.")
        topic, url, status = req.get("topic"), req.get("delivery_url"), req.get("status")
        if topic and not valid_topic(str(topic)):
            raise WooError(
                f"woocommerce_rest_{POST_TYPE}_invalid_topic", "Webhook topic must be valid.", 400
            )
        if url and not valid_url(url):
            raise WooError(
                f"woocommerce_rest_{POST_TYPE}_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                400,
            )
        if status and str(status).lower() not in WEBHOOK_STATUSES:
            raise WooError(
                f"woocommerce_rest_{POST_TYPE}_invalid_status", "Webhook status must be valid.", 400
            )
        webhook.topic = str(topic or webhook.topic)
        webhook.delivery_url = str(url or webhook.delivery_url)
        webhook.secret = str(req.get("secret") or webhook.secret)
        webhook.name = str(req.get("name") or webhook.name)
        if status:
            webhook.status = str(status).lower()
            webhook.failure_count = 0
        webhook.date_modified = shop.now()
        return Reply(200, webhook_json(webhook, shop.site, edit=True))


def delete_webhook(ctx: Context, req: RestRequest, ids: dict[str, str]) -> Reply:
    """``DELETE /webhooks/{id}?force=true``."""
    if not flag(req.params, "force"):
        raise WooError(
            "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501
        )
    shop = ctx.shop
    with shop.lock:
        webhook = _get(ctx, ids["id"], 404)
        body = webhook_json(webhook, shop.site, edit=True)
        del shop.webhooks[webhook.id]
    return Reply(200, body)


ROUTES: list[Route] = [
    route("GET", "/webhooks", "webhooks.list", "list", list_webhooks),
    route("POST", "/webhooks", "webhooks.create", "create", create_webhook),
    route("GET", "/webhooks/{id}", "webhooks.get", "view", get_webhook),
    route("PUT", "/webhooks/{id}", "webhooks.update", "edit", update_webhook),
    route("PATCH", "/webhooks/{id}", "webhooks.update", "edit", update_webhook),
    route("POST", "/webhooks/{id}", "webhooks.update", "edit", update_webhook),
    route("DELETE", "/webhooks/{id}", "webhooks.delete", "delete", delete_webhook),
]
