"""Merge tags that other features provide, beside the built-in ones of :mod:`sync.merge_tags`.

The hook for a feature that puts its own value in messages (the creator page's
``{{portal_link}}``): write a class with a ``name`` and a ``value(tx, creator, config)`` method,
and add an instance to :data:`EXTRA_TAGS`. From then on the tag is accepted when a
template is saved (``messages add``/``edit``/``check``), listed among the known tags in
errors, and filled for each creator wherever a message is rendered: previews, manual
sends and the automatic sends enqueued inside a move's transaction (so ``value`` must
only read the database through ``tx``; ``config`` is None where no configuration was
loaded, and a value that needs one then renders blank). Its ``unusable(config)`` says
why the loaded configuration cannot fill it, which ``messages add``/``edit``/``check`` show
as a warning (:func:`config_warnings`), so a merchant learns it when saving the template
rather than when a move that would send it is refused.
In HTML bodies the value is HTML-escaped like every merged value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Protocol

from store.db import Tx
from sync import code_end_tag, portal
from sync.config import Config
from sync.creators import CreatorView


class ExtraTag(Protocol):
    """A merge tag ``{{name}}`` whose value a feature computes per creator."""

    @property
    def name(self) -> str:
        """The tag's name, e.g. ``portal_link``: letters, digits and ``_``."""
        ...

    def value(self, tx: Tx, creator: CreatorView, config: Config | None) -> str:
        """The text the tag renders as for ``creator`` (in their campaign)."""
        ...

    def unusable(self, config: Config) -> str | None:
        """Why ``config`` cannot fill the tag (its sends would be refused), or None."""
        ...


#: Every extra tag, in the order they are listed in errors.
EXTRA_TAGS: tuple[ExtraTag, ...] = (portal.PORTAL_LINK_TAG, code_end_tag.PROMO_CODE_ENDS_TAG)


def names() -> tuple[str, ...]:
    """The names of the extra tags."""
    return tuple(tag.name for tag in EXTRA_TAGS)


def config_warnings(used: Collection[str], config: Config | None) -> list[str]:
    """A warning for each extra tag in ``used`` that ``config`` cannot fill (none without
    a loaded configuration: a library caller decides at send time)."""
    if config is None:
        return []
    warnings = []
    for tag in EXTRA_TAGS:
        problem = tag.unusable(config) if tag.name in used else None
        if problem is not None:
            warnings.append(problem)
    return warnings


def values(tx: Tx, creator: CreatorView, config: Config | None) -> Mapping[str, str]:
    """Each extra tag's value for ``creator``, computed when a template first uses it
    (a link is only made, and ``[portal]`` only required, for a message that holds one)."""
    return _Values(tx, creator, config)


class _Values(Mapping[str, str]):
    def __init__(self, tx: Tx, creator: CreatorView, config: Config | None) -> None:
        self._tags = {tag.name: tag for tag in EXTRA_TAGS}
        self._args = (tx, creator, config)
        self._known: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._known:
            self._known[name] = self._tags[name].value(*self._args)
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tags)

    def __len__(self) -> int:
        return len(self._tags)
