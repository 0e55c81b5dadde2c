"""Shopify global ids, and the two id families of a code discount.

The same code discount is addressed by two gids:

* ``gid://shopify/DiscountNode/N`` — what ``discountNode(id:)`` (and the bulk
  ``discountNodes(query: "id:N")`` filter) accepts;
* ``gid://shopify/DiscountCodeNode/N`` — what ``codeDiscountNodeByCode``
  returns and what ``discountRedeemCodeBulkAdd`` /
  ``discountCodeRedeemCodeBulkDelete`` take as ``discountId``.

Merchants may paste either (or the bare number from the admin URL); we keep the
numeric tail and build whichever family a call needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GID_PREFIX = "gid://shopify/"
DISCOUNT_NODE = "DiscountNode"
DISCOUNT_CODE_NODE = "DiscountCodeNode"
DISCOUNT_FAMILIES = frozenset({DISCOUNT_NODE, DISCOUNT_CODE_NODE})

_GID = re.compile(r"gid://shopify/(?P<type>[A-Za-z]+)/(?P<number>[0-9]+)(?:\?.*)?")


@dataclass(frozen=True)
class Gid:
    """A parsed ``gid://shopify/<type>/<number>``."""

    type: str
    number: int

    def __str__(self) -> str:
        return f"{GID_PREFIX}{self.type}/{self.number}"


def parse_gid(value: str) -> Gid:
    """Parse a Shopify gid; raises ValueError for anything else."""
    match = _GID.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a Shopify gid")
    return Gid(match["type"], int(match["number"]))


def discount_number(value: str) -> int:
    """The numeric tail of a discount id given as either gid family or a bare number.

    Raises ValueError for other gid types (e.g. a DiscountRedeemCode or an order).
    """
    text = value.strip()
    if text.isdigit():
        return int(text)
    gid = parse_gid(text)
    if gid.type not in DISCOUNT_FAMILIES:
        raise ValueError(f"{value!r} is a {gid.type}, not a discount")
    return gid.number


def discount_node_gid(value: str) -> str:
    """The ``DiscountNode`` gid for ``discountNode(id:)``.

    ASSUMPTION: DiscountNode/N and DiscountCodeNode/N share the numeric tail N for the
    same code discount (the research notes mark this uncertain; verify on a dev store).
    """
    return str(Gid(DISCOUNT_NODE, discount_number(value)))


def discount_code_node_gid(value: str) -> str:
    """The ``DiscountCodeNode`` gid for the redeem-code mutations (same ASSUMPTION as above)."""
    return str(Gid(DISCOUNT_CODE_NODE, discount_number(value)))
