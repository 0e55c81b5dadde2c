"""Templates sent on code events: ``code.expiring`` and ``code.reissued``, once per code,
enqueued in the transaction that records the event."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from integrations.sandbox.shopify import SandboxShop
from integrations.shopify.shop import ShopifyShop
from store.db import Database, Tx
from store.models import Assignment, Code, utcnow
from store.models_messages import QUEUED, OutboxMessage
from sync import creators, expiry, leaks, messages, moves, outbox, policies, templates
from sync.cli.main import main
from sync.config import Config
from sync.errors import UsageError
from sync.shopsync import orders, pull
from tests import builders
from tests.sync.pool_health_support import event_count, opener_for
from tests.sync.shops import STORE, linked_campaign

TOTAL = Decimal("40.00")


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.transaction() as tx:
        return list(tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _holding(db: Database) -> str:
    with db.transaction() as tx:
        return tx.scalars(select(Code.code).join(Assignment, Assignment.code_id == Code.id)).one()


def _released(
    db: Database, shop: SandboxShop, store: ShopifyShop, *, pool: int = 4, **ends: Any
) -> tuple[str, Any]:
    """summer/kit linked to ``pool`` codes, one released to maya (who has an address)."""
    wanted = builders.codes_named("EVT", pool)
    discount = shop.create_code_discount("Summer", codes=wanted, **ends)
    target = linked_campaign(db, store, wanted[0])
    pull.pull(db, store, target)
    creators.add(db, "summer", "maya", email="maya@example.com", first_name="Maya")
    return moves.move(db, "summer", "maya", "pre_payment").released[0].code, (discount, target)


def _template(db: Database, name: str, send_on: str) -> None:
    templates.add(
        db,
        "summer",
        name,
        subject="About your code, {{first_name}}",
        body_text=f"{name}: use {{{{promo_code}}}} now",
        send_on=send_on,
    )


def _leak(db: Database, shop: SandboxShop, store: ShopifyShop, code: str, first: int) -> None:
    shop.place_order([code], TOTAL, customer_id=first)
    shop.place_order([code], TOTAL, customer_id=first + 1)
    orders.pull_orders(db, store, STORE)


# -- saving ----------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["code.expiring", "Code.Reissued "])
def test_a_template_can_be_sent_on_a_code_event(db: Database, event: str) -> None:
    builders.campaign(db)
    saved = templates.add(db, "summer", "t", subject="s", body_text="b", send_on=event)
    assert saved.send_on == event.strip().lower()
    (listed,) = templates.list_templates(db, "summer")
    assert listed.send_on == event.strip().lower()


def test_an_unknown_send_on_names_the_stages_and_the_events(db: Database) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError) as refused:
        templates.add(db, "summer", "t", subject="s", body_text="b", send_on="code.expired")
    assert "code.expiring or code.reissued" in str(refused.value)
    assert "pre_payment" in str(refused.value)
    assert templates.list_templates(db, "summer") == []


def test_an_event_template_gets_no_blank_at_stage_warning(db: Database) -> None:
    builders.campaign(db)  # kit is released at pre_payment, after candidates
    body = "Your code: {{promo_code}}"
    at_stage = templates.add(db, "summer", "a", subject="s", body_text=body, send_on="candidates")
    on_event = templates.add(
        db, "summer", "b", subject="s", body_text=body, send_on="code.expiring"
    )
    assert any("blank" in w for w in at_stage.warnings)
    assert on_event.warnings == []


# -- code.expiring ---------------------------------------------------------------------


def test_expiry_check_enqueues_the_template_once_with_the_held_code(
    db: Database,
    db_url: str,
    shop: SandboxShop,
    store: ShopifyShop,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    code, (discount, target) = _released(db, shop, store, ends_at=utcnow() + timedelta(days=30))
    templates.add(
        db,
        "summer",
        "expiring",
        subject="Use it soon",
        body_text="expiring: use {{promo_code}} by {{promo_code_ends}}",
        send_on="code.expiring",
    )
    _template(db, "reissued", "code.reissued")  # another event: not sent here
    assert expiry.expiry_check(db, Config()).messages == 0

    ends = utcnow() + timedelta(days=2)
    shop.set_ends_at(discount, ends)
    pull.pull(db, store, target)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)
    capsys.readouterr()
    assert main(["--db", db_url, "sync", "expiry"]) == 0
    said = capsys.readouterr().out
    again = expiry.expiry_check(db, Config())

    assert "1 creator newly warned about expiring codes. 1 message queued." in said
    assert (again.warned, again.messages) == (0, 0)
    (message,) = _outbox(db)
    assert message.template_name == "expiring" and message.status == QUEUED
    assert message.recipient == "maya@example.com"
    assert message.body_text == f"expiring: use {code} by {ends:%Y-%m-%d}"
    assert message.trigger == "event:code.expiring"


# -- code.reissued ---------------------------------------------------------------------


def test_a_reissue_enqueues_the_template_with_the_new_code_once(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code, _ = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    _template(db, "reissued", "code.reissued")
    _leak(db, shop, store, code, 1)

    first = leaks.leak_check(db, Config(), opener=opener_for(store))
    again = leaks.leak_check(db, Config(), opener=opener_for(store))

    assert (first.reissued, again.reissued) == (1, 0)
    fresh = _holding(db)
    (message,) = _outbox(db)
    assert message.body_text == f"reissued: use {fresh} now" and fresh != code
    assert message.trigger == "event:code.reissued"


def test_a_later_code_reissued_again_sends_the_template_again(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code, _ = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    _template(db, "reissued", "code.reissued")
    _leak(db, shop, store, code, 1)
    leaks.leak_check(db, Config(), opener=opener_for(store))
    second = _holding(db)
    _leak(db, shop, store, second, 10)  # the replacement leaks too

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).reissued == 1

    third = _holding(db)
    assert [m.body_text for m in _outbox(db)] == [
        f"reissued: use {second} now",
        f"reissued: use {third} now",
    ]


def test_a_reissue_with_no_code_left_enqueues_nothing(
    db: Database, shop: SandboxShop, store: ShopifyShop
) -> None:
    code, _ = _released(db, shop, store, pool=1)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    _template(db, "reissued", "code.reissued")
    _leak(db, shop, store, code, 1)

    assert leaks.leak_check(db, Config(), opener=opener_for(store)).waiting == 1
    assert _outbox(db) == []


def test_a_reissue_rolled_back_after_enqueueing_leaves_no_message_and_retries_once(
    db: Database, shop: SandboxShop, store: ShopifyShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _ = _released(db, shop, store)
    policies.set_policy(db, "summer/kit", on_leak="disable_and_reissue")
    _template(db, "reissued", "code.reissued")
    _leak(db, shop, store, code, 1)
    real = outbox.enqueue_on_event

    def enqueue_then_die(tx: Tx, event: str, **kwargs: Any) -> int:
        real(tx, event, **kwargs)
        raise ConnectionResetError("the database connection dropped before the commit")

    monkeypatch.setattr(outbox, "enqueue_on_event", enqueue_then_die)
    crashed = leaks.leak_check(db, Config(), opener=opener_for(store))
    assert (crashed.reissued, crashed.waiting) == (0, 1)
    assert _outbox(db) == [] and _holding(db) == code  # neither the swap nor the message
    assert event_count(db, "code.reissued") == 0

    monkeypatch.setattr(outbox, "enqueue_on_event", real)
    assert leaks.leak_check(db, Config(), opener=opener_for(store)).reissued == 1
    (message,) = _outbox(db)
    assert message.body_text == f"reissued: use {_holding(db)} now"


def test_check_accepts_an_event_and_lints_no_stage(db: Database) -> None:
    builders.campaign(db)
    assert messages.check(db, "summer", "{{promo_code}}", send_on_stage=None) == []
    assert templates.is_event(templates.check_send_on("code.reissued"))
    assert templates.check_send_on("Pre-Payment") == "pre_payment"
