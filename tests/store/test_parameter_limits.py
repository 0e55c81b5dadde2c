"""No store function builds a statement whose size depends on its caller's list (issue 6 #4).

PostgreSQL refuses a statement with more than 65,535 bound parameters; ``codes
generate --count 100000`` hands lists of that size to the store. Each function
taking a list gets 70,000 items here, on both databases.
"""

from __future__ import annotations

from sqlalchemy import func, select

from store import catalog, pool, reporting, shop_requests, shop_sync, sync_runs
from store.chunks import PARAMETER_CHUNK, chunked
from store.db import Database
from store.models import Code, utcnow
from store.models_sync import CodeRequest
from sync import lookup
from tests import builders

MANY = 70_000  # more than PostgreSQL's 65,535 bound parameters per statement
STORE = "main"


def test_chunked_yields_bounded_lists_covering_every_value() -> None:
    chunks = list(chunked(range(2 * PARAMETER_CHUNK + 1)))
    assert [len(c) for c in chunks] == [PARAMETER_CHUNK, PARAMETER_CHUNK, 1]
    assert [v for c in chunks for v in c] == list(range(2 * PARAMETER_CHUNK + 1))
    assert list(chunked([])) == []


def test_store_functions_take_70000_items_on_both_databases(db: Database) -> None:
    builders.campaign(db, pools={"kit": 0}, active=False)
    with db.transaction() as tx:
        incentive_id = lookup.incentive(tx, lookup.campaign(tx, "summer"), "kit").id
    requested = [(f"GEN{n:07d}", f"gen{n:07d}") for n in range(MANY)]
    pulled = [(f"PUL{n:07d}", f"pul{n:07d}", None) for n in range(MANY)]

    with db.transaction() as tx:
        shop_requests.request_codes(tx, incentive_id, STORE, requested)
    with db.transaction() as tx:
        assert len(shop_requests.norms_known(tx, STORE, [n for _, n in requested])) == MANY
        shop_requests.settle_requests(tx, incentive_id, {n: None for _, n in requested})
    with db.transaction() as tx:
        assert shop_requests.open_requests(tx, incentive_id) == []
        created = select(func.count()).where(CodeRequest.state == "created")
        assert tx.scalar(created) == MANY

    with db.transaction() as tx:
        run_id = sync_runs.begin_run(tx, STORE, "pull", incentive_id)
        assert shop_sync.upsert_page(tx, incentive_id, STORE, run_id, pulled).new == MANY
    with db.transaction() as tx:
        norms = [n for _, n, _ in pulled]
        assert len(shop_sync.pooled_norms(tx, STORE, norms)) == MANY
        code_ids = list(tx.scalars(select(Code.id)))
        observed = code_ids[:: MANY // 100]
        assert shop_sync.record_usage(tx, [(c, 0, utcnow(), ()) for c in observed]) == len(observed)
        # The report reads usage per campaign (a subquery, no list of code ids).
        campaign_id = lookup.campaign(tx, "summer").id
        assert set(reporting.latest_usage_counts(tx, campaign_id)) == set(observed)
        ids = [incentive_id, *range(10**9, 10**9 + MANY)]
        assert catalog.incentive_refs(tx, ids) == {incentive_id: "summer/kit"}
        assert pool.counts(tx, ids)[incentive_id].available == MANY
        shop_requests.mark_revoked(tx, list(range(10**9, 10**9 + MANY)))  # none exist
        sync_runs.fail_runs(tx, [run_id, *range(10**9, 10**9 + MANY)], "test")
