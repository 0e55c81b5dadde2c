"""Merge tags that other features provide, beside the built-in ones of :mod:`sync.merge_tags`.

The hook for a feature that puts its own value in messages (the creator page's
``{{portal_link}}``): write a class with a ``name`` and a ``value(tx, creator)`` method,
and add an instance to :data:`EXTRA_TAGS`. From then on the tag is accepted when a
template is saved (``messages add``/``edit``/``check``), listed among the known tags in
errors, and filled for each creator wherever a message is rendered: previews, manual
sends and the automatic sends enqueued inside a move's transaction (so ``value`` must
only read the database through ``tx`` and must not fail for a creator who is valid).
In HTML bodies the value is HTML-escaped like every merged value.
"""

from __future__ import annotations

from typing import Protocol

from store.db import Tx
from sync.creators import CreatorView


class ExtraTag(Protocol):
    """A merge tag ``{{name}}`` whose value a feature computes per creator."""

    @property
    def name(self) -> str:
        """The tag's name, e.g. ``portal_link``: letters, digits and ``_``."""
        ...

    def value(self, tx: Tx, creator: CreatorView) -> str:
        """The text the tag renders as for ``creator`` (in their campaign)."""
        ...


#: Every extra tag, in the order they are listed in errors.
EXTRA_TAGS: tuple[ExtraTag, ...] = ()


def names() -> tuple[str, ...]:
    """The names of the extra tags."""
    return tuple(tag.name for tag in EXTRA_TAGS)


def values(tx: Tx, creator: CreatorView) -> dict[str, str]:
    """Each extra tag's value for ``creator``."""
    return {tag.name: tag.value(tx, creator) for tag in EXTRA_TAGS}
