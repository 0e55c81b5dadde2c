"""``GET /healthz`` and ``GET /metrics``: is this process able to work, and how is it doing.

``/healthz`` answers 503 when the database does not answer, or when a store's data is
staler than three pull intervals (:mod:`sync.freshness`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from store.db import StoreError
from sync import metrics
from sync.freshness import freshness

if TYPE_CHECKING:
    from sync.web.app import WebContext


def routes(context: WebContext) -> list[BaseRoute]:
    async def healthz(_: Request) -> Response:
        problem = await run_in_threadpool(_database_problem, context)
        stores = {} if problem is not None else await run_in_threadpool(_stores, context)
        stale = sorted(name for name, item in stores.items() if item["stale"])
        healthy = problem is None and not stale
        body: dict[str, object] = {
            "status": "ok" if healthy else "failing",
            "database": problem or "ok",
            "stores": stores,
        }
        if stale:
            body["stale_stores"] = stale
        return JSONResponse(body, status_code=200 if healthy else 503)

    async def metrics_page(_: Request) -> Response:
        page = await run_in_threadpool(generate_latest, metrics.REGISTRY)
        return Response(page, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]


def _stores(context: WebContext) -> dict[str, dict[str, object]]:
    """Per store with linked incentives: age of its oldest last good pull, and if too old."""
    try:
        found = freshness(context.db, context.config)
    except StoreError:
        return {}
    return {
        item.store: {
            "last_sync_age_seconds": None
            if item.age_seconds is None
            else round(item.age_seconds, 1),
            "stale_after_seconds": item.limit_seconds,
            "stale": item.stale,
        }
        for item in found
    }


def _database_problem(context: WebContext) -> str | None:
    """None when the database answers a trivial query, else why not (no URL, no secret)."""
    try:
        context.db.ping()
    except StoreError as error:
        return str(error)
    return None
