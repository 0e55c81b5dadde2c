"""Several delivery processes on one outbox: every message sent exactly once."""

from __future__ import annotations

import random
from typing import Any

from store.db import Database
from sync import creators, delivery, outbox, templates
from sync.config import Config
from tests import builders
from tests.support.processes import run_processes
from tests.support.smtp import SmtpServer

JOIN_TIMEOUT_SECONDS = 180.0


def _deliver(db_url: str, host: str, port: int, batch: int, barrier: Any, results: Any) -> None:
    delivery.CLAIM_BATCH = batch  # small batches: the workers contend for the same rows
    db = Database(db_url)
    config = Config.model_validate(
        {"smtp": {"host": host, "port": port, "security": "none", "from": "team@brand.example"}}
    )
    barrier.wait()
    result = delivery.deliver_outbox(db, config)
    results.put((result.sent, result.retrying, result.failed))
    db.dispose()


def test_concurrent_workers_send_each_message_exactly_once(
    db: Database, db_url: str, smtp: SmtpServer
) -> None:
    rng = random.Random()
    count, workers = rng.randint(20, 50), rng.randint(2, 4)
    builders.campaign(db)
    for n in range(count):
        creators.add(db, "summer", f"c{n}", email=f"c{n}@example.com")
    templates.add(db, "summer", "news", subject="News", body_text="Hello {{first_name}}")
    outbox.send(db, "summer", "news", stage="candidates")

    reports = run_processes(
        _deliver,
        [(db_url, smtp.host, smtp.port, rng.randint(1, 4)) for _ in range(workers)],
        join_timeout=JOIN_TIMEOUT_SECONDS,
    )

    ids = smtp.mailbox.message_ids
    assert sum(sent for sent, _, _ in reports) == count, (count, workers, reports)
    assert len(ids) == len(set(ids)) == count
    assert {m.status for m in outbox.listing(db, limit=0)} == {"sent"}


def _send(db_url: str, barrier: Any, results: Any) -> None:
    db = Database(db_url)
    barrier.wait()
    report = outbox.send(db, "summer", "news", stage="candidates")
    results.put(report.count(outbox.QUEUED_NOW))
    db.dispose()


def test_concurrent_manual_sends_queue_one_message_per_creator(db: Database, db_url: str) -> None:
    count, senders = random.randint(5, 30), random.randint(2, 4)
    builders.campaign(db)
    for n in range(count):
        creators.add(db, "summer", f"c{n}", email=f"c{n}@example.com")
    templates.add(db, "summer", "news", subject="News", body_text="Hello {{first_name}}")

    queued = run_processes(_send, [(db_url,)] * senders, join_timeout=JOIN_TIMEOUT_SECONDS)

    listed = outbox.listing(db, limit=0)
    assert len(listed) == len({m.handle for m in listed}) == count
    assert sum(queued) == count  # each process reports only what it really queued
