"""Shopify's search syntax (``query:`` arguments), as far as the sandbox needs it.

Supported: ``field:value``, ``field:>value`` (``>``, ``>=``, ``<``, ``<=``),
quoted values, ``-field:value`` negation, and several terms separated by
spaces or ``AND`` (all must hold). Unknown fields are ignored, as Shopify
ignores filters it does not know (ASSUMPTION: Shopify also adds a search
warning to ``extensions``; the sandbox does not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .codes import code_key

if TYPE_CHECKING:
    from .model import CodeDiscount, Order, RedeemCode

_TERM = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>\w+):(?P<op>>=|<=|>|<|=)?)?"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)"""
)
CONNECTIVES = frozenset({"AND"})


@dataclass(frozen=True)
class Term:
    """One ``field:op value`` condition."""

    field: str | None
    op: str  # "=", ">", ">=", "<", "<="
    value: str
    negated: bool = False


def parse_search(query: str | None) -> tuple[Term, ...]:
    """The terms of a search string (all must hold)."""
    terms = []
    for match in _TERM.finditer(query or ""):
        value = match["value"]
        if match["field"] is None and value in CONNECTIVES:
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        terms.append(Term(match["field"], match["op"] or "=", value, bool(match["neg"])))
    return tuple(terms)


def _compare(left: Any, op: str, right: Any) -> bool:
    try:
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
    except TypeError:  # e.g. None against a date: the term does not match
        return False
    return bool(left == right)


def _as_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _as_int(value: str) -> int | None:
    return int(value) if value.lstrip("-").isdigit() else None


def _as_bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.lower())


Getter = Callable[[object], object]
Parser = Callable[[str], object]


def _matches(
    item: object, terms: tuple[Term, ...], fields: dict[str, tuple[Getter, Parser]]
) -> bool:
    for term in terms:
        spec = fields.get(term.field or "")
        if spec is None:
            continue
        getter, parse = spec
        wanted = parse(term.value)
        ok = wanted is not None and _compare(getter(item), term.op, wanted)
        if ok == term.negated:
            return False
    return True


def _lower(value: str) -> str:
    return value.lower()


_CODE_FIELDS: dict[str, tuple[Getter, Parser]] = {
    "times_used": (lambda c: c.usage, _as_int),  # type: ignore[attr-defined]
    "id": (lambda c: c.id, _as_int),  # type: ignore[attr-defined]
    "code": (lambda c: code_key(c.code), code_key),  # type: ignore[attr-defined]
}

_ORDER_FIELDS: dict[str, tuple[Getter, Parser]] = {
    "id": (lambda o: o.id, _as_int),  # type: ignore[attr-defined]
    "updated_at": (lambda o: o.updated_at, _as_datetime),  # type: ignore[attr-defined]
    "processed_at": (lambda o: o.processed_at, _as_datetime),  # type: ignore[attr-defined]
    "created_at": (lambda o: o.processed_at, _as_datetime),  # type: ignore[attr-defined]
    # Shopify matches only the FIRST code of an order, case-insensitively.
    "discount_code": (lambda o: code_key(o.codes[0]) if o.codes else None, code_key),  # type: ignore[attr-defined]
    "financial_status": (lambda o: o.financial_status.lower(), _lower),  # type: ignore[attr-defined]
    "test": (lambda o: o.test, _as_bool),  # type: ignore[attr-defined]
}

_DISCOUNT_FIELDS: dict[str, tuple[Getter, Parser]] = {
    "id": (lambda d: d.id, _as_int),  # type: ignore[attr-defined]
    "status": (lambda d: d.status.lower(), _lower),  # type: ignore[attr-defined]
    "title": (lambda d: d.title.lower(), _lower),  # type: ignore[attr-defined]
}


def code_matches(code: RedeemCode, terms: tuple[Term, ...]) -> bool:
    """Whether a redeem code passes a ``codes(query:)`` filter."""
    return _matches(code, terms, _CODE_FIELDS)


def order_matches(order: Order, terms: tuple[Term, ...]) -> bool:
    """Whether an order passes an ``orders(query:)`` filter."""
    return _matches(order, terms, _ORDER_FIELDS)


def discount_matches(discount: CodeDiscount, terms: tuple[Term, ...]) -> bool:
    """Whether a discount passes a ``discountNodes(query:)`` filter (``code:`` aside)."""
    return _matches(discount, terms, _DISCOUNT_FIELDS)
