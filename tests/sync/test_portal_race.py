"""Processes linking the same creator at once all get links to their one portal id.

Four processes, released together by a barrier each round with random (seeded) jitter,
link a creator who has no link yet. Whatever the interleaving, the creator ends with
one access row, every process signed for its portal id, and every link opens the page.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import time
import traceback
from typing import Any

import pytest
from sqlalchemy import func, select

from store.db import Database
from store.models_portal import PortalAccess
from sync import creators, portal
from sync.config import Config, PortalConfig
from tests import builders
from tests.support.portal import token_of
from tests.support.processes import run_processes

ROUNDS = 8
LINKERS = 4
MAX_DELAY_S = 0.02  # jitter before each link, drawn per process and round
BARRIER_TIMEOUT_S = 120
JOIN_TIMEOUT_S = 240
SECRET = "race-secret-" + "s" * 32


def _config() -> Config:
    return Config(
        portal=PortalConfig.model_validate({"base_url": "https://p.example", "secret": SECRET})
    )


def _worker(index: int, db_url: str, seed: int, barrier: Any, out: Any) -> None:
    rng = random.Random(seed * 100 + index)
    db = Database(db_url)
    config = _config()
    links: list[tuple[int, str]] = []
    try:
        for round_ in range(ROUNDS):
            barrier.wait(BARRIER_TIMEOUT_S)
            time.sleep(rng.uniform(0, MAX_DELAY_S))
            links.append((round_, portal.link(db, config, "summer", f"c{round_}").url))
        out.put(("ok", links))
    except BaseException:
        out.put(("error", traceback.format_exc()))
    finally:
        db.dispose()


@pytest.mark.slow
def test_concurrent_links_of_one_creator_share_one_portal_id(db: Database, db_url: str) -> None:
    seed = random.randrange(1_000_000)
    builders.campaign(db)
    for round_ in range(ROUNDS):
        creators.add(db, "summer", f"c{round_}")
    reports = run_processes(
        _worker, [(i, db_url, seed) for i in range(LINKERS)], join_timeout=JOIN_TIMEOUT_S
    )
    errors = [detail for status, detail in reports if status == "error"]
    assert not errors, f"seed {seed}: {errors[0]}"
    config = _config()
    portal_ids: dict[int, set[str]] = {}
    for _, links in reports:
        for round_, url in links:
            token = token_of(url)
            portal_ids.setdefault(round_, set()).add(token.split(".")[0])
            view = portal.open_page(db, config, token)
            assert view is not None and view.handle == f"c{round_}", f"seed {seed}"
    assert all(len(ids) == 1 for ids in portal_ids.values()), f"seed {seed}: {portal_ids}"
    with db.transaction() as tx:
        rows = tx.execute(select(func.count()).select_from(PortalAccess)).scalar_one()
    assert rows == ROUNDS, f"seed {seed}"
