"""Validating the writable coupon fields of a request, as WordPress's schema check does.

A wrong type answers 400 ``rest_invalid_param`` naming the field, before
anything changes; read-only fields (``id``, ``usage_count``, ``used_by``,
dates other than expiry) are ignored, as WooCommerce ignores them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from .constants import COUPON_STATUSES, DISCOUNT_TYPES
from .errors import WooError, invalid_params

Problem = tuple[str, str]


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem: Problem = (code, message)


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("rest_invalid_type", f"{name} is not of type string.")
    return value


def _decimal_string(name: str, value: Any) -> Decimal:
    text = _string(name, value)
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        raise _Invalid("rest_invalid_type", f"{name} is not a numeric string.") from None


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int) and str(value).lower() in ("true", "1", "false", "0"):
        return str(value).lower() in ("true", "1")
    raise _Invalid("rest_invalid_type", f"{name} is not of type boolean.")


def _integer_or_null(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Invalid("rest_invalid_type", f"{name} is not of type integer.")
    try:
        return int(value)
    except ValueError:
        raise _Invalid("rest_invalid_type", f"{name} is not of type integer.") from None


def _ids(name: str, value: Any) -> list[int]:
    if not isinstance(value, list):
        raise _Invalid("rest_invalid_type", f"{name} is not of type array.")
    out: list[int] = []
    for index, item in enumerate(value):
        number = _integer_or_null(f"{name}[{index}]", item)
        if number is not None:
            out.append(number)
    return out


def _strings(name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid("rest_invalid_type", f"{name} is not of type array.")
    return [_string(f"{name}[{i}]", item) for i, item in enumerate(value)]


def _one_of(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        text = _string(name, value)
        if text not in choices:
            listed = ", ".join(choices[:-1]) + f", and {choices[-1]}"
            raise _Invalid("rest_not_in_enum", f"{name} is not one of {listed}.")
        return text

    return check


def _meta(name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("key"), str) for m in value
    ):
        raise _Invalid("rest_invalid_type", f"{name} is not of type array.")
    return [dict(m) for m in value]


def parse_date(name: str, value: Any, default_tz: tzinfo) -> datetime | None:
    """An ISO 8601 date; without an offset it is read in ``default_tz``. None clears."""
    if value is None or value == "":
        return None
    text = _string(name, value)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _Invalid("rest_invalid_date", "Invalid date.") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)


FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "code": _string,
    "amount": _decimal_string,
    "status": _one_of(COUPON_STATUSES),
    "discount_type": _one_of(DISCOUNT_TYPES),
    "description": _string,
    "individual_use": _boolean,
    "product_ids": _ids,
    "excluded_product_ids": _ids,
    "usage_limit": _integer_or_null,
    "usage_limit_per_user": _integer_or_null,
    "limit_usage_to_x_items": _integer_or_null,
    "free_shipping": _boolean,
    "product_categories": _ids,
    "excluded_product_categories": _ids,
    "exclude_sale_items": _boolean,
    "minimum_amount": _decimal_string,
    "maximum_amount": _decimal_string,
    "email_restrictions": _strings,
    "meta_data": _meta,
}


def coupon_changes(request: Mapping[str, Any], site_tz: tzinfo) -> dict[str, Any]:
    """The validated writable fields present in ``request`` (``date_expires`` as a datetime).

    Raises :class:`WooError` (400 ``rest_invalid_param``) naming every bad field.
    """
    changes: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for name, check in FIELDS.items():
        if name in request and request[name] is not None:
            try:
                changes[name] = check(name, request[name])
            except _Invalid as bad:
                problems[name] = bad.problem
    # date_expires_gmt wins over date_expires when both are sent (it is applied last).
    for name, tz in (("date_expires", site_tz), ("date_expires_gmt", UTC)):
        if name in request:
            try:
                changes["date_expires"] = parse_date(name, request[name], tz)
            except _Invalid as bad:
                problems[name] = bad.problem
    if problems:
        raise invalid_params(problems)
    return changes


def require_code(request: Mapping[str, Any]) -> None:
    """Creating needs a non-empty code (``woocommerce_rest_empty_coupon_code``)."""
    if "code" not in request:
        raise WooError(
            "rest_missing_callback_param", "Missing parameter(s): code", 400, {"params": ["code"]}
        )
    if not request.get("code"):
        raise WooError(
            "woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.", 400
        )
