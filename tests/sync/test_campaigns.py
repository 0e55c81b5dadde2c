"""Campaign status rules, stage switches, and incentive definitions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.db import Database
from sync import campaigns, incentives
from sync.errors import AlreadyExists, DomainError, NotFound, UsageError, WrongCampaignState
from tests import builders


def test_new_campaign_is_draft_with_default_stages(db: Database) -> None:
    campaigns.create(db, "Summer launch", currency="eur")

    (summary,) = campaigns.list_all(db)
    assert (summary.key, summary.status, summary.currency) == ("summer-launch", "draft", "EUR")
    assert [s.key for s in campaigns.stages(db, "summer-launch")][:5] == [
        "candidates",
        "invited",
        "applied",
        "confirmation",
        "pre_payment",
    ]


def test_campaign_key_must_be_unique(db: Database) -> None:
    campaigns.create(db, "Summer", key="summer")
    with pytest.raises(AlreadyExists, match="--key"):
        campaigns.create(db, "Other", key="summer")


@pytest.mark.parametrize("key", ["Summer", "-x", "a b", "x" * 65, ""])
def test_campaign_key_format_is_checked(db: Database, key: str) -> None:
    with pytest.raises(UsageError, match="not valid"):
        campaigns.create(db, "Summer", key=key)
    assert campaigns.list_all(db) == []


def test_unknown_currency_is_refused(db: Database) -> None:
    with pytest.raises(DomainError, match="XYZ"):
        campaigns.create(db, "Summer", currency="XYZ")
    assert campaigns.list_all(db) == []


def test_status_moves_forward_only(db: Database) -> None:
    campaigns.create(db, "Summer", key="summer")
    with pytest.raises(WrongCampaignState, match="draft"):
        campaigns.set_status(db, "summer", "completed")
    campaigns.set_status(db, "summer", "active")
    with pytest.raises(WrongCampaignState):
        campaigns.set_status(db, "summer", "draft")
    campaigns.set_status(db, "summer", "completed")
    campaigns.set_status(db, "summer", "archived")
    with pytest.raises(WrongCampaignState, match="final"):
        campaigns.set_status(db, "summer", "active")


def test_unknown_campaign_says_how_to_list(db: Database) -> None:
    with pytest.raises(NotFound, match="campaigns list"):
        campaigns.set_status(db, "nope", "active")


def test_incentives_are_added_only_while_draft(db: Database) -> None:
    builders.campaign(db, active=True)
    with pytest.raises(WrongCampaignState, match="draft"):
        incentives.add(
            db, "summer", key="late", description="x", value="1", cost="1", timing="pre_payment"
        )


@pytest.mark.parametrize(
    ("value", "cost", "fragment"),
    [("-1", "1", "value"), ("1", "1.234", "cost"), ("abc", "1", "value"), ("1e3", "1", "value")],
)
def test_incentive_money_is_exact_and_non_negative(
    db: Database, value: str, cost: str, fragment: str
) -> None:
    campaigns.create(db, "Summer", key="summer")
    with pytest.raises(DomainError, match=fragment):
        incentives.add(
            db, "summer", key="kit", description="x", value=value, cost=cost, timing="pre_payment"
        )
    assert incentives.list_for(db, "summer") == []


def test_incentive_money_respects_currency_minor_units(db: Database) -> None:
    campaigns.create(db, "Tokyo", key="tokyo", currency="JPY")
    with pytest.raises(DomainError):
        incentives.add(
            db, "tokyo", key="kit", description="x", value="100.5", cost="1", timing="pre_payment"
        )
    incentives.add(
        db, "tokyo", key="kit", description="x", value="2500", cost="800", timing="pre_payment"
    )
    (kit,) = incentives.list_for(db, "tokyo")
    assert kit.value == Decimal("2500") and kit.cost == Decimal("800")


@pytest.mark.parametrize("timing", ["draft", "complete", "payment", ""])
def test_incentive_timing_must_be_a_payment_stage(db: Database, timing: str) -> None:
    campaigns.create(db, "Summer", key="summer")
    with pytest.raises(UsageError):
        incentives.add(db, "summer", key="kit", description="x", value="1", cost="1", timing=timing)


def test_money_round_trips_exactly(db: Database) -> None:
    campaigns.create(db, "Summer", key="summer")
    incentives.add(
        db,
        "summer",
        key="kit",
        description="x",
        value="12345678.91",
        cost="0.10",
        timing="post_payment",
    )
    (kit,) = incentives.list_for(db, "summer")
    assert kit.value == Decimal("12345678.91") and kit.cost == Decimal("0.10")


def test_required_stage_cannot_be_switched_off(db: Database) -> None:
    campaigns.create(db, "Summer", key="summer")
    with pytest.raises(DomainError, match="required"):
        campaigns.switch_stages(db, "summer", off=["content_creation"])


def test_release_stage_of_an_incentive_cannot_be_switched_off(db: Database) -> None:
    builders.campaign(db, active=False)
    with pytest.raises(DomainError, match="releases"):
        campaigns.switch_stages(db, "summer", off=["pre_payment"])


def test_optional_stage_switched_off_is_skipped_by_moves(db: Database) -> None:
    from sync import moves

    builders.campaign(db, active=False)
    campaigns.switch_stages(db, "summer", off=["invited", "applied"])
    campaigns.set_status(db, "summer", "active")
    (handle,) = builders.add_creators(db, "summer", 1)

    outcome = moves.move(db, "summer", handle, "confirmation")

    assert outcome.result == moves.MOVED
    enabled = [s.key for s in campaigns.stages(db, "summer") if s.enabled]
    assert "invited" not in enabled and "applied" not in enabled
