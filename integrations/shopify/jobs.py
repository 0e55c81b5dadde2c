"""Waiting for Shopify's asynchronous jobs (bulk exports, code creations, deletions).

Polling backs off geometrically so a short job finishes fast and a long export
does not burn the cost bucket; the client's injected clock and sleep make it
instant in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from integrations.shopify.client import ShopifyClient
from integrations.shopify.errors import BulkOperationError, ErrorContext

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_POLL_FIRST_INTERVAL = 0.5
DEFAULT_POLL_MULTIPLIER = 1.5
DEFAULT_POLL_MAX_INTERVAL = 10.0
DEFAULT_POLL_TIMEOUT = 3600.0  # a bulk export of millions of codes takes minutes, not hours


@dataclass(frozen=True)
class PollPolicy:
    """How often and how long to poll an asynchronous Shopify job."""

    first_interval: float = DEFAULT_POLL_FIRST_INTERVAL
    multiplier: float = DEFAULT_POLL_MULTIPLIER
    max_interval: float = DEFAULT_POLL_MAX_INTERVAL
    timeout: float = DEFAULT_POLL_TIMEOUT


def poll(
    client: ShopifyClient,
    fetch: Callable[[], T],
    finished: Callable[[T], bool],
    *,
    policy: PollPolicy,
    job_id: str,
    operation: str,
) -> T:
    """Call ``fetch`` until ``finished`` says so; raise BulkOperationError on timeout."""
    started = client.clock()
    interval = policy.first_interval
    while True:
        result = fetch()
        if finished(result):
            return result
        if client.clock() - started + interval > policy.timeout:
            context = ErrorContext(client.shop, operation)
            raise BulkOperationError(context, job_id, f"unfinished after {policy.timeout:.0f}s")
        log.debug("job %s not finished; polling again in %.1fs", job_id, interval)
        client.sleep(interval)
        interval = min(policy.max_interval, interval * policy.multiplier)
