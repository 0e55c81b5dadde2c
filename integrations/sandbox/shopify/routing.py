"""Many shops behind one server, and which one a request is for.

The real client calls ``https://{shop}/admin/api/2026-10/graphql.json``: the shop is
the ``Host``. On loopback every shop shares one ``host:port``, so a shop is also named
by its domain as the first path segment, ``http://127.0.0.1:PORT/{shop}/admin/api/...``
(each shop's ``admin_api_url``). A request that names no shop goes to the first shop
served, which keeps the single-shop URLs working. Each shop keeps its own state:
tokens, discounts and codes, orders, bulk operations and its cost bucket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from .engine import GraphQLEndpoint
from .state import SandboxShop


@dataclass(frozen=True)
class Served:
    """A shop and the GraphQL endpoint answering for it."""

    shop: SandboxShop
    endpoint: GraphQLEndpoint


@dataclass(frozen=True)
class Route:
    """Where a request goes: ``served`` is None for a shop that is not served here."""

    served: Served | None
    path: str  # the path below the shop's prefix, e.g. /admin/api/2026-10/graphql.json
    prefix: str  # "/{shop}" when the path named the shop, else ""
    named: bool  # whether the path or Host named the shop (else: the first shop)


class ShopDirectory:
    """The shops one server answers for, by domain (thread-safe; shops can be added live)."""

    def __init__(self, make_endpoint: Callable[[SandboxShop], GraphQLEndpoint]) -> None:
        self._make_endpoint = make_endpoint
        self._by_domain: dict[str, Served] = {}
        self._first: Served | None = None
        self._lock = threading.Lock()

    def add(self, shop: SandboxShop) -> Served:
        """Serve ``shop`` too; a domain can be served once."""
        domain = shop.domain.lower()
        served = Served(shop, self._make_endpoint(shop))
        with self._lock:
            if domain in self._by_domain:
                raise ValueError(f"shop {shop.domain} is already served here")
            self._by_domain[domain] = served
            self._first = self._first or served
        return served

    @property
    def first(self) -> Served:
        if self._first is None:
            raise LookupError("no shop is served")
        return self._first

    def shops(self) -> list[SandboxShop]:
        """Every shop served, in the order added."""
        with self._lock:
            return [s.shop for s in self._by_domain.values()]

    def get(self, domain: str) -> Served | None:
        with self._lock:
            return self._by_domain.get(domain.lower())

    def by_client_id(self, client_id: str | None) -> Served | None:
        """The shop whose app has this client id (token requests name no shop in the URL)."""
        with self._lock:
            return next(
                (s for s in self._by_domain.values() if s.shop.client_id == client_id), None
            )

    def route(self, path: str, host: str | None) -> Route:
        """The shop a request for ``path`` with ``Host: host`` is for."""
        first, _, rest = path.lstrip("/").partition("/")
        if "." in first:  # a domain: API paths begin with "admin" or "bulk-results"
            return Route(self.get(first), "/" + rest, "/" + first, True)
        by_host = self.get(_host_name(host or ""))
        if by_host is not None:
            return Route(by_host, path, "", True)
        return Route(self.first, path, "", False)


def _host_name(host: str) -> str:
    """``shop.myshopify.com`` of ``shop.myshopify.com:443`` (IPv6 literals never match)."""
    return host.rsplit(":", 1)[0] if not host.startswith("[") else host
