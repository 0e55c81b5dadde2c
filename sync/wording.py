"""Wording shared by every message: counts with the right plural."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``1 code``, ``2 codes``, ``0 codes``; irregular plurals are given: ``plural(n, "entry",
    "entries")``. Thousands are separated (``1,000 codes``)."""
    word = noun if count == 1 else (plural_noun if plural_noun is not None else noun + "s")
    return f"{count:,} {word}"
