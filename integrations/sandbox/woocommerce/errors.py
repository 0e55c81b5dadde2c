"""Errors: WooCommerce's REST error bodies, and misuse of the in-process API.

WooError                 answered as ``{"code", "message", "data": {"status", ...}}``
SandboxWooError          misuse by a test or the demo
├── UnknownCoupon
├── UnknownOrder
├── UnknownWebhook
└── CouponCodeTaken
"""

from __future__ import annotations

from typing import Any


class WooError(Exception):
    """A ``WP_Error`` as the REST server renders it; optional extra headers."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.extra},
        }


def invalid_params(problems: dict[str, tuple[str, str]]) -> WooError:
    """WordPress's ``rest_invalid_param`` for ``{param: (detail code, message)}``."""
    names = ", ".join(problems)
    return WooError(
        "rest_invalid_param",
        f"Invalid parameter(s): {names}",
        400,
        {
            "params": {name: message for name, (_, message) in problems.items()},
            "details": {
                name: {"code": code, "message": message, "data": None}
                for name, (code, message) in problems.items()
            },
        },
    )


class SandboxWooError(Exception):
    """Base of the local shop's own errors (in-process API misuse)."""


class UnknownCoupon(SandboxWooError, KeyError):
    """No coupon with this id."""

    def __init__(self, coupon_id: int) -> None:
        super().__init__(f"No coupon {coupon_id} in the local WooCommerce")
        self.coupon_id = coupon_id


class UnknownOrder(SandboxWooError, KeyError):
    """No order with this id."""

    def __init__(self, order_id: int) -> None:
        super().__init__(f"No order {order_id} in the local WooCommerce")
        self.order_id = order_id


class UnknownWebhook(SandboxWooError, KeyError):
    """No webhook with this id."""

    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"No webhook {webhook_id} in the local WooCommerce")
        self.webhook_id = webhook_id


class CouponCodeTaken(SandboxWooError, ValueError):
    """A published coupon already has this code (compared case-insensitively)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Coupon code {code!r} already exists in the local WooCommerce")
        self.code = code
