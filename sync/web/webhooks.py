"""``POST /webhooks/{platform}``: verify a delivery, store it in the inbox, answer 200.

Nothing is parsed before the signature is checked: the body is read up to
:data:`MAX_BODY_BYTES` (413 beyond, whatever ``Content-Length`` claims), the store
is found by the shop the headers name, and the HMAC of the raw body is compared
with each of the store's webhook secrets. Unknown shop, missing or bad signature:
401, nothing stored, one log line without the body. A verified delivery of a topic
promosync applies is inserted once per delivery id (deliveries arriving together
share a transaction: :mod:`sync.inbox_writer`) and answered once committed; the
inbox processor (:func:`sync.inbox.process_inbox`) applies it later.

A platform without an intake (:func:`sync.shops.webhook_intakes`) answers 404. An
unsigned test delivery the platform expects 200 for (WooCommerce's creation ping,
``webhook_id=N``) is answered 200 and stores nothing.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from store.db import StoreError
from store.models import MAX_DELIVERY_ID_LENGTH, utcnow
from sync import metrics, shops
from sync.config import ConfigError
from sync.inbox_writer import InboxWriter, NewDelivery

if TYPE_CHECKING:
    from sync.web.app import WebContext

log = logging.getLogger(__name__)

#: The largest body accepted (Shopify's order payloads run to tens of KB; 1 MiB is plenty).
MAX_BODY_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


def routes(context: WebContext) -> list[BaseRoute]:
    intakes = shops.webhook_intakes()
    stores = {platform: shops.webhook_stores(context.config, platform) for platform in intakes}

    writer = InboxWriter(context.db)

    async def receive(request: Request) -> Response:
        platform = request.path_params["platform"]
        intake = intakes.get(platform)
        if intake is None:
            return JSONResponse({"error": "no such webhook endpoint"}, status_code=404)
        try:
            body = await _read_capped(request, MAX_BODY_BYTES)
        except _TooLarge:
            return _refuse(platform, 413, "body too large", f"over {MAX_BODY_BYTES} bytes")
        if intake.is_ping(body, request.headers):
            metrics.WEBHOOKS.labels(platform, "ping").inc()
            return JSONResponse({"status": "ping"})
        shop = intake.shop_of(request.headers)
        store = stores[platform].get(shop or "")
        if store is None:
            return _refuse(platform, 401, "unknown shop", f"shop {(shop or 'not named')[:100]!r}")
        try:
            secrets = store.secrets()
        except ConfigError as error:
            return _refuse(platform, 401, "no usable webhook secret", str(error))
        if not secrets:
            return _refuse(platform, 401, "no webhook secret", f"store '{store.name}'")
        if not intake.verify(body, request.headers, secrets):
            return _refuse(platform, 401, "bad signature", f"store '{store.name}'")
        info = intake.delivery(request.headers, body)
        if info is None or len(info.delivery_id) > MAX_DELIVERY_ID_LENGTH:
            return _refuse(platform, 400, "malformed", f"store '{store.name}': delivery headers")
        if info.topic not in intake.topics:
            # Verified but not ours to apply: 200 so the store does not retry it.
            metrics.WEBHOOKS.labels(platform, "ignored").inc()
            log.info("webhook ignored: topic %r from store '%s'", info.topic[:64], store.name)
            return JSONResponse({"status": "ignored"})
        try:
            text = body.decode()
            json.loads(text)
        except ValueError:
            return _refuse(platform, 400, "malformed", f"store '{store.name}': body is not JSON")
        delivery = NewDelivery(
            platform=platform,
            store_name=store.name,
            delivery_id=info.delivery_id,
            event_id=(info.event_id or "")[:MAX_DELIVERY_ID_LENGTH] or None,
            topic=info.topic,
            triggered_at=info.triggered_at or utcnow(),
            body=text,
        )
        try:
            new = await writer.store(delivery)
        except StoreError as error:
            # 503: the store retries the delivery later (8 times over 4 hours for Shopify).
            log.error("webhook not stored (%s): %s", store.name, error)
            metrics.WEBHOOKS.labels(platform, "unavailable").inc()
            return JSONResponse({"error": "database unavailable"}, status_code=503)
        metrics.WEBHOOKS.labels(platform, "stored" if new else "duplicate").inc()
        return JSONResponse({"status": "stored" if new else "duplicate"})

    return [Route("/webhooks/{platform}", receive, methods=["POST"])]


async def _read_capped(request: Request, cap: int) -> bytes:
    """The raw body; :class:`_TooLarge` as soon as it passes ``cap`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(platform: str, status: int, reason: str, detail: str) -> Response:
    """One log line (never the body), a counter, and the status."""
    log.warning("webhook refused (%d %s): %s, %s", status, reason, platform, detail)
    metrics.WEBHOOKS.labels(platform, reason.replace(" ", "_")).inc()
    return JSONResponse({"error": reason}, status_code=status)
