"""How promosync proves who it is to a shop: a static token or the client-credentials grant.

Both implement :class:`Auth`: ``headers()`` gives the headers for the next
request and ``renew(failed)`` is called once when Shopify answers 401 to the
request that carried ``failed``, returning whether a fresh credential is worth a
second try. Renewal replaces only the token that failed, so threads that all got
a 401 for the same token fetch one new token between them, not one each. Secrets never appear in a
``repr``, a log line or an exception.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from integrations.http import json_object
from integrations.shopify.classify import error_for_response
from integrations.shopify.errors import (
    ErrorContext,
    ServerError,
    TransportError,
)
from integrations.urls import redact_url

log = logging.getLogger(__name__)

ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
TOKEN_PATH = "/admin/oauth/access_token"
TOKEN_GRANT_OPERATION = "ClientCredentialsGrant"  # names the token request in errors
# Renew this long before the token's stated expiry, so a request never races it.
RENEW_BEFORE_EXPIRY_SECONDS = 300.0
# ASSUMPTION: Shopify's docs say client-credentials tokens last about 24 hours and the
# response carries ``expires_in``; if it does not, assume 24 hours.
DEFAULT_TOKEN_LIFETIME_SECONDS = 24 * 3600.0

STATIC_TOKEN_HINT = "SHOPIFY_ACCESS_TOKEN"
CLIENT_CREDENTIALS_HINT = "the app's client id and secret (and that the app is installed)"


class Auth(Protocol):
    """Credentials for Admin API requests."""

    credential_hint: str  # what a merchant should check when Shopify answers 401

    def headers(self) -> dict[str, str]:
        """Headers that authenticate the next request (may fetch a token)."""
        ...

    def renew(self, failed: Mapping[str, str]) -> bool:
        """After a 401 to a request sent with headers ``failed``: True if a retry may succeed.

        Drops the credential only if it is still the one that failed.
        """
        ...


class StaticToken:
    """An offline Admin API access token (``shpat_...``) that never changes."""

    def __init__(self, token: str, credential_hint: str = STATIC_TOKEN_HINT) -> None:
        if not token:
            raise ValueError("an access token is required")
        self._token = token
        self.credential_hint = credential_hint

    def headers(self) -> dict[str, str]:
        """The ``X-Shopify-Access-Token`` header."""
        return {ACCESS_TOKEN_HEADER: self._token}

    def renew(self, failed: Mapping[str, str]) -> bool:
        """A static token cannot be renewed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return "StaticToken(token=<redacted>)"


class ClientCredentials:
    """Client-credentials grant: exchange the app's client id + secret for a ~24 h token.

    The token is cached, renewed :data:`RENEW_BEFORE_EXPIRY_SECONDS` before it
    expires and once more when Shopify answers 401. The grant is only available
    to apps of the merchant's own organization installed on their own stores.
    """

    def __init__(
        self,
        *,
        http: httpx.Client,
        token_url: str,
        shop: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
        credential_hint: str = CLIENT_CREDENTIALS_HINT,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("client id and client secret are both required")
        self._http = http
        self._token_url = token_url
        self._shop = shop
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self.credential_hint = credential_hint
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.grants = 0  # how many tokens were fetched, for stats and tests

    def headers(self) -> dict[str, str]:
        """The ``X-Shopify-Access-Token`` header, fetching a token when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = self._fetch()
                self._renew_at = self._clock() + max(0.0, lifetime - RENEW_BEFORE_EXPIRY_SECONDS)
            return {ACCESS_TOKEN_HEADER: self._token}

    def renew(self, failed: Mapping[str, str]) -> bool:
        """Forget the token that failed (compare-and-swap), so the next request fetches one.

        If another thread already replaced it, the current token is fresh: keep it.
        """
        with self._lock:
            if self._token is not None and self._token == failed.get(ACCESS_TOKEN_HEADER):
                self._token = None
        return True

    def _fetch(self) -> tuple[str, float]:
        context = ErrorContext(
            self._shop,
            TOKEN_GRANT_OPERATION,
            self.credential_hint,
            url=redact_url(self._token_url),
        )
        # ASSUMPTION: the endpoint takes the RFC 6749 form-encoded body (Shopify's page lists
        # the three parameters "in the request body"; its Node library sends the same as JSON).
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = self._http.post(
                self._token_url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.TransportError as exc:
            raise TransportError(context, exc) from None
        payload = json_object(response)
        if not response.is_success:
            # Status mapping lives in one place; a 400 "invalid_client" maps to 401 there.
            raise error_for_response(context, response.status_code, response.headers, payload) or (
                ServerError(context.with_response(response.status_code, None), "token grant failed")
            )
        token = (payload or {}).get("access_token")
        if not isinstance(token, str) or not token:
            raise ServerError(context.with_response(response.status_code, None), "no access_token")
        # ASSUMPTION: response is {"access_token": ..., "scope": "a,b", "expires_in": seconds}.
        lifetime = _float_or(payload, "expires_in", DEFAULT_TOKEN_LIFETIME_SECONDS)
        self.grants += 1
        log.info("obtained a Shopify access token for %s (valid %.0fs)", self._shop, lifetime)
        return token, lifetime

    def __repr__(self) -> str:
        return f"ClientCredentials(shop={self._shop!r}, client_id=<redacted>, secret=<redacted>)"


def _float_or(payload: dict[str, Any] | None, key: str, default: float) -> float:
    try:
        return float((payload or {})[key])
    except (KeyError, TypeError, ValueError):
        return default
