"""Retry policy for Shopify calls: the platform-neutral :mod:`integrations.retry`.

Shopify errors set ``retryable`` and ``retry_after`` when
:func:`integrations.shopify.classify.error_for_response` builds them; whether
and when to retry is decided by :meth:`integrations.retry.RetryPolicy.decide`,
the same for every platform. This module keeps the Shopify-side import path.
"""

from __future__ import annotations

from integrations.retry import (
    DAEMON,
    DEFAULT_BASE_BACKOFF_SECONDS,
    DEFAULT_JITTER_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_BACKOFF_SECONDS,
    DEFAULT_MAX_SINGLE_WAIT_SECONDS,
    DEFAULT_MAX_TOTAL_SECONDS,
    INTERACTIVE,
    NO_RETRY,
    RetryPolicy,
)

__all__ = [
    "DAEMON",
    "DEFAULT_BASE_BACKOFF_SECONDS",
    "DEFAULT_JITTER_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_BACKOFF_SECONDS",
    "DEFAULT_MAX_SINGLE_WAIT_SECONDS",
    "DEFAULT_MAX_TOTAL_SECONDS",
    "INTERACTIVE",
    "NO_RETRY",
    "RetryPolicy",
]
