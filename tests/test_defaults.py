"""Every named default of the domain and the jobs, pinned in one place."""

from __future__ import annotations

from datetime import timedelta

from store import chunks, db, models, pool
from sync import (
    codegen,
    codes_input,
    config,
    inbox_writer,
    incentives,
    portal,
    portal_tokens,
    workflow,
)
from sync import inbox as inbox_service
from sync.shopsync import generate, link, orders, runs
from sync.web import webhooks


def test_domain_and_job_defaults() -> None:
    assert models.MAX_CODE_LENGTH == codes_input.MAX_CODE_LENGTH == 150
    assert db.DEFAULT_DATABASE_URL == "sqlite:///promosync.db"
    assert db.SQLITE_BUSY_TIMEOUT_MS == 60_000
    assert pool.STAGING_BATCH == 5_000
    assert codegen.MIN_RANDOM_LENGTH == 8 and not set("01OIL") & set(codegen.ALPHABET)
    assert config.DEFAULT_CONFIG_FILE == "promosync.toml"
    assert (config.CONFIG_ENV, config.DB_ENV) == ("PROMOSYNC_CONFIG", "PROMOSYNC_DB")
    assert config.ShopifyShopConfig.model_fields["bulk_threshold"].default == 10_000
    assert incentives.ON_DROP_POLICIES == ("keep", "disable")
    assert workflow.TIMINGS == ("pre_payment", "post_payment")
    assert workflow.REQUIRED_STAGES == {"content_creation", "complete", "dropped"}
    assert orders.LOOKBACK == timedelta(days=3)
    assert orders.FIRST_RUN_HISTORY == timedelta(days=60)
    assert (generate.MAX_ROUNDS, generate.MAX_GENERATE) == (5, 100_000)
    assert chunks.PARAMETER_CHUNK == 5_000
    assert (runs.LOCK_POLL_SECONDS, runs.HOLDER_GRACE_SECONDS) == (0.5, 2.0)
    assert link.LINK_ATTEMPTS == 3
    assert config.DEFAULT_LINK_LIFETIME == 30 * 86400 and config.MAX_LINK_LIFETIME == 366 * 86400
    assert (portal_tokens.PORTAL_ID_BYTES, portal_tokens.MIN_SECRET_LENGTH) == (16, 32)
    assert portal.PAGE_PREFIX == "/c/"
    assert webhooks.MAX_BODY_BYTES == 1024 * 1024
    assert (inbox_writer.MAX_BATCH, inbox_writer.WRITERS) == (256, 2)
    assert (inbox_service.MAX_ATTEMPTS, inbox_service.BATCH) == (5, 500)
    assert inbox_service.RETRY_AFTER == timedelta(seconds=10)
    assert inbox_service.KEEP_DONE == timedelta(days=7)
    assert models.MAX_DELIVERY_ID_LENGTH == 100


def test_message_delivery_defaults() -> None:
    from store import models_messages
    from sync import delivery

    assert config.DEFAULT_SMTP_TIMEOUT_SECONDS == 30.0
    assert config.SMTP_DEFAULT_PORTS == {"starttls": 587, "tls": 465, "none": 25}
    assert config.SmtpConfig.model_fields["security"].default == "starttls"
    assert (delivery.LEASE_SECONDS, delivery.LEASE_TIMEOUTS, delivery.CLAIM_BATCH) == (300.0, 4, 20)
    assert (delivery.RETRY_BASE_SECONDS, delivery.RETRY_MAX_SECONDS) == (60.0, 3600.0)
    assert delivery.MAX_ATTEMPTS == 8
    assert delivery.backoff(1) == timedelta(minutes=1)
    assert delivery.backoff(3) == timedelta(minutes=4) and delivery.backoff(20) == timedelta(
        hours=1
    )
    assert models_messages.MAX_SUBJECT_LENGTH == 300
