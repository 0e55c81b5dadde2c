"""Seeded demo data: a shop with a code discount and a few orders."""

from __future__ import annotations

import random
from decimal import Decimal

from .state import SandboxShop

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes, like promosync's own codes
CODE_RANDOM_LENGTH = 8
DEMO_ORDER_COUNT = 5
DEMO_ORDER_TOTAL = Decimal("49.90")


def demo_codes(count: int, *, seed: int = 0, prefix: str = "PROMO-") -> list[str]:
    """``count`` distinct, reproducible codes."""
    rng = random.Random(seed)
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes[prefix + "".join(rng.choices(CODE_ALPHABET, k=CODE_RANDOM_LENGTH))] = None
    return list(codes)


def seed_demo_shop(shop: SandboxShop, code_count: int, *, seed: int = 0) -> int:
    """Give ``shop`` a discount with ``code_count`` codes and a few orders; returns its id."""
    codes = demo_codes(code_count, seed=seed)
    number = shop.create_code_discount("Creator campaign", codes=codes)
    for code in codes[: min(DEMO_ORDER_COUNT, len(codes))]:
        shop.place_order([code], DEMO_ORDER_TOTAL)
    return number
