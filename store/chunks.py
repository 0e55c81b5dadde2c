"""Bounded parameter lists.

PostgreSQL accepts at most 65,535 bound parameters in one statement, and SQLite's
limit is lower on older builds. Every ``IN (...)`` list and every bulk insert built
from caller data goes through :func:`chunked`, so no statement's size depends on
how many codes, requests or ids a caller passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

#: Values per ``IN (...)`` list or rows per bulk insert: with a few columns per row still
#: well below PostgreSQL's 65,535 parameters and SQLite's 32,766.
PARAMETER_CHUNK = 5_000

T = TypeVar("T")


def chunked(values: Iterable[T], size: int = PARAMETER_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size`` (the last may be shorter; none is empty)."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk
