"""``/healthz`` names each store's last successful sync and fails when one is too old."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update

from store import sync_runs
from store.db import Database
from store.models import Incentive, utcnow
from store.models_sync import SyncRun
from sync import config
from sync.web.app import WebContext, create_app
from tests import builders

PULL_EVERY = 60.0


def _linked_incentive_pulled(db: Database, ago: timedelta, status: str = "ok") -> None:
    builders.campaign(db, pools={"kit": 0})
    with db.transaction() as tx:
        tx.execute(update(Incentive).values(store_name="main", source_id="gid://x/1"))
        run = sync_runs.begin_run(tx, "main", "pull", 1, owner="elsewhere:1")
        sync_runs.finish_run(tx, run, status, None if status == "ok" else "boom")
        tx.execute(update(SyncRun).values(finished_at=utcnow() - ago))


def _healthz(db: Database) -> httpx.Response:
    settings = config.Config.model_validate({"daemon": {"pull_every": PULL_EVERY}})
    app = create_app(WebContext(settings, db))

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get("/healthz")

    return asyncio.run(get())


def test_healthz_is_ok_while_every_store_synced_within_three_intervals(db: Database) -> None:
    _linked_incentive_pulled(db, timedelta(seconds=2.5 * PULL_EVERY))
    answer = _healthz(db)
    assert answer.status_code == 200
    store = answer.json()["stores"]["main"]
    assert store["stale"] is False
    assert 2.4 * PULL_EVERY < store["last_sync_age_seconds"] < 3 * PULL_EVERY


def test_healthz_answers_503_when_a_store_is_staler_than_three_intervals(db: Database) -> None:
    _linked_incentive_pulled(db, timedelta(seconds=3.5 * PULL_EVERY))
    answer = _healthz(db)
    assert answer.status_code == 503
    assert answer.json()["stale_stores"] == ["main"]


def test_healthz_answers_503_for_a_store_whose_pulls_only_failed(db: Database) -> None:
    _linked_incentive_pulled(db, timedelta(seconds=1), status="failed")
    answer = _healthz(db)
    assert answer.status_code == 503
    assert answer.json()["stores"]["main"]["last_sync_age_seconds"] is None
