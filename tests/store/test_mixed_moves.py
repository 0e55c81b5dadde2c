"""Randomized mixed moves of a few shared creators from many processes (issue 6, items 1, 27).

Each spawned worker runs its own seeded sequence of forward and back moves, drops,
un-drops (a move out of ``dropped``), rejections (``incentives reject``) and bulk
moves over one small set of creators, with pools smaller than the number of
creators, so moves of one creator queue on its lock while others change what it
holds. Both databases (``db_url``); every invariant is checked after the run.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from store.db import Database
from store.models import Assignment, Code, Creator, Incentive, Membership, Rejection
from sync import incentives, moves, workflow
from sync.errors import DomainError, OutOfCodes
from tests.store.test_concurrency import Outcome, WorkerReport, race_setup, run_in_processes

WORKERS = 6
CREATORS = 8
STEPS = 64  # operations per worker
#: Workers run in near lockstep; at each step most operations go to that step's "hot"
#: creator (each creator is hot in turn), so several processes queue on one creator's lock.
HOT_SHARE = 0.75
BULK_SIZE = 3  # creators named in one bulk move, at most
POOLS = {"kit": 5, "bonus": 4}  # both smaller than CREATORS
TIMING = {"kit": "pre_payment", "bonus": "post_payment"}
ON_DROP = {"kit": "keep", "bonus": "disable"}
#: How often each kind of operation is drawn (moves to random stages cover forward,
#: back, drop and un-drop).
WEIGHTS = {"move": 6, "drop": 1, "reject": 1, "bulk": 2}
SEED = 20261203
REFUSED_FOR_CODES = "has no codes left"  # the words of an OutOfCodes refusal

#: An operation: (kind, handles joined by ",", target stage or incentive key).
Op = tuple[str, str, str]


def plan_ops(handles: Sequence[str], seed: int, worker: int) -> list[Op]:
    """A worker's random, reproducible sequence of operations."""
    rng = random.Random(seed * 1_000 + worker)
    kinds = list(WEIGHTS)
    ops: list[Op] = []
    for step in range(STEPS):
        hot = handles[step * len(handles) // STEPS]
        handle = hot if rng.random() < HOT_SHARE else rng.choice(handles)
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        if kind == "bulk":
            others = rng.sample([h for h in handles if h != handle], rng.randint(1, BULK_SIZE - 1))
            ops.append((kind, ",".join([handle, *others]), rng.choice(workflow.STAGE_KEYS)))
        elif kind == "reject":
            ops.append((kind, handle, rng.choice(list(POOLS))))
        elif kind == "drop":
            ops.append(("move", handle, workflow.EXIT_STAGE))
        else:
            ops.append((kind, handle, rng.choice(workflow.STAGE_KEYS)))
    return ops


def mixed_moves(db: Database, campaign: str, ops: list[Op]) -> list[Outcome]:
    """Run the operations; only the refusals a user may get are caught, anything else
    (``IntegrityError`` above all) escapes and is reported as the worker's crash."""
    outcomes: list[Outcome] = []
    for kind, names, target in ops:
        if kind == "move":
            try:
                outcomes.append((names, moves.move(db, campaign, names, target).result))
            except OutOfCodes:
                outcomes.append((names, moves.REFUSED))
        elif kind == "reject":
            try:
                incentives.reject(db, f"{campaign}/{target}", names)
                outcomes.append((names, "rejected"))
            except DomainError as refused:  # the creator already holds the code
                outcomes.append((names, f"reject refused: {refused}"))
        else:
            report = moves.move_many(db, campaign, names.split(","), target)
            # One outcome per creator named, in order: the batch never stops early.
            assert [o.handle for o in report.outcomes] == names.split(","), report
            for o in report.outcomes:
                outcomes.append((o.handle, f"{o.result}: {o.error}" if o.error else o.result))
    return outcomes


@dataclass(frozen=True)
class MixedState:
    stage_of: dict[str, str]
    assignments: list[tuple[str, str, int]]  # (handle, incentive key, code id)
    rejections: set[tuple[str, str]]  # (handle, incentive key)
    codes: dict[str, Counter[str]]  # incentive key -> status -> n


def read_mixed_state(db: Database) -> MixedState:
    with db.transaction() as tx:
        members = select(Creator.handle, Membership.stage).join(
            Membership, Membership.creator_id == Creator.id
        )
        stage_of: dict[str, str] = {h: s for h, s in tx.execute(members).all()}
        assignments: list[tuple[str, str, int]] = [
            (h, k, c)
            for h, k, c in tx.execute(
                select(Creator.handle, Incentive.key, Assignment.code_id)
                .select_from(Assignment)
                .join(Creator, Creator.id == Assignment.creator_id)
                .join(Incentive, Incentive.id == Assignment.incentive_id)
                .join(Code, (Code.id == Assignment.code_id) & (Code.incentive_id == Incentive.id))
            ).all()
        ]
        rejections: set[tuple[str, str]] = {
            (h, k)
            for h, k in tx.execute(
                select(Creator.handle, Incentive.key)
                .select_from(Rejection)
                .join(Creator, Creator.id == Rejection.creator_id)
                .join(Incentive, Incentive.id == Rejection.incentive_id)
            ).all()
        }
        codes: dict[str, Counter[str]] = {key: Counter() for key in POOLS}
        for key, status, n in tx.execute(
            select(Incentive.key, Code.status, func.count())
            .select_from(Code)
            .join(Incentive, Incentive.id == Code.incentive_id)
            .group_by(Incentive.key, Code.status)
        ):
            codes[key][status] = n
        all_assignments = tx.scalar(select(func.count()).select_from(Assignment))
    assert all_assignments == len(assignments), "an assignment's code is from another pool"
    return MixedState(stage_of, assignments, rejections, codes)


def assert_invariants(state: MixedState, reports: list[WorkerReport]) -> None:
    crashes = [r.crash for r in reports if r.crash]
    assert not crashes, "\n".join(crashes)
    # Bulk moves report every creator, and refuse only for an empty pool.
    for report in reports:
        for handle, result in report.outcomes:
            if result.startswith(moves.REFUSED + ":"):
                assert REFUSED_FOR_CODES in result, (handle, result)

    # No code handed out twice; one code per (incentive, creator); pools never exceeded.
    assert [c for c, n in Counter(c for _, _, c in state.assignments).items() if n > 1] == []
    pairs = Counter((h, k) for h, k, _ in state.assignments)
    assert [p for p, n in pairs.items() if n > 1] == []
    for key, size in POOLS.items():
        given = sum(1 for _, k, _ in state.assignments if k == key)
        assert given <= size
        assert sum(state.codes[key].values()) == size
        assert state.codes[key]["assigned"] + state.codes[key]["revoked"] == given

    # A rejection is refused once the code is released, and a move never releases a
    # rejected incentive: no pair is both rejected and assigned.
    assert set(pairs) & state.rejections == set()

    # Everyone at or past a release stage (and not dropped) holds that code or rejected it.
    stages = workflow.default_stages()
    for handle, stage in state.stage_of.items():
        if stage == workflow.EXIT_STAGE:
            continue
        for key, release in TIMING.items():
            if workflow.reached(stages, stage, release):
                assert (handle, key) in pairs or (handle, key) in state.rejections, (
                    handle,
                    stage,
                    key,
                )


@pytest.mark.slow
def test_mixed_moves_from_many_processes_keep_every_invariant(db_url: str) -> None:
    handles = race_setup(db_url, POOLS, CREATORS, timing=TIMING, on_drop=ON_DROP)
    hands = [plan_ops(handles, SEED, n) for n in range(WORKERS)]

    reports = run_in_processes(db_url, "summer", hands, mixed_moves)

    db = Database(db_url)
    try:
        assert_invariants(read_mixed_state(db), reports)
    finally:
        db.dispose()
