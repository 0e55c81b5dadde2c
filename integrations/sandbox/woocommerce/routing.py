"""Routes: which handler answers a method and path, and with which permission."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import WooError
from .request import RestRequest

if TYPE_CHECKING:
    from .delivery import WebhookDeliveries
    from .state import SandboxWooShop


@dataclass
class Reply:
    """A successful answer: status, JSON body, extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What handlers reach: the shop and its webhook deliveries."""

    shop: SandboxWooShop
    deliveries: WebhookDeliveries


Handler = Callable[[Context, RestRequest, dict[str, str]], Reply]


@dataclass(frozen=True)
class Route:
    """``pattern`` matches the path after ``/wp-json/wc/v3``; ``name`` labels faults and stats."""

    method: str
    pattern: re.Pattern[str]
    name: str
    permission: str
    handler: Handler


def route(method: str, path: str, name: str, permission: str, handler: Handler) -> Route:
    """A route for ``path``; ``{id}``/``{order_id}`` match digits, other placeholders a slug."""

    def placeholder(found: re.Match[str]) -> str:
        name = found.group(1)
        kind = r"\d+" if name == "id" or name.endswith("_id") else r"[\w-]+"
        return f"(?P<{name}>{kind})"

    regex = re.sub(r"\{(\w+)\}", placeholder, path)
    return Route(method, re.compile(f"^{regex}/?$"), name, permission, handler)


def no_route() -> WooError:
    """WordPress's answer for a path or method no route serves."""
    return WooError("rest_no_route", "No route was found matching the URL and request method.", 404)


def find(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route serving ``method path`` and its captured ids; raises ``rest_no_route``."""
    for candidate in routes:
        if candidate.method == method:
            matched = candidate.pattern.match(path)
            if matched:
                return candidate, matched.groupdict()
    raise no_route()
