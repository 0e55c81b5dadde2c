"""Collection parameters, filtering, ordering and paging (``WC_REST_CRUD_Controller``).

``per_page`` outside 1..100 and other bad values answer 400
``rest_invalid_param`` before anything is read. A page past the end is an
empty list with the totals still in ``X-WP-Total`` / ``X-WP-TotalPages``.
Date filters are strict (``after`` means later than), at the second, against
the site-time columns unless ``dates_are_gmt=true``; ASSUMPTION: an offset in
the value is ignored (WordPress's date query keeps the wall-clock time given).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar
from urllib.parse import urlencode

from .constants import DEFAULT_PER_PAGE, MAX_PER_PAGE, ORDER_VALUES, ORDERBY_VALUES
from .errors import invalid_params

T = TypeVar("T")
DATE_PARAMS = ("after", "before", "modified_after", "modified_before")


@dataclass(frozen=True)
class ListQuery:
    """The validated collection parameters of one request."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    offset: int | None = None
    order: str = "desc"
    orderby: str = "date"
    include: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    search: str = ""
    after: datetime | None = None
    before: datetime | None = None
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    dates_are_gmt: bool = False


@dataclass(frozen=True)
class Columns:
    """How to read a record's id, title, search text and dates."""

    id: Callable[[Any], int]
    title: Callable[[Any], str]
    text: Callable[[Any], str]
    created: Callable[[Any], datetime]
    modified: Callable[[Any], datetime]


def _integer(name: str, value: Any, low: int, high: int | None) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _Bad(name, "rest_invalid_type", f"{name} is not of type integer.") from None
    if number < low or (high is not None and number > high):
        bound = (
            f"between {low} (inclusive) and {high} (inclusive)"
            if high is not None
            else f"greater than or equal to {low}"
        )
        raise _Bad(name, "rest_out_of_bounds", f"{name} must be {bound}")
    return number


def _ids(name: str, value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else str(value).split(",")
    out = []
    for item in items:
        text = str(item).strip()
        if text:
            out.append(_integer(name, text, 0, None))
    return tuple(out)


def _wall_clock(name: str, value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(name, "rest_invalid_date", "Invalid date.") from None
    return parsed.replace(tzinfo=None)


class _Bad(Exception):
    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name, self.code, self.message = name, code, message


def parse_list_query(params: Mapping[str, Any]) -> ListQuery:
    """Validate the collection parameters; raises ``WooError`` naming every bad one."""
    values: dict[str, Any] = {}
    problems: dict[str, tuple[str, str]] = {}

    def take(name: str, parse: Callable[[str, Any], Any]) -> None:
        if name in params and params[name] not in (None, ""):
            try:
                values[name] = parse(name, params[name])
            except _Bad as bad:
                problems[bad.name] = (bad.code, bad.message)

    take("page", lambda n, v: _integer(n, v, 1, None))
    take("per_page", lambda n, v: _integer(n, v, 1, MAX_PER_PAGE))
    take("offset", lambda n, v: _integer(n, v, 0, None))
    take("order", lambda n, v: _choice(n, v, ORDER_VALUES))
    take("orderby", lambda n, v: _choice(n, v, ORDERBY_VALUES))
    take("include", _ids)
    take("exclude", _ids)
    take("search", lambda n, v: str(v).strip())
    for name in DATE_PARAMS:
        take(name, _wall_clock)
    take("dates_are_gmt", lambda n, v: str(v).lower() in ("true", "1"))
    if problems:
        raise invalid_params(problems)
    return ListQuery(**values)


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    text = str(value)
    if text not in choices:
        listed = ", ".join(choices[:-1]) + f", and {choices[-1]}"
        raise _Bad(name, "rest_not_in_enum", f"{name} is not one of {listed}.")
    return text


def select(items: Sequence[T], query: ListQuery, columns: Columns, site_tz: tzinfo) -> list[T]:
    """Filter and order ``items`` as ``WP_Query`` would for this query."""
    zone = UTC if query.dates_are_gmt else site_tz

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    dated = any(
        moment is not None
        for moment in (query.after, query.before, query.modified_after, query.modified_before)
    )
    filtered = bool(query.include or query.exclude or query.search or dated)

    def keep(item: T) -> bool:
        ident = columns.id(item)
        if query.include and ident not in query.include:
            return False
        if ident in query.exclude:
            return False
        if query.search:
            text = columns.text(item).casefold()
            if not all(term.casefold() in text for term in query.search.split()):
                return False
        if not dated:
            return True
        created, modified = wall(columns.created(item)), wall(columns.modified(item))
        return not (
            (query.after is not None and not created > query.after)
            or (query.before is not None and not created < query.before)
            or (query.modified_after is not None and not modified > query.modified_after)
            or (query.modified_before is not None and not modified < query.modified_before)
        )

    kept = [item for item in items if keep(item)] if filtered else list(items)
    if query.orderby == "include" and query.include:
        position = {ident: index for index, ident in enumerate(query.include)}
        return sorted(kept, key=lambda item: position[columns.id(item)])
    sort_key: Callable[[T], Any]
    if query.orderby == "id":
        sort_key = columns.id
    elif query.orderby in ("title", "slug"):
        sort_key = lambda item: (columns.title(item).casefold(), columns.id(item))  # noqa: E731
    elif query.orderby == "modified":
        sort_key = lambda item: (columns.modified(item), columns.id(item))  # noqa: E731
    else:  # date: WooCommerce adds ID for stable pages ("date ID")
        sort_key = lambda item: (columns.created(item), columns.id(item))  # noqa: E731
    return sorted(kept, key=sort_key, reverse=query.order == "desc")


@dataclass(frozen=True)
class Page:
    """One page of a collection and the totals for its headers."""

    items: list[Any]
    total: int
    pages: int
    page: int


def paginate(items: Sequence[T], query: ListQuery) -> Page:
    """Cut ``items`` to the requested page (``offset`` wins over ``page``)."""
    start = query.offset if query.offset is not None else (query.page - 1) * query.per_page
    total = len(items)
    pages = math.ceil(total / query.per_page)
    page = query.page if query.offset is None else start // query.per_page + 1
    return Page(list(items[start : start + query.per_page]), total, pages, page)


def page_headers(page: Page, url: str, query: Mapping[str, Any]) -> dict[str, str]:
    """``X-WP-Total``, ``X-WP-TotalPages`` and the RFC 8288 ``Link`` header.

    As in WooCommerce, the links repeat every query parameter, credentials
    included (``consumer_key``/``consumer_secret`` when the query string carried
    them): a client must not log ``Link`` headers.
    """
    headers = {"X-WP-Total": str(page.total), "X-WP-TotalPages": str(page.pages)}
    plain = dict(query)
    links = []
    if page.page > 1:
        previous = min(page.page - 1, page.pages)
        links.append(f'<{url}?{urlencode({**plain, "page": previous}, doseq=True)}>; rel="prev"')
    if page.pages > page.page:
        links.append(
            f'<{url}?{urlencode({**plain, "page": page.page + 1}, doseq=True)}>; rel="next"'
        )
    if links:
        headers["Link"] = ", ".join(links)
    return headers
