"""The one ASGI application, assembled from the route providers of each feature.

Each feature (health and metrics, webhooks, the creator page) lives in its own
module under ``sync/web/`` and contributes routes through a
:data:`RouteProvider`. The routes only parse HTTP and call the same application
services as the CLI; nothing here touches the database directly.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from store.db import Database
from sync.config import Config
from sync.web import health, portal, webhooks


@dataclass(frozen=True)
class WebContext:
    """What every route provider is given: the loaded configuration and the database."""

    config: Config
    db: Database


#: Given the context, the routes of one feature.
RouteProvider = Callable[[WebContext], Sequence[BaseRoute]]

#: Every feature's routes, in the order they are matched.
PROVIDERS: tuple[RouteProvider, ...] = (health.routes, portal.routes, webhooks.routes)


def create_app(context: WebContext, providers: Sequence[RouteProvider] = PROVIDERS) -> Starlette:
    """The application serving every provider's routes over ``context``."""
    routes = [route for provider in providers for route in provider(context)]
    return Starlette(routes=routes)


def serve(app: ASGIApp, *, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn until stopped (Ctrl-C, SIGTERM): ``promosync serve``'s
    settings, which the webhook benchmark uses too."""
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    )
    # What starting up allocated (modules, schema, configuration) lives as long as the
    # process: frozen, it is no longer rescanned by every full collection, which otherwise
    # stalls requests by tens of milliseconds (webhook benchmark p99: ~50 ms -> ~12 ms).
    gc.freeze()
    server.run()
