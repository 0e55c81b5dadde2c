"""``GET /c/{token}``: a creator's own page, opened by a signed link (:mod:`sync.portal`).

Every token that opens nothing (malformed, forged, expired, revoked, unknown) gets the
same 404 page, so links cannot be told apart or enumerated. Every answer forbids caching
and referrers, since the page may hold a code.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from sync import metrics, portal
from sync.config import ConfigError
from sync.creators import CreatorView
from sync.web.portal_page import CONTENT_SECURITY_POLICY, creator_page, not_found_page

if TYPE_CHECKING:
    from sync.web.app import WebContext

log = logging.getLogger(__name__)

#: The status of every link that opens nothing.
NOT_FOUND = 404
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def routes(context: WebContext) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        token = request.path_params["token"]
        view = await run_in_threadpool(_open, context, token)
        if view is None:
            metrics.PORTAL_PAGES.labels("refused").inc()
            return HTMLResponse(not_found_page(), status_code=NOT_FOUND, headers=HEADERS)
        metrics.PORTAL_PAGES.labels("shown").inc()
        return HTMLResponse(creator_page(view), headers=HEADERS)

    # ``path``: even a "token" with a slash gets the one refusal page, not the router's 404.
    return [Route(portal.PAGE_PREFIX + "{token:path}", page, methods=["GET"])]


def _open(context: WebContext, token: str) -> CreatorView | None:
    try:
        return portal.open_page(context.db, context.config, token)
    except ConfigError as error:
        # The secret's variable is missing in the server's environment: no link can
        # open, and the operator learns why from the log (the message names no value).
        log.error("creator pages cannot open: %s", error)
        return None
