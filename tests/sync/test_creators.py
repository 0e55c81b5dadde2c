"""Creators: who may join, what they see, and which inputs are refused."""

from __future__ import annotations

import pytest

from store.db import Database
from sync import campaigns, creators, messages, moves
from sync.errors import AlreadyExists, UsageError, WrongCampaignState
from sync.merge_tags import TemplateError
from tests import builders


@pytest.mark.parametrize("handle", ["", "a b", "x" * 101, "-lead", "semi;colon", "tab\there"])
def test_bad_handle_is_refused_and_nothing_added(db: Database, handle: str) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match="handle"):
        creators.add(db, "summer", handle)
    assert moves.move_stage(db, "summer", "candidates", "invited", dry_run=True).outcomes == []


@pytest.mark.parametrize("email", ["jane", "jane@", "@example.com", "a@b", "a b@example.com"])
def test_bad_email_is_refused(db: Database, email: str) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match="E-mail"):
        creators.add(db, "summer", "jane", email=email)


def test_at_sign_prefix_is_accepted_and_dropped(db: Database) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "@jane")
    assert creators.view(db, "summer", "jane").handle == "jane"


def test_creator_joins_a_campaign_once(db: Database) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "jane")
    with pytest.raises(AlreadyExists):
        creators.add(db, "summer", "jane")


def test_no_new_creators_in_completed_campaigns(db: Database) -> None:
    builders.campaign(db)
    campaigns.set_status(db, "summer", "completed")
    with pytest.raises(WrongCampaignState):
        creators.add(db, "summer", "jane")


def test_code_is_hidden_after_moving_back_before_release(db: Database) -> None:
    builders.campaign(db)
    (handle,) = builders.add_creators(db, "summer", 1)
    moves.move(db, "summer", handle, "pre_payment")
    moves.move(db, "summer", handle, "confirmation")

    (kit,) = creators.view(db, "summer", handle).incentives
    assert kit.status == "fulfilled" and kit.code is None


def test_template_with_several_incentives_needs_a_key(db: Database) -> None:
    builders.campaign(db, pools={"kit": 1, "bonus": 1})
    (handle,) = builders.add_creators(db, "summer", 1)
    with pytest.raises(TemplateError, match="promo_code.bonus"):
        messages.render(db, "summer", handle, "{{promo_code}}")
    moves.move(db, "summer", handle, "pre_payment")
    rendered = messages.render(db, "summer", handle, "{{promo_code.kit}}/{{promo_code.bonus}}")
    assert rendered.text.count("/") == 1 and rendered.text.startswith("SUMMER-KIT-")


def test_template_sent_before_release_stage_gets_a_warning(db: Database) -> None:
    builders.campaign(db)
    warnings = messages.check(db, "summer", "Code: {{promo_code}}", send_on_stage="invited")
    assert any("blank" in w and "pre_payment" in w for w in warnings)
    assert messages.check(db, "summer", "Code: {{promo_code}}", send_on_stage="pre_payment") == []


@pytest.mark.parametrize("on_drop", ["keep", "disable"])
def test_template_sent_on_entry_to_dropped_gets_a_warning(db: Database, on_drop: str) -> None:
    builders.campaign(db, on_drop={"kit": on_drop})
    [warning] = messages.check(db, "summer", "Code: {{promo_code}}", send_on_stage="dropped")
    expected = "disables the code" if on_drop == "disable" else "may be blank at 'dropped'"
    assert warning.startswith("{{promo_code}}") and expected in warning
