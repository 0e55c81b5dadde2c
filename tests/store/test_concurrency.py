"""Concurrent stage moves never hand out a code twice and never exceed the pool (SPEC §4).

Every test runs on SQLite and PostgreSQL (the ``db_url`` fixture). Workers are
OS processes started with ``spawn`` (each opens its own :class:`Database`, as
separate machines would) or threads sharing one :class:`Database`. Creators are
dealt to workers at random (seeded), and some creators are dealt to two workers,
so two movers race for the same creator as well as for the same codes. A barrier
releases all workers at once. The verdict comes from the database, cross-checked
against what each worker was told. Mixed moves (back, drop, reject, bulk) race in
:mod:`tests.store.test_mixed_moves`, on the helpers here.
"""

from __future__ import annotations

import random
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from store import catalog, pool
from store.db import Database, Tx
from store.models import Assignment, Campaign, Code, Creator, Incentive, Membership
from sync import lookup, moves, workflow
from sync.errors import OutOfCodes
from tests import builders
from tests.support.processes import run_processes

WORKERS = 8
CREATORS = 500
POOL = 300
SHARED_FRACTION = 0.2  # creators also dealt to a second worker
TARGET = "pre_payment"
BARRIER_TIMEOUT_S = 120
JOIN_TIMEOUT_S = 120

#: (handle, result) where result is a moves result or the exception class name.
Outcome = tuple[str, str]
#: What a worker does with its hand: ``work(db, campaign, hand)`` → what it was told.
#: Must be a module-level function (spawned workers import it by name).
Work = Callable[[Database, str, Any], list[Outcome]]


@dataclass(frozen=True)
class WorkerReport:
    worker: int
    outcomes: list[Outcome]
    crash: str | None = None


def deal(handles: Sequence[str], workers: int, seed: int) -> list[list[str]]:
    """Deal creators to workers at random; a share goes to a second, different worker too."""
    rng = random.Random(seed)
    hands: list[list[str]] = [[] for _ in range(workers)]
    for handle in handles:
        first = rng.randrange(workers)
        hands[first].append(handle)
        if rng.random() < SHARED_FRACTION:
            second = rng.choice([w for w in range(workers) if w != first])
            hands[second].append(handle)
    for hand in hands:
        rng.shuffle(hand)
    return hands


def move_all(db: Database, campaign: str, handles: Sequence[str]) -> list[Outcome]:
    """Move each creator to the target; record what the mover was told."""
    outcomes: list[Outcome] = []
    for handle in handles:
        try:
            outcomes.append((handle, moves.move(db, campaign, handle, TARGET).result))
        except OutOfCodes:
            outcomes.append((handle, moves.REFUSED))
    return outcomes


def _process_worker(
    worker: int, url: str, campaign: str, hand: Any, work: Work, barrier: Any, results: Any
) -> None:
    """Entry point of a spawned worker: its own engine, then wait for the others."""
    db = Database(url)
    try:
        with db.transaction() as tx:  # connect before the start line, not after it
            tx.scalar(select(func.count()).select_from(Membership))
        barrier.wait(BARRIER_TIMEOUT_S)
        results.put(WorkerReport(worker, work(db, campaign, hand)))
    except BaseException:  # noqa: BLE001 - the parent must hear of any crash
        results.put(WorkerReport(worker, [], traceback.format_exc()))
    finally:
        db.dispose()


def run_in_processes(
    url: str, campaign: str, hands: Sequence[Any], work: Work = move_all
) -> list[WorkerReport]:
    """Run ``work`` on each hand in its own spawned process, all released at once."""
    arguments = [(n, url, campaign, hand, work) for n, hand in enumerate(hands)]
    return run_processes(_process_worker, arguments, join_timeout=JOIN_TIMEOUT_S)


def run_in_threads(db: Database, campaign: str, hands: list[list[str]]) -> list[WorkerReport]:
    barrier = threading.Barrier(len(hands))
    reports: list[WorkerReport] = []
    lock = threading.Lock()

    def work(worker: int, handles: list[str]) -> None:
        try:
            barrier.wait(BARRIER_TIMEOUT_S)
            report = WorkerReport(worker, move_all(db, campaign, handles))
        except BaseException:  # noqa: BLE001 - the test must hear of any crash
            report = WorkerReport(worker, [], traceback.format_exc())
        with lock:
            reports.append(report)

    threads = [threading.Thread(target=work, args=(n, hand)) for n, hand in enumerate(hands)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
        assert not thread.is_alive(), "a mover thread hung"
    return reports


@dataclass(frozen=True)
class PoolState:
    """What the database says after the race, for one campaign."""

    stage_of: dict[str, str]  # handle -> stage
    codes_of: dict[str, dict[str, list[int]]]  # handle -> incentive key -> code ids
    assigned_code_ids: list[int]  # one entry per assignment
    counts: dict[str, pool.PoolCounts]  # incentive key -> counts
    code_statuses: dict[str, Counter[str]]  # incentive key -> status -> n
    foreign_assignments: int  # assignments whose code belongs to another incentive


def read_state(db: Database, campaign: str) -> PoolState:
    with db.transaction() as tx:
        incentives = {
            i.id: i.key
            for i in tx.scalars(
                select(Incentive).where(Incentive.campaign_id == _campaign_id(tx, campaign))
            )
        }
        stage_of = {
            handle: stage
            for handle, stage in tx.execute(
                select(Creator.handle, Membership.stage).join(
                    Membership, Membership.creator_id == Creator.id
                )
            )
        }
        codes_of: dict[str, dict[str, list[int]]] = {h: {} for h in stage_of}
        assigned: list[int] = []
        foreign = 0
        rows = tx.execute(
            select(Creator.handle, Assignment.incentive_id, Assignment.code_id, Code.incentive_id)
            .join(Creator, Creator.id == Assignment.creator_id)
            .join(Code, Code.id == Assignment.code_id)
            .where(Assignment.incentive_id.in_(incentives))
        )
        for handle, incentive_id, code_id, code_incentive_id in rows:
            codes_of[handle].setdefault(incentives[incentive_id], []).append(code_id)
            assigned.append(code_id)
            foreign += code_incentive_id != incentive_id
        counts = pool.counts(tx, list(incentives))
        statuses: dict[str, Counter[str]] = {key: Counter() for key in incentives.values()}
        for incentive_id, status, n in tx.execute(
            select(Code.incentive_id, Code.status, func.count())
            .where(Code.incentive_id.in_(incentives))
            .group_by(Code.incentive_id, Code.status)
        ):
            statuses[incentives[incentive_id]][status] = n
    return PoolState(
        stage_of=stage_of,
        codes_of=codes_of,
        assigned_code_ids=assigned,
        counts={incentives[i]: c for i, c in counts.items()},
        code_statuses=statuses,
        foreign_assignments=foreign,
    )


def _campaign_id(tx: Tx, key: str) -> int:
    return int(tx.scalar(select(Campaign.id).where(Campaign.key == key)))


def assert_race_was_fair(
    state: PoolState, reports: list[WorkerReport], pools: dict[str, int], handles: Sequence[str]
) -> None:
    """Every pool invariant after a race in which all ``handles`` tried to reach TARGET."""
    crashes = [r.crash for r in reports if r.crash]
    assert not crashes, "\n".join(crashes)

    # No code handed out twice, and each assigned code comes from its own incentive's pool.
    duplicates = [c for c, n in Counter(state.assigned_code_ids).items() if n > 1]
    assert duplicates == []
    assert state.foreign_assignments == 0

    # No creator holds two codes of one incentive.
    doubled = [(h, k) for h, by in state.codes_of.items() for k, ids in by.items() if len(ids) > 1]
    assert doubled == []

    # All-or-nothing: a moved creator holds exactly one code of every incentive; anyone
    # else is still at the start with none.
    moved = {h for h in handles if state.stage_of[h] == TARGET}
    for handle in handles:
        held = {k: len(ids) for k, ids in state.codes_of[handle].items()}
        if handle in moved:
            assert held == dict.fromkeys(pools, 1), handle
        else:
            assert state.stage_of[handle] == "candidates", handle
            assert held == {}, handle

    # The smallest pool caps the stage exactly: nobody was refused while codes remained.
    assert len(moved) == min(len(handles), *pools.values())

    # Counts add up and match the rows.
    for key, size in pools.items():
        counts = state.counts[key]
        assert counts.total == size
        assert counts.assigned == len(moved) == state.code_statuses[key]["assigned"]
        assert counts.available + counts.assigned == counts.total
        assert counts.available == size - len(moved)

    # What movers were told agrees with the database: each creator was moved by exactly
    # one mover if at the target, and a creator refused everywhere stayed put.
    told: dict[str, list[str]] = {h: [] for h in handles}
    for report in reports:
        for handle, result in report.outcomes:
            told[handle].append(result)
    for handle, results in told.items():
        assert results, f"{handle} was never tried"
        assert results.count(moves.MOVED) == (1 if handle in moved else 0), (handle, results)
        assert set(results) <= {moves.MOVED, moves.UNCHANGED, moves.REFUSED}, (handle, results)
        if moves.MOVED not in results:
            assert set(results) == {moves.REFUSED}, (handle, results)


def race_setup(url: str, pools: dict[str, int], creators: int, **options: Any) -> list[str]:
    """Campaign 'summer' with ``pools`` (released at TARGET unless ``options`` say
    otherwise, see :func:`tests.builders.campaign`), and ``creators`` at the start."""
    db = Database(url)
    try:
        builders.campaign(db, pools=pools, **options)
        handles = [f"creator{n:04d}" for n in range(creators)]
        # One transaction rather than one per creator: setup is not what is under test.
        with db.transaction() as tx:
            campaign = lookup.campaign(tx, "summer")
            for handle in handles:
                creator = catalog.upsert_creator(tx, handle, email=None, first_name=None)
                catalog.add_membership(tx, campaign, creator, workflow.ENTRY_STAGE)
        return handles
    finally:
        db.dispose()


@pytest.mark.slow
def test_concurrent_processes_never_exceed_the_pool_or_assign_a_code_twice(db_url: str) -> None:
    pools = {"kit": POOL}
    handles = race_setup(db_url, pools, CREATORS)
    hands = deal(handles, WORKERS, seed=20261123)
    assert any(set(a) & set(b) for a in hands for b in hands if a is not b), "no contention"

    reports = run_in_processes(db_url, "summer", hands)

    db = Database(db_url)
    try:
        assert_race_was_fair(read_state(db, "summer"), reports, pools, handles)
    finally:
        db.dispose()


def test_concurrent_threads_sharing_one_database_never_exceed_the_pool(db_url: str) -> None:
    pools = {"kit": 120}
    handles = race_setup(db_url, pools, 200)
    hands = deal(handles, WORKERS, seed=7)

    db = Database(db_url)
    try:
        reports = run_in_threads(db, "summer", hands)
        assert_race_was_fair(read_state(db, "summer"), reports, pools, handles)
    finally:
        db.dispose()


@pytest.mark.slow
def test_concurrent_moves_with_two_incentives_due_are_all_or_nothing(db_url: str) -> None:
    # Both incentives are released at pre_payment; the smaller pool caps the stage and
    # every refusal must give back the code already claimed from the larger pool.
    pools = {"kit": 250, "bonus": 160}
    handles = race_setup(db_url, pools, 320)
    hands = deal(handles, WORKERS, seed=42)

    reports = run_in_processes(db_url, "summer", hands)

    db = Database(db_url)
    try:
        state = read_state(db, "summer")
        assert_race_was_fair(state, reports, pools, handles)
        assert state.counts["kit"].available == 250 - 160
    finally:
        db.dispose()
