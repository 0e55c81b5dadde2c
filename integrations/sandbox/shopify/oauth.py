"""``POST /admin/oauth/access_token`` with ``grant_type=client_credentials``.

Shape per shopify.dev .../client-credentials-grant: the app's client id and
secret are exchanged for ``{"access_token", "scope", "expires_in"}``; the
token lasts about 24 hours and there is no refresh token.
"""

from __future__ import annotations

from .constants import CLIENT_CREDENTIALS_TTL_SECONDS, GRANT_TYPE_CLIENT_CREDENTIALS
from .state import SandboxShop

# ASSUMPTION: OAuth 2.0 (RFC 6749 §5.2) error bodies; Shopify's exact texts are undocumented.
INVALID_CLIENT: dict[str, object] = {
    "error": "invalid_client",
    "error_description": "Client authentication failed.",
}
UNSUPPORTED_GRANT: dict[str, object] = {
    "error": "unsupported_grant_type",
    "error_description": "The grant type is not supported.",
}


def client_credentials_grant(
    shop: SandboxShop, form: dict[str, str]
) -> tuple[int, dict[str, object]]:
    """HTTP status and JSON body answering a token request."""
    if form.get("grant_type") != GRANT_TYPE_CLIENT_CREDENTIALS:
        return 400, UNSUPPORTED_GRANT
    if form.get("client_id") != shop.client_id or form.get("client_secret") != shop.client_secret:
        return 401, INVALID_CLIENT
    token = shop.issue_token(CLIENT_CREDENTIALS_TTL_SECONDS)
    return 200, {
        "access_token": token,
        "scope": ",".join(sorted(shop.scopes)),
        "expires_in": CLIENT_CREDENTIALS_TTL_SECONDS,
    }
