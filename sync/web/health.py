"""``GET /healthz`` and ``GET /metrics``: is this process able to work, and how is it doing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from store.db import StoreError
from sync import metrics

if TYPE_CHECKING:
    from sync.web.app import WebContext


def routes(context: WebContext) -> list[BaseRoute]:
    async def healthz(_: Request) -> Response:
        problem = await run_in_threadpool(_database_problem, context)
        body = {"status": "ok" if problem is None else "failing", "database": problem or "ok"}
        return JSONResponse(body, status_code=200 if problem is None else 503)

    async def metrics_page(_: Request) -> Response:
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]


def _database_problem(context: WebContext) -> str | None:
    """None when the database answers a trivial query, else why not (no URL, no secret)."""
    try:
        context.db.ping()
    except StoreError as error:
        return str(error)
    return None
