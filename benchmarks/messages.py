"""The messages benchmark: render, enqueue and deliver N e-mails against bare smtplib.

One run, on a fresh SQLite database with N creators at ``pre_payment`` (their codes
released by moves that are not timed):

- promosync: ``outbox.send`` renders and enqueues the template for everyone at the
  stage (one transaction), then ``deliver_outbox`` claims and sends them to an aiosmtpd
  server on loopback, recording each outcome;
- bare: the same N messages (subjects and bodies as promosync rendered them, read before
  the clock starts) built with the standard library's ``email`` package (policy SMTP,
  as any sender must) and sent by ``smtplib`` alone on one connection to the same server.

The row shows promosync's messages per second, the bare rate and their ratio (medians
of the runs): what the outbox's bookkeeping (claims, ``sending`` before DATA, outcome
per message) costs against the SMTP work itself.
"""

from __future__ import annotations

import smtplib
import socket
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from benchmarks import fixtures
from benchmarks.harness import Row, run_all, spread
from store.db import Database
from store.models import Creator
from store.models_messages import OutboxMessage
from sync import delivery, moves, outbox, templates
from sync.config import Config
from sync.mail.compose import compose

SENDER = "Brand Team <team@brand.example>"
BODY = "Hi {{first_name}},\n\nYour code for {{campaign_name}}: {{promo_code}}\n"
HTML = "<p>Hi {{first_name}}, your code: <b>{{promo_code}}</b></p>"
#: promosync must deliver at least this fraction of bare smtplib's rate.
RATIO_TARGET = 0.25


@dataclass(frozen=True)
class Sizes:
    messages: int
    runs: int


FULL = Sizes(messages=1_000, runs=3)
QUICK = Sizes(messages=20, runs=1)


class _Counting:
    """An aiosmtpd handler that accepts everything and counts it."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepared(template: Path, work: Path, count: int) -> Database:
    """N creators with addresses at pre_payment, codes released, a template saved."""
    db = Database(fixtures.fresh_sqlite(template, work))
    key = "mail"
    fixtures.campaign(db, key, pool_size=count)
    handles = fixtures.handles(count)
    fixtures.creators(db, key, handles)
    with db.transaction() as tx:
        tx.execute(update(Creator).values(email=Creator.handle + "@example.com"))
    for handle in handles:
        moves.move(db, key, handle, fixtures.TARGET_STAGE)
    templates.add(
        db, key, "code", subject="Your code for {{campaign_name}}", body_text=BODY, body_html=HTML
    )
    return db


def _contents(db: Database) -> list[OutboxMessage]:
    """The messages promosync rendered (subjects, bodies, addresses)."""
    with db.transaction() as tx:
        rows = list(tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        tx.expunge_all()
        return rows


def _bare(port: int, messages: Sequence[OutboxMessage]) -> float:
    """Seconds to build and send the messages with the standard library alone."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for m in messages:
            envelope = compose(
                sender=SENDER,
                recipient=m.recipient or "",
                recipient_name=m.recipient_name,
                subject=m.subject,
                text=m.body_text,
                html=m.body_html,
                message_key=m.message_key,
                date=datetime.now(UTC),
            )
            client.sendmail(envelope.sender, [envelope.recipient], envelope.data)
    return time.perf_counter() - started


def deliver(sizes: Sizes, work: Path, template: Path) -> Row:
    name = f"render, enqueue and deliver {sizes.messages:,} messages (SQLite, loopback SMTP)"
    target = f">= {RATIO_TARGET:.2f}x bare smtplib"
    handler = _Counting()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ours, bare, enqueue_rates, deliver_rates = [], [], [], []
    try:
        config = Config.model_validate(
            {"smtp": {"host": "127.0.0.1", "port": port, "security": "none", "from": SENDER}}
        )
        for _ in range(sizes.runs):
            db = _prepared(template, work, sizes.messages)
            before = handler.accepted
            started = time.perf_counter()
            report = outbox.send(db, "mail", "code", stage=fixtures.TARGET_STAGE)
            enqueued = time.perf_counter()
            result = delivery.deliver_outbox(db, config)
            finished = time.perf_counter()
            if report.count(outbox.QUEUED_NOW) != sizes.messages or result.sent != sizes.messages:
                raise AssertionError(f"queued {report.summary}, delivered {result.summary}")
            ours.append(sizes.messages / (finished - started))
            enqueue_rates.append(sizes.messages / (enqueued - started))
            deliver_rates.append(sizes.messages / (finished - enqueued))
            messages = _contents(db)
            bare.append(sizes.messages / _bare(port, messages))
            if handler.accepted - before != 2 * sizes.messages:
                raise AssertionError("the server did not accept every message")
            db.dispose()
    finally:
        controller.stop()
    median, baseline = statistics.median(ours), statistics.median(bare)
    ratio = median / baseline
    return Row(
        name,
        f"{median:,.0f} msg/s ({ratio:.2f}x bare)",
        target,
        ratio >= RATIO_TARGET,
        sizes.runs,
        f"bare smtplib {baseline:,.0f}/s; render+enqueue "
        f"{statistics.median(enqueue_rates):,.0f}/s, deliver "
        f"{statistics.median(deliver_rates):,.0f}/s; " + spread(ours, lambda r: f"{r:,.0f}/s"),
    )


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (("messages", deliver),)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    return run_all(BENCHMARKS, QUICK if quick else FULL, only, prefix="promosync-bench-mail-")
