"""Authentication and key permissions, as ``WC_REST_Authentication`` decides them over HTTPS.

Order of checks (class-wc-rest-authentication.php):

1. Credentials: ``consumer_key`` + ``consumer_secret`` in the query string
   first, else HTTP Basic. None at all, or an unknown key, is *no error*:
   the request goes on as an anonymous visitor, and the route's permission
   check answers 401 ``woocommerce_rest_cannot_view`` ("Sorry, you cannot list
   resources.") and the like. A known key with a wrong secret answers 401
   ``woocommerce_rest_authentication_error`` "Consumer secret is invalid."
   with a ``WWW-Authenticate: Basic`` header.
2. Key permissions by method: a ``read`` key writing (or a ``write`` key
   reading) answers **401** ``woocommerce_rest_authentication_error``.
3. Route permissions (the user behind the key): anonymous -> 401, a user
   without shop-manager capabilities -> 403 (``rest_authorization_required_code``).

Plain-HTTP OAuth 1.0a is not emulated: the local shop stands in for an HTTPS store.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from .constants import BASIC_REALM
from .errors import WooError
from .model import ApiKey
from .state import SandboxWooShop

READ_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Route permission errors (WC_REST_*_Controller::*_permissions_check).
PERMISSION_ERRORS: dict[str, tuple[str, str]] = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}


def _basic(header: str | None) -> tuple[str, str]:
    if not header or not header.lower().startswith("basic "):
        return "", ""
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def authenticate(
    shop: SandboxWooShop, query: Mapping[str, Any], authorization: str | None
) -> ApiKey | None:
    """The key a request authenticates with, None for an anonymous request.

    Raises :class:`WooError` for a known key with the wrong secret.
    """
    key_id, secret = "", ""
    if query.get("consumer_key") and query.get("consumer_secret"):
        key_id, secret = str(query["consumer_key"]), str(query["consumer_secret"])
    elif not shop.strip_authorization:
        key_id, secret = _basic(authorization)
    if not key_id or not secret:
        return None
    with shop.lock:
        key = shop.keys.get(key_id)
    if key is None:
        return None
    if not hmac.compare_digest(key.consumer_secret.encode(), secret.encode()):
        raise WooError(
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
            401,
            headers={"WWW-Authenticate": f'Basic realm="{BASIC_REALM}"'},
        )
    return key


def check_key_permissions(key: ApiKey | None, method: str) -> None:
    """``check_permissions``: the key's read/write grant against the HTTP method."""
    if key is None:
        return
    if method in READ_METHODS and key.permissions not in ("read", "read_write"):
        raise WooError(
            "woocommerce_rest_authentication_error",
            "The API key provided does not have read permissions.",
            401,
        )
    if method in WRITE_METHODS and key.permissions not in ("write", "read_write"):
        raise WooError(
            "woocommerce_rest_authentication_error",
            "The API key provided does not have write permissions.",
            401,
        )


def check_route_permission(key: ApiKey | None, permission: str) -> None:
    """The route's capability check: 401 for anonymous, 403 for a user who may not."""
    if key is not None and key.user_can_manage:
        return
    code, message = PERMISSION_ERRORS[permission]
    raise WooError(code, message, 401 if key is None else 403)
