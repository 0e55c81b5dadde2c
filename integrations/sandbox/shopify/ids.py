"""Global ids (``gid://shopify/Type/N``) and opaque connection cursors."""

from __future__ import annotations

import base64
import json
from typing import Any

GID_PREFIX = "gid://shopify/"


class InvalidGlobalId(ValueError):
    """A gid that is malformed or names another resource family."""

    def __init__(self, value: str, expected: str) -> None:
        super().__init__(f"Invalid id: {value}")
        self.value = value
        self.expected = expected


def gid(type_name: str, number: int | str) -> str:
    """The global id of resource ``number`` of family ``type_name``."""
    return f"{GID_PREFIX}{type_name}/{number}"


def parse_gid(value: str, expected: str) -> str:
    """The id part of ``value`` if it is a gid of family ``expected``; else raise."""
    head = GID_PREFIX + expected + "/"
    tail = value[len(head) :] if value.startswith(head) else ""
    # Shopify tolerates query parameters on gids (e.g. ``?shop=``); ignore them.
    tail = tail.split("?", 1)[0]
    if not tail or "/" in tail:
        raise InvalidGlobalId(value, expected)
    return tail


def parse_numeric_gid(value: str, expected: str) -> int:
    """The number of a numeric gid of family ``expected``; else raise."""
    tail = parse_gid(value, expected)
    if not tail.isdigit():
        raise InvalidGlobalId(value, expected)
    return int(tail)


def encode_cursor(last_id: int, last_value: Any) -> str:
    """An opaque cursor pointing just after the item with ``last_id``.

    Shopify's cursors are base64 of a small JSON object with the same two keys;
    clients must treat them as opaque, and the sandbox does not promise more.
    """
    raw = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


class InvalidCursor(ValueError):
    """A cursor that this sandbox did not issue."""


def decode_cursor(cursor: str) -> tuple[int, Any]:
    """The ``(last_id, last_value)`` a cursor from :func:`encode_cursor` holds."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(raw["last_id"]), raw["last_value"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor(cursor) from exc
