"""Delivery to a real SMTP server on loopback: codes, refusals, retries, headers, metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from store.db import Database
from store.models import utcnow
from store.models_messages import OutboxMessage
from sync import creators, delivery, moves, outbox, templates
from sync.errors import DomainError
from sync.mail import metrics
from tests import builders
from tests.support.smtp import DROP, SmtpServer
from tests.sync.messages.conftest import config_for

BODY = "Hi {{first_name}}, your code: {{promo_code}}"
CODE = "SUMMER-KIT-000000"


class Clock:
    """A clock the test moves forward (backoff and leases without sleeping)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def setup(db: Database, count: int = 1, send_on: str = "pre_payment") -> list[str]:
    builders.campaign(db, pools={"kit": 5})
    handles = [f"c{n}" for n in range(count)]
    for handle in handles:
        creators.add(db, "summer", handle, email=f"{handle}@example.com", first_name=handle)
    templates.add(
        db,
        "summer",
        "code",
        subject="Your code",
        body_text=BODY,
        body_html="<p>{{first_name}}: {{promo_code}}</p>",
        send_on=send_on,
    )
    return handles


def statuses(db: Database) -> list[str]:
    return [m.status for m in outbox.listing(db)]


def test_code_arrives_only_once_the_creator_is_in_the_stage(db: Database, smtp: SmtpServer) -> None:
    setup(db)
    templates.add(db, "summer", "hello", subject="Hi", body_text=BODY, send_on="invited")
    config = config_for(smtp)

    moves.move(db, "summer", "c0", "invited")
    first = delivery.deliver_outbox(db, config)
    moves.move(db, "summer", "c0", "pre_payment")
    second = delivery.deliver_outbox(db, config)

    assert (first.sent, second.sent) == (1, 1)
    hello, code = smtp.mailbox.to("c0@example.com")
    assert hello["Subject"] == "Hi"
    assert hello.get_content().rstrip().endswith("your code:")  # blank before the stage
    text = code.get_body(("plain",)).get_content()
    html = code.get_body(("html",)).get_content()
    assert text.rstrip().endswith(f"your code: {CODE}") and CODE in html
    assert code["From"] == "Brand Team <team@brand.example>"
    assert code["Message-ID"].endswith("@brand.example>")


def test_a_second_run_sends_nothing_again(db: Database, smtp: SmtpServer) -> None:
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")

    delivery.deliver_outbox(db, config_for(smtp))
    again = delivery.deliver_outbox(db, config_for(smtp))

    assert again.sent == 0 and len(smtp.mailbox.received) == 1


def test_permanent_refusal_fails_the_message_until_retried(db: Database, smtp: SmtpServer) -> None:
    setup(db)
    smtp.mailbox.plan("rcpt", "c0@example.com", "550 5.1.1 no such mailbox")
    moves.move(db, "summer", "c0", "pre_payment")
    failed_before = metrics.MESSAGES.labels("failed")._value.get()

    result = delivery.deliver_outbox(db, config_for(smtp))

    assert (result.sent, result.failed) == (0, 1)
    (row,) = outbox.listing(db, failed_only=True)
    assert row.status == "failed" and "550 5.1.1 no such mailbox" in (row.last_error or "")
    assert metrics.MESSAGES.labels("failed")._value.get() == failed_before + 1
    assert delivery.deliver_outbox(db, config_for(smtp)).sent == 0  # not retried on its own

    outbox.retry(db, row.id)
    assert delivery.deliver_outbox(db, config_for(smtp)).sent == 1
    assert statuses(db) == ["sent"] and len(smtp.mailbox.received) == 1


@pytest.mark.parametrize("misbehaviour", ["451 4.3.0 try again later", DROP])
def test_temporary_failure_is_retried_after_a_backoff_and_sent_once(
    db: Database, smtp: SmtpServer, misbehaviour: str
) -> None:
    setup(db, count=2)
    smtp.mailbox.plan("data", "c0@example.com", misbehaviour, misbehaviour)
    for handle in ("c0", "c1"):
        moves.move(db, "summer", handle, "pre_payment")
    clock = Clock()
    config = config_for(smtp)

    first = delivery.deliver_outbox(db, config, clock=clock)
    too_soon = delivery.deliver_outbox(db, config, clock=clock)
    clock.advance(delivery.RETRY_BASE_SECONDS)
    second = delivery.deliver_outbox(db, config, clock=clock)
    clock.advance(2 * delivery.RETRY_BASE_SECONDS)
    third = delivery.deliver_outbox(db, config, clock=clock)

    assert (first.sent, first.retrying) == (1, 1)  # c1 still sent after c0's failure
    assert too_soon.sent == too_soon.retrying == 0
    assert (second.sent, second.retrying, third.sent) == (0, 1, 1)
    assert len(smtp.mailbox.to("c0@example.com")) == 1
    assert len(set(smtp.mailbox.message_ids)) == 2


def test_temporary_failures_end_in_failed_after_the_last_attempt(
    db: Database, smtp: SmtpServer
) -> None:
    setup(db)
    smtp.mailbox.plan("rcpt", "c0@example.com", *["452 4.2.2 mailbox full"] * 20)
    moves.move(db, "summer", "c0", "pre_payment")
    clock = Clock()

    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_outbox(db, config_for(smtp), clock=clock)
        clock.advance(delivery.RETRY_MAX_SECONDS)

    (row,) = outbox.listing(db)
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    assert f"gave up after {delivery.MAX_ATTEMPTS} attempts" in (row.last_error or "")


def test_unreachable_server_stops_the_run_and_keeps_messages_queued(db: Database) -> None:
    setup(db, count=3)
    for handle in ("c0", "c1", "c2"):
        moves.move(db, "summer", handle, "pre_payment")
    from tests.support.serving import free_port
    from tests.support.smtp import Mailbox

    closed = SmtpServer("127.0.0.1", free_port(), Mailbox())  # nobody listens there

    result = delivery.deliver_outbox(db, config_for(closed))

    assert result.stopped and "could not reach the SMTP server" in result.stopped
    assert (result.sent, result.retrying) == (0, 1)
    assert statuses(db) == ["queued"] * 3  # none left claimed, none failed


def test_header_injection_in_a_stored_subject_never_reaches_the_server(
    db: Database, smtp: SmtpServer
) -> None:
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")
    with db.transaction() as tx:  # bypassing the checks at save, as a bad row could
        tx.execute(update(OutboxMessage).values(subject="Hi\r\nBcc: spy@evil.example"))

    result = delivery.deliver_outbox(db, config_for(smtp))

    assert result.failed == 1 and smtp.mailbox.received == []
    (row,) = outbox.listing(db, failed_only=True)
    assert "the subject holds a line break (U+000D)" in (row.last_error or "")


def test_retry_refuses_a_message_that_is_not_failed(db: Database, smtp: SmtpServer) -> None:
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")
    delivery.deliver_outbox(db, config_for(smtp))
    (row,) = outbox.listing(db)

    with pytest.raises(DomainError, match="is sent, not failed or ambiguous"):
        outbox.retry(db, row.id)


def test_removing_a_template_drops_its_queued_messages_and_keeps_sent_ones(
    db: Database, smtp: SmtpServer
) -> None:
    setup(db, count=2)
    moves.move(db, "summer", "c0", "pre_payment")
    delivery.deliver_outbox(db, config_for(smtp))
    moves.move(db, "summer", "c1", "pre_payment")

    removed = templates.remove(db, "summer", "code")

    assert removed.queued_dropped == 1
    assert [(m.handle, m.status) for m in outbox.listing(db)] == [("c0", "sent")]
