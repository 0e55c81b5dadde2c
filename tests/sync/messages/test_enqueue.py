"""Automatic sends are queued inside the move's transaction: every path, at most once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.db import Database
from store.models_messages import OutboxMessage
from sync import creators, moves, outbox, templates
from sync.errors import OutOfCodes
from tests import builders

BODY = "Hi {{first_name}}, your code: {{promo_code}}"


def queued(db: Database) -> list[OutboxMessage]:
    with db.transaction() as tx:
        return list(tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def setup(db: Database, pool: int = 3, count: int = 1, **trigger: str) -> list[str]:
    builders.campaign(db, pools={"kit": pool})
    handles = [f"c{n}" for n in range(count)]
    for handle in handles:
        creators.add(db, "summer", handle, email=f"{handle}@example.com", first_name=handle)
    for name, stage in trigger.items():
        templates.add(
            db, "summer", name, subject=f"{name} {{{{first_name}}}}", body_text=BODY, send_on=stage
        )
    return handles


def test_entering_the_trigger_stage_queues_the_message_with_the_released_code(
    db: Database,
) -> None:
    (handle,) = setup(db, code="pre_payment")

    outcome = moves.move(db, "summer", handle, "pre_payment")

    (message,) = queued(db)
    assert message.status == "queued" and message.recipient == "c0@example.com"
    assert message.trigger == "stage:pre_payment"
    assert message.body_text.endswith(f"your code: {outcome.released[0].code}")


def test_skipping_past_stages_queues_each_with_what_that_stage_shows(db: Database) -> None:
    (handle,) = setup(db, hello="invited", code="pre_payment", later="complete")

    moves.move(db, "summer", handle, "draft")

    by_name = {m.template_name: m for m in queued(db)}
    assert sorted(by_name) == ["code", "hello"]  # 'complete' not reached
    assert by_name["hello"].body_text.endswith("your code: ")  # invited: before the release
    assert by_name["code"].body_text.endswith("SUMMER-KIT-000000")


def test_refused_move_queues_nothing(db: Database) -> None:
    first, second = setup(db, pool=1, count=2, code="pre_payment")
    moves.move(db, "summer", first, "pre_payment")

    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", second, "pre_payment")

    assert [m.creator_id for m in queued(db)] == [1]


def test_moving_back_and_forward_again_never_queues_a_second_message(db: Database) -> None:
    (handle,) = setup(db, code="pre_payment")

    for target in ("pre_payment", "invited", "pre_payment", "dropped", "pre_payment"):
        moves.move(db, "summer", handle, target)

    assert len(queued(db)) == 1


def test_bulk_move_queues_one_message_per_creator_moved(db: Database) -> None:
    handles = setup(db, pool=2, count=3, code="pre_payment")

    report = moves.move_stage(db, "summer", "candidates", "pre_payment")

    assert report.count(moves.MOVED) == 2 and report.count(moves.REFUSED) == 1
    assert len(queued(db)) == 2
    assert {m.recipient for m in queued(db)} < {f"{h}@example.com" for h in handles}


def test_creator_without_address_gets_a_failed_message_saying_so(db: Database) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "nomail")
    templates.add(db, "summer", "code", subject="Hi", body_text=BODY, send_on="pre_payment")

    moves.move(db, "summer", "nomail", "pre_payment")

    (message,) = queued(db)
    assert message.status == "failed" and "no e-mail address" in (message.last_error or "")


def test_manual_send_skips_past_recipients_and_dry_run_queues_nothing(db: Database) -> None:
    handles = setup(db, count=3, code="pre_payment")
    templates.add(db, "summer", "news", subject="News", body_text="Hello {{first_name}}")
    outbox.send(db, "summer", "news", [handles[0]])

    dry = outbox.send(db, "summer", "news", stage="candidates", dry_run=True)
    assert [o.result for o in dry.outcomes] == ["already_sent", "would_queue", "would_queue"]
    assert len(queued(db)) == 1

    report = outbox.send(db, "summer", "news", stage="candidates")
    assert report.count(outbox.QUEUED_NOW) == 2 and report.count(outbox.ALREADY_SENT) == 1
    assert len(queued(db)) == 3


def test_the_database_refuses_a_second_message_per_template_and_creator(db: Database) -> None:
    (handle,) = setup(db, code="pre_payment")
    moves.move(db, "summer", handle, "pre_payment")
    (message,) = queued(db)
    row = {c.name: getattr(message, c.name) for c in OutboxMessage.__table__.columns}
    del row["id"]

    from store import outbox as store_outbox

    with db.transaction() as tx:
        assert store_outbox.enqueue(tx, [row]) == 0
    assert len(queued(db)) == 1
