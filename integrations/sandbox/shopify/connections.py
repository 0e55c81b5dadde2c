"""Relay connections as Shopify serves them: first/after/last/before, opaque cursors."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import GraphQLError

from .constants import MAX_PAGE_SIZE
from .ids import InvalidCursor, decode_cursor, encode_cursor

T = TypeVar("T")

# ASSUMPTION: wording of Shopify's paging errors; clients should not parse them.
MISSING_PAGE_SIZE = "you must provide one of first or last"
PAGE_SIZE_TOO_BIG = f"The maximum number of records that can be requested is {MAX_PAGE_SIZE}."


@dataclass(frozen=True)
class PageArgs:
    """The paging arguments of a connection field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @classmethod
    def of(cls, args: dict[str, Any]) -> PageArgs:
        """The paging arguments among a field's arguments."""
        return cls(args.get("first"), args.get("after"), args.get("last"), args.get("before"))


def page_size_problem(first: object, last: object) -> str | None:
    """Why these ``first``/``last`` values are refused, or None."""
    if first is None and last is None:
        return MISSING_PAGE_SIZE
    for size in (first, last):
        if isinstance(size, int) and (size < 0 or size > MAX_PAGE_SIZE):
            return PAGE_SIZE_TOO_BIG
    return None


class Connection(Generic[T]):
    """One page of a connection; ``nodes``/``edges``/``pageInfo`` build lazily."""

    def __init__(
        self,
        items: Sequence[T],
        cursor_of: Callable[[T], str],
        view: Callable[[T], object],
        has_previous: bool,
        has_next: bool,
    ) -> None:
        self._items = items
        self._cursor_of = cursor_of
        self._view = view
        self._has_previous = has_previous
        self._has_next = has_next
        self._views: list[object] | None = None

    @property
    def items(self) -> Sequence[T]:
        """The records on this page, in order."""
        return self._items

    def _node_views(self) -> list[object]:
        if self._views is None:
            self._views = [self._view(item) for item in self._items]
        return self._views

    @property
    def nodes(self) -> list[object]:
        """The ``nodes`` field."""
        return self._node_views()

    @property
    def edges(self) -> list[dict[str, object]]:
        """The ``edges`` field."""
        return [
            {"cursor": self._cursor_of(item), "node": node}
            for item, node in zip(self._items, self._node_views(), strict=True)
        ]

    @property
    def pageInfo(self) -> dict[str, object]:  # noqa: N802 - GraphQL field name
        """The ``pageInfo`` field."""
        first = self._cursor_of(self._items[0]) if self._items else None
        last = self._cursor_of(self._items[-1]) if self._items else None
        return {
            "hasNextPage": self._has_next,
            "hasPreviousPage": self._has_previous,
            "startCursor": first,
            "endCursor": last,
        }


def paginate(
    items: Sequence[T],
    key: Callable[[T], tuple[Any, int]],
    page: PageArgs,
    view: Callable[[T], object],
    *,
    reverse: bool = False,
    presorted: bool = False,
) -> Connection[T]:
    """One page of ``items`` ordered by ``key`` = (sort value, id).

    ``presorted`` skips sorting when ``items`` are already in key order (the
    hot path: a discount's codes by id). Cursors carry the key, so a page
    boundary survives inserts and deletes elsewhere in the list.
    """
    problem = page_size_problem(page.first, page.last)
    if problem is not None:
        raise GraphQLError(problem)
    ordered: Sequence[T] = items if presorted else sorted(items, key=key)
    if reverse:
        ordered = ordered[::-1]

    def ordered_key(item: T) -> tuple[Any, int]:
        value, ident = key(item)
        if not reverse:
            return (value, ident)
        return (_Reversed(value), -ident)

    keys: Sequence[tuple[Any, int]] = _KeyView(ordered, ordered_key)
    start, end = 0, len(ordered)
    if page.after is not None:
        start = _position(page.after, keys, reverse)
    if page.before is not None:
        end = max(start, _position(page.before, keys, reverse, after=False))
    lo, hi = start, end
    if page.first is not None:
        hi = min(hi, lo + page.first)
    if page.last is not None:
        lo = max(lo, hi - page.last)

    def cursor_of(item: T) -> str:
        value, ident = key(item)
        return encode_cursor(ident, value)

    return Connection(
        ordered[lo:hi], cursor_of, view, has_previous=lo > 0, has_next=hi < len(ordered)
    )


def _position(
    cursor: str, keys: Sequence[tuple[Any, int]], reverse: bool, *, after: bool = True
) -> int:
    """Index just after (``after``) or at/before the key the cursor names."""
    try:
        last_id, last_value = decode_cursor(cursor)
    except InvalidCursor as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc
    probe: tuple[Any, int] = (_Reversed(last_value), -last_id) if reverse else (last_value, last_id)
    return bisect.bisect_right(keys, probe) if after else bisect.bisect_left(keys, probe)


class _Reversed:
    """Orders values backwards, so one bisect serves both directions."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


class _KeyView(Sequence[tuple[Any, int]]):
    """The keys of a sorted sequence, computed on access (bisect needs only a few)."""

    def __init__(self, items: Sequence[T], key: Callable[[T], tuple[Any, int]]) -> None:
        self._items = items
        self._key: Callable[[Any], tuple[Any, int]] = key

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._key(item) for item in self._items[index]]
        return self._key(self._items[index])
