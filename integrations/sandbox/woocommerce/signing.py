"""WooCommerce's webhook wire format: the JSON body, its signature, the delivery id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def php_json(payload: Any) -> bytes:
    """``wp_json_encode``: compact, ASCII-only, with ``/`` escaped as ``\\/`` like PHP."""
    return (
        json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()
    )


def signature(body: bytes, secret: str) -> str:
    """``X-WC-Webhook-Signature``: base64 of HMAC-SHA256 of the raw body, keyed by the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery_id(webhook_id: int, unix_seconds: int) -> str:
    """``wp_hash($webhook_id . strtotime('now'))``: one value per webhook per second.

    ASSUMPTION: an MD5 hex digest stands in for ``wp_hash`` (an HMAC-MD5 with the
    site's salt); what matters is that two deliveries in one second collide.
    """
    return hashlib.md5(f"{webhook_id}{unix_seconds}".encode(), usedforsecurity=False).hexdigest()
