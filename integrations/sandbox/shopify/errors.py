"""Errors of the sandbox's in-process API (misuse by a test or the demo).

SandboxError
├── UnknownDiscount      no code discount with that id
├── UnknownOrder         no order with that id
├── UnknownCode          an order named a code the shop does not have
└── CodeTaken            the code already exists in the shop (case-insensitively)
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of the sandbox's own errors."""


class UnknownDiscount(SandboxError, KeyError):
    """No code discount with this id."""

    def __init__(self, discount_id: int) -> None:
        super().__init__(f"No code discount {discount_id} in the sandbox shop")
        self.discount_id = discount_id


class UnknownOrder(SandboxError, KeyError):
    """No order with this id."""

    def __init__(self, order_id: int) -> None:
        super().__init__(f"No order {order_id} in the sandbox shop")
        self.order_id = order_id


class UnknownCode(SandboxError, KeyError):
    """The shop has no redeem code like this (compared case-insensitively)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"No redeem code {code!r} in the sandbox shop")
        self.code = code


class CodeTaken(SandboxError, ValueError):
    """The code already exists in the shop, compared case-insensitively."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Code {code!r} already exists in the sandbox shop")
        self.code = code
