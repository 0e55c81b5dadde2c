"""Access tokens: the shop's static offline token plus expiring client-credential tokens."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta

from .clock import Clock

STATIC_TOKEN_PREFIX = "shpat_"
TOKEN_RANDOM_BYTES = 16


def new_token() -> str:
    """A fresh token in Shopify's offline-token shape."""
    return STATIC_TOKEN_PREFIX + secrets.token_hex(TOKEN_RANDOM_BYTES)


class TokenRegistry:
    """Which tokens the shop accepts, and until when (``None``: forever)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._expiry: dict[str, datetime | None] = {}
        self._lock = threading.Lock()

    def add(self, token: str, ttl_seconds: float | None = None) -> str:
        """Accept ``token``; with a ttl it stops working after that many seconds."""
        expiry = None if ttl_seconds is None else self._clock() + timedelta(seconds=ttl_seconds)
        with self._lock:
            self._expiry[token] = expiry
        return token

    def revoke(self, token: str) -> None:
        """Stop accepting ``token`` (as when a merchant uninstalls the app)."""
        with self._lock:
            self._expiry.pop(token, None)

    def is_valid(self, token: str | None) -> bool:
        """Whether a request carrying ``token`` is authenticated right now."""
        if not token:
            return False
        with self._lock:
            if token not in self._expiry:
                return False
            expiry = self._expiry[token]
        return expiry is None or self._clock() < expiry
