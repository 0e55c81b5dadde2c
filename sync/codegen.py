"""Random promo codes that people can type and nobody can guess.

An optional prefix plus a random part drawn with :mod:`secrets` from an
alphabet without look-alikes (no 0/O, 1/I/L), so a creator reading a code off
a phone can type it, and knowing one code says nothing about another.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0, O, 1, I, L
MIN_RANDOM_LENGTH = 8  # 31**8 ≈ 8.5e11 codes: guessing a neighbour's is hopeless
MAX_PREFIX_LENGTH = 20
PREFIX_PATTERN = re.compile(rf"[A-Z0-9][A-Z0-9_-]{{0,{MAX_PREFIX_LENGTH - 1}}}")


def check_prefix(prefix: str) -> str:
    """Upper-case letters, digits, '-' and '_', at most :data:`MAX_PREFIX_LENGTH` characters."""
    normalized = prefix.strip().upper()
    if not PREFIX_PATTERN.fullmatch(normalized):
        from sync.errors import UsageError
        from sync.fields import printable

        shown = (
            f"'{printable(prefix)}'"
            if len(prefix) <= 2 * MAX_PREFIX_LENGTH
            else f"of {len(prefix):,} characters"  # too long to echo on one line
        )
        raise UsageError(
            f"Code prefix {shown} is not valid: use {MAX_PREFIX_LENGTH} or fewer letters, "
            f"digits, - or _ (SUMMER-)"
        )
    return normalized


def new_code(prefix: str = "", length: int = MIN_RANDOM_LENGTH) -> str:
    if length < MIN_RANDOM_LENGTH:
        raise ValueError(f"random part must be at least {MIN_RANDOM_LENGTH} characters")
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))
