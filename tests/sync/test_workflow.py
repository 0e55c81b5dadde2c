"""One workflow order serves moves, release checks and message lint; ``dropped`` is outside it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from store.db import Database
from sync import messages, workflow
from tests import builders

LINEAR = tuple(k for k in workflow.STAGE_KEYS if k != workflow.EXIT_STAGE)


def test_the_order_is_by_position_and_leaves_dropped_out() -> None:
    stages = workflow.default_stages()

    assert workflow.linear_order(list(reversed(stages))) == LINEAR
    assert workflow.EXIT_STAGE not in workflow.linear_order(stages)


def test_switched_off_stages_stay_in_the_order_but_are_never_entered() -> None:
    stages = [replace(s, enabled=s.key != "invited") for s in workflow.default_stages()]

    assert "invited" in workflow.linear_order(stages)
    assert "invited" not in workflow.linear_order(stages, enabled_only=True)
    assert workflow.plan_move(stages, "candidates", "applied").entered == ("applied",)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("confirmation", False),
        ("pre_payment", True),
        ("complete", True),
        (workflow.EXIT_STAGE, False),  # a dropped creator has reached no stage
    ],
)
def test_reached_follows_the_order(current: str, expected: bool) -> None:
    assert workflow.reached(workflow.default_stages(), current, "pre_payment") is expected


def test_dropped_is_entered_from_anywhere_and_leaving_it_reenters_the_order() -> None:
    stages = workflow.default_stages()

    assert workflow.plan_move(stages, "complete", workflow.EXIT_STAGE).entered == ()
    assert workflow.plan_move(stages, workflow.EXIT_STAGE, "pre_payment").entered == LINEAR[:5]


def test_message_lint_does_not_treat_dropped_as_past_the_release(db: Database) -> None:
    # With 'dropped' ordered after 'complete', a template sent on entry to dropped passed
    # the lint, though a creator dropped before the release has no code to show.
    builders.campaign(db, pools={"kit": 1})

    [warning] = messages.check(db, "summer", "Code: {{promo_code}}", send_on_stage="dropped")

    assert warning.startswith("{{promo_code}} may be blank")
    assert messages.check(db, "summer", "Code: {{promo_code}}", send_on_stage="complete") == []
