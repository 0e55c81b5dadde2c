"""Rules a new redeem code must pass, as Shopify reports them per code."""

from __future__ import annotations

import unicodedata

from .constants import MAX_CODE_LENGTH
from .model import CodeError

CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def code_key(code: str) -> str:
    """The shop-wide identity of a code: Shopify compares codes case-insensitively."""
    return code.lower()


def code_problem(code: str) -> CodeError | None:
    """Why ``code`` cannot be a redeem code, or None if its form is acceptable."""
    if not code.strip():
        return CodeError("BLANK", "Code can't be blank")
    if len(code) > MAX_CODE_LENGTH:
        return CodeError("TOO_LONG", f"Code is too long (maximum is {MAX_CODE_LENGTH} characters)")
    # ASSUMPTION: Shopify's exact character rules are undocumented (research doc);
    # the sandbox rejects control and line-break characters, which no checkout
    # field can carry, and accepts everything else.
    if any(unicodedata.category(ch) in CONTROL_CATEGORIES for ch in code):
        return CodeError("INVALID", "Code contains invalid characters")
    return None


# ASSUMPTION: message texts below are modelled on Shopify admin wording; clients
# must branch on the `code` (TAKEN / DUPLICATE), never on the message.
TAKEN = CodeError("TAKEN", "Code must be unique. Please try a different code.")
DUPLICATE_IN_REQUEST = CodeError("DUPLICATE", "Code is duplicated in this request")
