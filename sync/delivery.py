"""Delivering the outbox over SMTP: ``promosync messages deliver`` once, the worker forever.

:func:`deliver_outbox` claims due messages in small batches (:func:`store.outbox.claim`:
safe with any number of workers), sends each on one SMTP connection, and records the
outcome:

- accepted (250 after DATA): ``sent``;
- a temporary failure (4xx, dropped or refused connection, timeout): queued again after
  a backoff (``RETRY_BASE_SECONDS`` doubled per attempt, at most ``RETRY_MAX_SECONDS``),
  ``failed`` after ``MAX_ATTEMPTS``; a connection that cannot be opened stops the run;
- a permanent failure (5xx), a header that cannot be written, no address: ``failed``.

**A process that dies in the middle.** Just before DATA (sender and recipient accepted)
the message is marked ``sending`` with a lease. The server takes responsibility only
with its reply to DATA; until our record says ``sent`` nobody can know whether it did.
So a run that finds a message still ``sending`` after its lease marks it ``ambiguous``:
shown by ``messages outbox --failed``, counted in the metrics, never sent again unless
someone decides to with ``messages retry ID`` (which resends it with the same
``Message-ID``, so the recipient's mail client can spot a duplicate). A message merely
``claimed`` (the process died before DATA) was not sent and is queued again.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from store import outbox as store_outbox
from store.db import Database
from store.models import utcnow
from sync.config import Config, SmtpConfig, require_smtp
from sync.mail import metrics
from sync.mail.compose import HeaderRefused, compose
from sync.mail.smtp import (
    ClaimLost,
    Connection,
    MailConfigError,
    PermanentFailure,
    TemporaryFailure,
)
from sync.outbox import NO_ADDRESS

log = logging.getLogger(__name__)

#: How long a claimed or sending message stays a worker's before another run settles it.
#: At least ``LEASE_TIMEOUTS`` SMTP timeouts, so a live worker's lease does not run out.
LEASE_SECONDS = 300.0
LEASE_TIMEOUTS = 4
#: Messages claimed per claim transaction.
CLAIM_BATCH = 20
#: Backoff after a temporary failure: doubled per attempt, capped.
RETRY_BASE_SECONDS = 60.0
RETRY_MAX_SECONDS = 3600.0
#: Attempts before a message that keeps failing temporarily is marked failed.
MAX_ATTEMPTS = 8

SENT, RETRY, FAILED, AMBIGUOUS, LOST = "sent", "retry", "failed", "ambiguous", "lost"


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0  # temporary failures, queued again with a backoff
    failed: int = 0  # permanent failures (or out of attempts)
    ambiguous: int = 0  # found mid-transaction after their process died
    requeued: int = 0  # claims of dead processes given back (never reached DATA)
    stopped: str | None = None  # why the run stopped early: the server could not be used

    @property
    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry later")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.ambiguous:
            parts.append(f"{self.ambiguous} ambiguous (see `promosync messages outbox --failed`)")
        text = ", ".join(parts)
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th temporary failure."""
    return timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempts - 1)))


def deliver_outbox(
    db: Database,
    config: Config,
    *,
    clock: Callable[[], datetime] = utcnow,
    worker: str | None = None,
) -> DeliveryResult:
    """Send every message due now, once; returns the counts.

    Raises ``ConfigError`` without [smtp] and :class:`~sync.mail.smtp.MailConfigError`
    when the server refuses the settings (login, TLS); claimed messages are given back.
    """
    settings = require_smtp(config)
    worker = worker or worker_name()
    lease = timedelta(seconds=max(LEASE_SECONDS, LEASE_TIMEOUTS * settings.timeout))
    requeued, ambiguous = db.run(lambda tx: store_outbox.expire_leases(tx, clock()))
    metrics.MESSAGES.labels(AMBIGUOUS).inc(ambiguous)
    outcomes = {SENT: 0, RETRY: 0, FAILED: 0, LOST: 0}
    stopped: str | None = None
    connection = Connection(settings)
    try:
        while stopped is None:
            batch = _claim(db, worker, clock(), lease)
            if not batch:
                break
            pending = list(batch)
            try:
                while pending and stopped is None:
                    message = pending.pop(0)
                    outcome, stopped = _deliver_one(
                        db, connection, settings, message, worker, clock, lease
                    )
                    outcomes[outcome] += 1
                    if outcome != LOST:
                        metrics.MESSAGES.labels(outcome).inc()
            finally:
                for message in pending:  # not tried: give them back untouched
                    _unclaim(db, message.id, worker)
    finally:
        connection.close()
        _update_gauge(db)
    return DeliveryResult(
        sent=outcomes[SENT],
        retrying=outcomes[RETRY],
        failed=outcomes[FAILED],
        ambiguous=ambiguous,
        requeued=requeued,
        stopped=stopped,
    )


def _deliver_one(
    db: Database,
    connection: Connection,
    settings: SmtpConfig,
    message: store_outbox.Claimed,
    worker: str,
    clock: Callable[[], datetime],
    lease: timedelta,
) -> tuple[str, str | None]:
    """Send one claimed message and record the outcome; (outcome, why the run stops)."""
    if not message.recipient:
        return _failed(db, message, worker, NO_ADDRESS), None
    try:
        envelope = compose(
            sender=settings.sender,
            recipient=message.recipient,
            recipient_name=message.recipient_name,
            subject=message.subject,
            text=message.body_text,
            html=message.body_html,
            message_key=message.message_key,
            date=clock(),
        )
    except (HeaderRefused, ValueError) as refused:
        return _failed(db, message, worker, str(refused)), None
    if not connection.is_open:
        try:
            connection.open()
        except MailConfigError:
            _unclaim(db, message.id, worker)
            raise
        except TemporaryFailure as failure:  # cannot reach the server: stop this run
            return _retry_or_fail(db, message, worker, clock, failure), str(failure)
    try:
        connection.send(
            envelope,
            before_data=lambda: db.run(
                lambda tx: store_outbox.mark_sending(tx, message.id, worker, until=clock() + lease)
            ),
        )
    except ClaimLost:
        log.warning("message %d was taken over by another worker; not sent", message.id)
        return LOST, None
    except MailConfigError:  # e.g. 530 "authentication required" to MAIL: not the message's fault
        _unclaim(db, message.id, worker)
        raise
    except TemporaryFailure as failure:
        return _retry_or_fail(db, message, worker, clock, failure), None
    except PermanentFailure as failure:
        return _failed(db, message, worker, str(failure)), None
    now = clock()
    db.run(lambda tx: store_outbox.mark_sent(tx, message.id, worker, now=now))
    return SENT, None


def _retry_or_fail(
    db: Database,
    message: store_outbox.Claimed,
    worker: str,
    clock: Callable[[], datetime],
    failure: TemporaryFailure,
) -> str:
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        return _failed(db, message, worker, f"gave up after {attempts} attempts: {failure}")
    at = clock() + backoff(attempts)
    db.run(lambda tx: store_outbox.mark_retry(tx, message.id, worker, at=at, error=str(failure)))
    log.info("message %d: %s; retrying at %s", message.id, failure, at.isoformat())
    return RETRY


def _failed(db: Database, message: store_outbox.Claimed, worker: str, error: str) -> str:
    db.run(lambda tx: store_outbox.mark_failed(tx, message.id, worker, error=error))
    log.warning("message %d failed: %s", message.id, error)
    return FAILED


def _claim(
    db: Database, worker: str, now: datetime, lease: timedelta
) -> list[store_outbox.Claimed]:
    return db.run(
        lambda tx: store_outbox.claim(tx, worker, now=now, until=now + lease, limit=CLAIM_BATCH)
    )


def _unclaim(db: Database, message_id: int, worker: str) -> None:
    db.run(lambda tx: store_outbox.unclaim(tx, message_id, worker))


def _update_gauge(db: Database) -> None:
    try:
        counts = db.run(store_outbox.counts)
    except Exception:  # the gauge is informative; the run's own outcome matters more
        log.warning("could not count the outbox for the metrics", exc_info=True)
        return
    for status, count in counts.items():
        metrics.OUTBOX.labels(status).set(count)
