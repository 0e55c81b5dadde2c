"""How a WooCommerce code source is written down: coupons by code prefix, or by id.

WooCommerce has no grouping of coupons, so promosync names a pool's coupons by a
code prefix (``woo-prefix:summer-``) or by an explicit list of coupon ids
(``woo-ids:12,13``); either may carry the id of a template coupon whose settings
generated coupons copy (``woo-prefix@40:summer-``). The string is the
:attr:`~integrations.ports.CodeSource.platform_id` stored with the link.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX_KIND = "woo-prefix"
IDS_KIND = "woo-ids"
#: The link column holds 200 characters; a source id must fit.
MAX_SOURCE_ID_LENGTH = 200


@dataclass(frozen=True)
class WooSource:
    """A parsed WooCommerce source: a prefix or ids, and the template coupon's id."""

    prefix: str | None = None
    ids: tuple[int, ...] = ()
    template_id: int | None = None

    def matches(self, code: str) -> bool:
        """True for a coupon code in this source (a prefix source; compared case-insensitively)."""
        return self.prefix is not None and code.casefold().startswith(self.prefix.casefold())

    @property
    def platform_id(self) -> str:
        kind = PREFIX_KIND if self.prefix is not None else IDS_KIND
        if self.template_id is not None:
            kind += f"@{self.template_id}"
        value = self.prefix if self.prefix is not None else ",".join(map(str, self.ids))
        return f"{kind}:{value}"

    @property
    def title(self) -> str:
        if self.prefix is not None:
            return f"coupons starting with {self.prefix!r}"
        return f"{len(self.ids)} coupons chosen by id"


def parse(platform_id: str) -> WooSource | None:
    """The source a platform id names, or None when it is not a WooCommerce source."""
    head, sep, value = platform_id.partition(":")
    kind, _, template = head.partition("@")
    if not sep or kind not in (PREFIX_KIND, IDS_KIND):
        return None
    try:
        template_id = int(template) if template else None
        if kind == PREFIX_KIND:
            return WooSource(prefix=value, template_id=template_id) if value else None
        ids = tuple(int(part) for part in value.split(","))
    except ValueError:
        return None
    return WooSource(ids=ids, template_id=template_id) if ids else None
