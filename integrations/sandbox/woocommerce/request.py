"""One REST request as the routes see it: method, route, merged parameters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .errors import WooError


def parse_query(query: str) -> dict[str, Any]:
    """PHP-style query parsing: ``a[]=1&a[]=2`` is a list, otherwise the last value wins."""
    params: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name.endswith("[]"):
            params.setdefault(name[:-2], []).append(value)
        else:
            params[name] = value
    return params


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """A JSON object or a form body; WordPress answers 400 ``rest_invalid_json`` otherwise."""
    if not raw:
        return {}
    if "json" in content_type:
        try:
            parsed = json.loads(raw)
        except ValueError as error:
            raise WooError(
                "rest_invalid_json",
                "Invalid JSON body passed.",
                400,
                {"json_error_code": 4, "json_error_message": str(error)},
            ) from None
        return parsed if isinstance(parsed, dict) else {}
    return parse_query(raw.decode(errors="replace"))


@dataclass
class RestRequest:
    """``params`` are query then body parameters merged, the body winning (as for POST/PUT)."""

    method: str
    route: str  # after /wp-json/wc/v3, e.g. "/coupons/12"
    query: dict[str, Any]
    body: dict[str, Any]
    query_string: str = ""
    params: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.params = {**self.query, **self.body}

    def get(self, name: str, default: Any = None) -> Any:
        """A parameter from the body or the query string."""
        return self.params.get(name, default)


def flag(params: Mapping[str, Any], name: str) -> bool:
    """A boolean query parameter (``force=true``, ``force=1``)."""
    value = params.get(name)
    return value is True or str(value).lower() in ("true", "1")
