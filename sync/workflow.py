"""The campaign workflow: stages, phases, and what a move passes through.

Pure rules, no database. A campaign's workflow is the default list below with
some optional stages switched off. ``dropped`` is an exit stage outside the
linear order: every stage can move to it, and it can move to any stage.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from sync.errors import DomainError, UsageError
from sync.fields import printable

CANDIDATES, PARTICIPANTS, COMPLETE, DROPPED = "candidates", "participants", "complete", "dropped"

#: (stage, phase) in workflow order, as in the product this follows.
DEFAULT_STAGES: tuple[tuple[str, str], ...] = (
    ("candidates", CANDIDATES),
    ("invited", CANDIDATES),
    ("applied", CANDIDATES),
    ("confirmation", PARTICIPANTS),
    ("pre_payment", PARTICIPANTS),
    ("draft", PARTICIPANTS),
    ("draft_review", PARTICIPANTS),
    ("content_creation", PARTICIPANTS),
    ("post_review", PARTICIPANTS),
    ("post_payment", PARTICIPANTS),
    ("complete", COMPLETE),
    ("dropped", DROPPED),
)
STAGE_KEYS = tuple(key for key, _ in DEFAULT_STAGES)
PHASE_OF = dict(DEFAULT_STAGES)
REQUIRED_STAGES = frozenset({"content_creation", "complete", "dropped"})
EXIT_STAGE = "dropped"
#: Where a creator starts when added to a campaign.
ENTRY_STAGE = "candidates"
#: An incentive is released when the creator enters its timing stage.
TIMINGS = ("pre_payment", "post_payment")


@dataclass(frozen=True)
class Stage:
    key: str
    phase: str
    position: int
    enabled: bool


def default_stages() -> list[Stage]:
    return [Stage(key, phase, pos, True) for pos, (key, phase) in enumerate(DEFAULT_STAGES)]


def check_stage_name(stage: str) -> str:
    """Normalise a stage name from the user (``Pre-Payment`` → ``pre_payment``)."""
    key = stage.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in PHASE_OF:
        close = difflib.get_close_matches(key, STAGE_KEYS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UsageError(
            f"Unknown stage '{printable(stage)}': {hint}use one of {', '.join(STAGE_KEYS)}"
        )
    return key


def check_can_disable(stage: str, release_stages: Sequence[str]) -> None:
    """Required stages and stages an incentive is released at stay on."""
    if stage in REQUIRED_STAGES:
        raise DomainError(f"Stage '{stage}' is required and cannot be switched off")
    if stage in release_stages:
        raise DomainError(
            f"Stage '{stage}' releases an incentive's codes and cannot be switched off "
            f"while that incentive exists: change the incentive's timing first"
        )


@dataclass(frozen=True)
class MovePlan:
    """What a move does: the stages it enters on the way, the last being the target."""

    source: str
    target: str
    entered: tuple[str, ...]  # stages entered in order (empty when moving back or staying)


def linear_order(stages: Sequence[Stage], *, enabled_only: bool = False) -> tuple[str, ...]:
    """The workflow order, the one every rule uses: stage keys by position, without ``dropped``.

    ``dropped`` is outside the order, neither before nor after any stage: a creator in
    it has reached no stage (:func:`reached`), can be moved there from anywhere, and
    leaving it re-enters the order from the start (:func:`plan_move`).
    """
    return tuple(
        s.key
        for s in sorted(stages, key=lambda s: s.position)
        if s.key != EXIT_STAGE and (s.enabled or not enabled_only)
    )


def plan_move(stages: Sequence[Stage], source: str, target: str) -> MovePlan:
    """Which stages a creator passes when moving ``source`` → ``target``.

    Moving forward passes every enabled stage in between, so skipping ahead
    triggers what those stages trigger. Moving back enters nothing (a code is
    never taken away). Leaving ``dropped`` re-enters every stage up to the
    target: incentives already released are not released again (the caller
    skips them), ones never reached are due.
    """
    keys = [s.key for s in sorted(stages, key=lambda s: s.position) if s.enabled]
    if target not in keys:
        raise InvalidStageMoveTarget(target, keys)
    if target == EXIT_STAGE:
        return MovePlan(source, target, ())
    linear = linear_order(stages, enabled_only=True)
    target_index = linear.index(target)
    if source == EXIT_STAGE or source not in linear:
        return MovePlan(source, target, tuple(linear[: target_index + 1]))
    source_index = linear.index(source)
    if target_index <= source_index:
        return MovePlan(source, target, ())
    return MovePlan(source, target, tuple(linear[source_index + 1 : target_index + 1]))


def phase_of(stage: str) -> str:
    return PHASE_OF[stage]


def reached(stages: Sequence[Stage], current: str, release_stage: str) -> bool:
    """Is ``current`` at or past ``release_stage`` in the linear order? Never in ``dropped``."""
    order = linear_order(stages)
    return current in order and order.index(current) >= order.index(release_stage)


class InvalidStageMoveTarget(UsageError):
    def __init__(self, target: str, enabled: Sequence[str]) -> None:
        super().__init__(
            f"Stage '{target}' is switched off in this campaign: move to one of "
            f"{', '.join(enabled)}, or switch it on with `promosync campaigns stages`"
        )
