"""Signed, expiring creator page tokens: HMAC-SHA256 over a random portal id.

A token reads ``<portal_id>.<version>.<expires>.<signature>``:

- ``portal_id``: 22 random URL-safe characters stored with the creator's membership
  (:mod:`store.models_portal`), so a token names nobody that could be guessed or counted;
- ``version``: the membership's token version when signed; revoking bumps it;
- ``expires``: Unix time in hexadecimal after which the token is refused;
- ``signature``: HMAC-SHA256 of the rest under the portal secret, URL-safe base64.

Pure functions; the database checks (portal id known, version current) are in
:mod:`sync.portal`. The standard library's ``hmac`` does all of it: a signing library
(itsdangerous) would add a dependency for the same dozen lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

#: Bytes of randomness in a portal id (128 bits: never guessed, never collides).
PORTAL_ID_BYTES = 16
#: Shortest secret accepted, in characters: 32 URL-safe characters carry 192 bits.
MIN_SECRET_LENGTH = 32
# Domain separation: a signature made for something else with the same secret never
# verifies here, and a future token format changes the prefix.
_PURPOSE = b"promosync creator page v1\n"
_TOKEN = re.compile(
    r"(?P<portal_id>[A-Za-z0-9_-]{22})\.(?P<version>[0-9a-f]{1,8})\."
    r"(?P<expires>[0-9a-f]{1,12})\.(?P<signature>[A-Za-z0-9_-]{43})"
)


@dataclass(frozen=True)
class TokenClaims:
    """What a token says once its signature checked out (expiry not yet judged)."""

    portal_id: str
    version: int
    expires: int  # Unix time


def new_portal_id() -> str:
    """A fresh random portal id (22 URL-safe characters)."""
    return secrets.token_urlsafe(PORTAL_ID_BYTES)


def sign(secret: str, portal_id: str, version: int, expires: int) -> str:
    """The token for ``portal_id`` at ``version``, valid until Unix time ``expires``."""
    body = f"{portal_id}.{version:x}.{expires:x}"
    return f"{body}.{_signature(secret, body)}"


def verify(secret: str, token: str, now: float) -> TokenClaims | None:
    """The claims of ``token`` if it is well formed, signed with ``secret`` and unexpired.

    None for anything else, without saying why: the page answers every refusal alike.
    """
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    body = token[: match.start("signature") - 1]
    if not hmac.compare_digest(_signature(secret, body), match["signature"]):
        return None
    claims = TokenClaims(match["portal_id"], int(match["version"], 16), int(match["expires"], 16))
    return claims if now < claims.expires else None


def _signature(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), _PURPOSE + body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
