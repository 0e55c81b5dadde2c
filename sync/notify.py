"""Outbound webhooks: alert events POSTed to ``[notify] url``, signed, retried, once each.

Each alert event becomes one POST of a JSON body::

    {"id": 42, "kind": "code.leaked", "at": "...", "campaign": "summer",
     "incentive": "summer/kit", "creator": "maya", "detail": {...}}

with ``X-Promosync-Event-Id: 42`` and ``X-Promosync-Signature: sha256=<hex HMAC-SHA256 of
the exact body with [notify] secret>``. The receiver verifies the signature over the raw
body and de-duplicates by event id: delivery is at least once (a POST whose answer was lost
is sent again), so the id makes it idempotent.

A cursor per URL in the database says how far delivery got; it is leased to one sender at
a time (several workers may call :func:`notify_events`), and advanced after each answered
POST. A POST that fails (no answer, 5xx, 408, 429) is retried with exponential backoff,
:data:`~sync.config.DEFAULT_NOTIFY_ATTEMPTS` times; then the run stops and the next one starts
from that event. A refusal (any other 4xx) is logged and skipped: retrying cannot help.
Every alert in the log is sent, including those raised before ``[notify]`` was set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from integrations.urls import redact_url
from store import catalog, events
from store import notify as store_notify
from store.db import Database
from store.models import utcnow
from sync import alerts, metrics
from sync.config import Config
from sync.events import public_detail

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Promosync-Signature"
EVENT_ID_HEADER = "X-Promosync-Event-Id"
EVENT_KIND_HEADER = "X-Promosync-Event"
SIGNATURE_PREFIX = "sha256="
BATCH = 100
LEASE = timedelta(minutes=5)
FIRST_BACKOFF = 0.5  # seconds; doubled after each failed attempt
MAX_BACKOFF = 30.0
_RETRYABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True)
class NotifyResult:
    sent: int
    refused: int  # answered with a 4xx: logged and skipped
    stopped: bool  # a POST kept failing: the rest waits for the next run


def sign(body: bytes, secret: str) -> str:
    """The signature header value of ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(body: bytes, secret: str, header: str) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time; for receivers)."""
    return hmac.compare_digest(sign(body, secret), header)


def notify_events(
    db: Database,
    config: Config,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> NotifyResult:
    """Send every alert event not sent yet to ``[notify] url`` (worker service)."""
    settings = config.notify
    if settings.url is None:
        return NotifyResult(0, 0, False)
    secret = settings.secret.reveal() if settings.secret else ""
    kinds = settings.kinds or alerts.ALERT_KINDS
    url_key = hashlib.sha256(settings.url.encode("utf-8")).hexdigest()
    owner = events.default_actor()
    at = now or utcnow()
    with db.transaction() as tx:
        position = store_notify.take_lease(tx, url_key, owner, at, at + LEASE)
    if position is None:
        return NotifyResult(0, 0, False)  # another worker is sending
    own_client = client is None
    http = client or httpx.Client(timeout=settings.timeout)
    sent = refused = 0
    stopped = False
    try:
        while not stopped:
            with db.transaction() as tx:
                batch = store_notify.events_after(tx, position, kinds, BATCH)
                refs = catalog.incentive_refs(tx, {row[4] for row in batch if row[4]})
            if not batch:
                break
            for event_id, when, kind, campaign, incentive_id, creator, detail in batch:
                body = json.dumps(
                    {
                        "id": event_id,
                        "kind": kind,
                        "at": when.isoformat(),
                        "campaign": campaign,
                        "incentive": refs.get(incentive_id) if incentive_id else None,
                        "creator": creator,
                        "detail": public_detail(detail, refs),
                    },
                    sort_keys=True,
                ).encode("utf-8")
                outcome = _deliver(
                    http, settings.url, body, event_id, kind, secret, settings.attempts, sleep
                )
                if outcome == "failed":
                    stopped = True
                    break
                sent += outcome == "sent"
                refused += outcome == "refused"
                metrics.NOTIFY.labels(outcome=outcome).inc()
                with db.transaction() as tx:
                    store_notify.advance(tx, url_key, owner, event_id)
                position = event_id
    finally:
        if own_client:
            http.close()
        with db.transaction() as tx:
            store_notify.release(tx, url_key, owner)
    return NotifyResult(sent, refused, stopped)


def _deliver(
    http: httpx.Client,
    url: str,
    body: bytes,
    event_id: int,
    kind: str,
    secret: str,
    attempts: int,
    sleep: Callable[[float], None],
) -> str:
    """POST one event: ``sent``, ``refused`` (4xx) or ``failed`` (after every attempt)."""
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: str(event_id),
        EVENT_KIND_HEADER: kind,
        SIGNATURE_HEADER: sign(body, secret),
    }
    wait = FIRST_BACKOFF
    for attempt in range(1, attempts + 1):
        try:
            response = http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            problem = f"{type(error).__name__}"
        else:
            if response.status_code < 300:
                return "sent"
            if 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_STATUS:
                log.warning(
                    "notify %s refused event %d with HTTP %d: skipped",
                    redact_url(url),
                    event_id,
                    response.status_code,
                )
                return "refused"
            problem = f"HTTP {response.status_code}"
        if attempt < attempts:
            log.info("notify %s: %s; retrying in %.1f s", redact_url(url), problem, wait)
            sleep(wait)
            wait = min(wait * 2, MAX_BACKOFF)
    log.warning(
        "notify %s failed for event %d after %d attempts (%s): the next run tries again",
        redact_url(url),
        event_id,
        attempts,
        problem,
    )
    metrics.NOTIFY.labels(outcome="failed").inc()
    return "failed"
