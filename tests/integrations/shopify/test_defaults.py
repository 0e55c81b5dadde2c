"""Every named number of the Shopify integration, pinned in one place."""

from __future__ import annotations

from integrations import retry
from integrations.shopify import (
    auth,
    classify,
    codes,
    domain,
    jobs,
    pacing,
    queries,
    shop,
)


def test_defaults_are_pinned() -> None:
    assert domain.API_VERSION == "2026-10"
    assert domain.GRAPHQL_PATH == "/admin/api/2026-10/graphql.json"
    assert queries.REDEEM_CODES_PAGE_SIZE == codes.PAGE_SIZE == 250
    assert queries.CREATION_RESULTS_PAGE_SIZE == 250
    assert queries.ORDERS_PAGE_SIZE == 100
    assert shop.BULK_ADD_BATCH == shop.BULK_DELETE_BATCH == 250
    assert shop.DEFAULT_BULK_THRESHOLD == 10_000
    assert retry.RetryPolicy() == retry.RetryPolicy(
        max_attempts=10,
        max_total_seconds=300.0,
        base_backoff=0.5,
        max_backoff=30.0,
        jitter=0.5,
        max_single_wait=60.0,
    )
    assert retry.DAEMON == retry.RetryPolicy()
    assert retry.INTERACTIVE == retry.RetryPolicy(max_total_seconds=30.0, max_backoff=10.0)
    assert jobs.PollPolicy() == jobs.PollPolicy(
        first_interval=0.5, multiplier=1.5, max_interval=10.0, timeout=3600.0
    )
    assert pacing.DEFAULT_EXPECTED_COST == 260.0
    assert pacing.DEFAULT_SAFETY_MARGIN == 1.0
    assert classify.DEFAULT_RETRY_AFTER_SECONDS == 1.0
    assert classify.MIN_THROTTLE_WAIT_SECONDS == 0.1
    assert auth.RENEW_BEFORE_EXPIRY_SECONDS == 300.0
    assert auth.DEFAULT_TOKEN_LIFETIME_SECONDS == 86_400.0
