"""The worker's small parts: its JSON log lines, the counts of a job's line, its backoff."""

from __future__ import annotations

import json
import logging

from sqlalchemy import update

from store.db import Database
from store.models import Incentive
from sync import config
from sync.shopsync.jobs import SyncPullResult
from sync.shopsync.pull import PullResult
from sync.worker.execute import counts
from sync.worker.local import MAX_SKIPPED_TURNS, Backoff
from sync.worker.logformat import JsonFormatter
from sync.worker.table import PERIODIC, JobKey, keys
from tests import builders


def test_a_json_log_line_carries_the_job_fields_and_hides_url_passwords() -> None:
    record = logging.LogRecord(
        "promosync.worker", logging.ERROR, __file__, 1, "pull failed: %s", ("x",), None
    )
    record.job_run = {
        "job": "pull",
        "store": "main",
        "incentive": "summer/kit",
        "outcome": "failed",
        "duration_s": 1.5,
        "error": "could not reach postgresql://bob:hunter2@db/promosync",
    }
    line = json.loads(JsonFormatter().format(record))
    assert (line["job"], line["store"], line["incentive"], line["outcome"]) == (
        "pull",
        "main",
        "summer/kit",
        "failed",
    )
    assert line["level"] == "error" and line["message"] == "pull failed: x"
    assert "hunter2" not in json.dumps(line) and "bob:***@db" in line["error"]


def test_the_counts_of_a_job_line_sum_its_results_and_skip_unknowns() -> None:
    one = PullResult("summer/kit", "main", "active", 10, 10, 4, 1, 2, 0, 0)
    two = PullResult("summer/cap", "main", "active", None, 5, 5, 0, 0, 1, 0)
    found = counts(SyncPullResult("main", 3, (one, two)))
    assert found == {
        "revoked": 3,
        "expected": 10,
        "fetched": 15,
        "new": 9,
        "skipped": 1,
        "quarantined": 2,
        "flagged": 1,
        "restored": 0,
    }


def test_a_failing_key_skips_more_turns_after_each_failure_until_it_succeeds() -> None:
    backoff, key, other = Backoff(), JobKey("pull", "main", 1), JobKey("pull", "main", 2)
    skipped_after = []
    for _ in range(7):
        backoff.failed(key)
        turns = 0
        while backoff.should_skip(key):
            turns += 1
        skipped_after.append(turns)
    assert skipped_after == [0, 1, 3, 7, 15, MAX_SKIPPED_TURNS, MAX_SKIPPED_TURNS]
    assert not backoff.should_skip(other)
    backoff.failed(key)
    backoff.failed(key)
    backoff.succeeded(key)
    assert not backoff.should_skip(key)


def test_the_schedule_has_each_job_per_linked_incentive_store_or_database(db: Database) -> None:
    builders.campaign(db, pools={"kit": 0, "cap": 0})
    with db.transaction() as tx:
        tx.execute(
            update(Incentive)
            .where(Incentive.key == "kit")
            .values(store_name="main", source_id="gid://shopify/DiscountCodeNode/1")
        )
        tx.execute(  # linked to a store that is no longer configured: not scheduled
            update(Incentive)
            .where(Incentive.key == "cap")
            .values(store_name="gone", source_id="gid://shopify/DiscountCodeNode/2")
        )
    settings = config.Config.model_validate(
        {"stores": {"main": {"platform": "shopify", "shop": "brand.myshopify.com"}}}
    )
    scheduled = {(periodic.name, key.store, key.ref) for periodic, key in keys(db, settings)}
    assert scheduled == {
        ("pull", "main", "summer/kit"),
        ("usage", "main", "summer/kit"),
        ("orders", "main", None),
        ("revoke", "main", None),
        ("inbox", None, None),
        ("mail", None, None),
    }
    assert {p.name for p in PERIODIC} == {name for name, _, _ in scheduled}
