"""Seeded demo data: coupons with a shared prefix and a few orders that used them."""

from __future__ import annotations

from decimal import Decimal

from ..shopify.seed import demo_codes
from .state import SandboxWooShop

DEMO_ORDER_COUNT = 5
DEMO_ORDER_TOTAL = Decimal("49.90")
DEMO_DISCOUNT = Decimal("5.00")
DEFAULT_PREFIX = "PROMO-"


def seed_demo_shop(
    shop: SandboxWooShop, coupon_count: int, *, prefix: str = DEFAULT_PREFIX, seed: int = 0
) -> list[int]:
    """Give ``shop`` ``coupon_count`` coupons named ``prefix`` + random, and a few orders.

    Returns the coupon ids in creation order. The codes are the Shopify demo's
    codes, saved as this store saves them (lower-cased by default).
    """
    ids = [
        shop.add_coupon(code, "10") for code in demo_codes(coupon_count, seed=seed, prefix=prefix)
    ]
    for coupon_id in ids[:DEMO_ORDER_COUNT]:
        shop.place_order([shop.coupons[coupon_id].code], DEMO_ORDER_TOTAL, discount=DEMO_DISCOUNT)
    return ids
